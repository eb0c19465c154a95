//! NATS subjects: validity, wildcard matching (`*` one token, `>` the rest), collision and
//! subset tests as nats-server's sublist does them.

/// A stream or consumer name (JS §1): not empty, no whitespace, `.`, `*` or `>`.
pub fn valid_name(n: &str) -> bool {
    !n.is_empty() && !n.chars().any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>'))
}

/// A subject: non-empty tokens without whitespace; `>` only last; wildcards alone in a token.
pub fn valid_subject(s: &str) -> bool {
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return false;
    }
    let toks: Vec<&str> = s.split('.').collect();
    for (i, t) in toks.iter().enumerate() {
        if t.is_empty() {
            return false;
        }
        if t.len() > 1 && (t.contains('*') || t.contains('>')) {
            // `*` or `>` inside a longer token is a literal character for the server; only a
            // whole-token wildcard matters here.
            continue;
        }
        if *t == ">" && i + 1 != toks.len() {
            return false;
        }
    }
    true
}

/// A subject without wildcards.
pub fn is_literal(s: &str) -> bool {
    !s.split('.').any(|t| t == "*" || t == ">")
}

/// Whether `filter` (which may hold wildcards) matches the literal subject `subj`.
pub fn matches(filter: &str, subj: &str) -> bool {
    let mut f = filter.split('.');
    let mut s = subj.split('.');
    loop {
        match (f.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether some literal subject matches both `a` and `b`.
pub fn collide(a: &str, b: &str) -> bool {
    let ta: Vec<&str> = a.split('.').collect();
    let tb: Vec<&str> = b.split('.').collect();
    let mut i = 0;
    loop {
        match (ta.get(i), tb.get(i)) {
            (Some(&">"), Some(_)) | (Some(_), Some(&">")) => return true,
            (Some(&x), Some(&y)) if x == "*" || y == "*" || x == y => {}
            (None, None) => return true,
            _ => return false,
        }
        i += 1;
    }
}

/// Whether every subject `sub` matches is also matched by `of` (subject-subset rules).
pub fn subset(sub: &str, of: &str) -> bool {
    let ts: Vec<&str> = sub.split('.').collect();
    let to: Vec<&str> = of.split('.').collect();
    for (i, o) in to.iter().enumerate() {
        if *o == ">" {
            return i < ts.len();
        }
        let Some(s) = ts.get(i) else { return false };
        if *s == ">" {
            return false;
        }
        if *o != "*" && (*s == "*" || s != o) {
            return false;
        }
    }
    ts.len() == to.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_tokens_as_the_server_does() {
        assert!(matches("aw.>", "aw.1"));
        assert!(matches("aw.>", "aw.b.c"));
        assert!(!matches("aw.>", "aw"));
        assert!(matches("dp.*", "dp.a"));
        assert!(!matches("dp.*", "dp.a.b"));
        assert!(matches("ticket:created", "ticket:created"));
        assert!(collide("a.*", "a.b"));
        assert!(collide("a.>", "a.b.c"));
        assert!(!collide("a.b", "a.c"));
        assert!(subset("dp.a", "dp.>"));
        assert!(subset("dp.*", "dp.>"));
        assert!(!subset("dp.>", "dp.*"));
        assert!(!subset("x", "dp.>"));
        assert!(valid_name("ticket:created"));
        assert!(!valid_name("a.b"));
        assert!(!valid_name("a b"));
        assert!(valid_subject("aw.>"));
        assert!(!valid_subject("a.>.b"));
        assert!(!valid_subject("a..b"));
    }
}
