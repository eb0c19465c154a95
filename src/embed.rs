//! Embedding in course pages, without a browser: the iframe URL's options, the embed code
//! the *Share* dialog writes, the `postMessage` commands a host page sends, and the origin
//! rules for both directions. `ui::embed` wires these to the page.
//!
//! ```text
//! index.html?embed=1&lesson=manual-ack&variant=1&t=2400&play=1&speed=10
//!           &controls=play,scrub,speed&lock=board&panels=board,timeline&height=520
//!           &origin=https://course.example
//! ```

use crate::json::JsonError;
use serde_json::Value;

/// A closed list of names a URL option can hold, as an enum: the parser, the embed code and
/// the page all use the variants, so a misspelt control is a compile error, not a silent `false`.
macro_rules! named {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $ty { $($(#[$vdoc])* $v),+ }
        impl Named for $ty {
            const ALL: &'static [$ty] = &[$($ty::$v),+];
            fn name(self) -> &'static str {
                match self { $($ty::$v => $s),+ }
            }
        }
    };
}

/// An enum whose variants have URL names.
pub trait Named: Copy + Eq + 'static {
    /// Every variant, in order.
    const ALL: &'static [Self];
    /// Its URL name.
    fn name(self) -> &'static str;
    /// The variant of a URL name.
    fn by_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

named! {
    /// The toolbar's controls and the parts of the page that can be locked (`controls=`, `lock=`).
    Control {
        Play = "play", Step = "step", Reset = "reset", Speed = "speed", Scrub = "scrub",
        Examples = "examples", Lessons = "lessons", Import = "import", Export = "export",
        Share = "share", Help = "help", Board = "board", Lab = "lab", Lesson = "lesson",
    }
}

named! {
    /// The page's panels (`panels=`).
    Panel { Board = "board", Inspector = "inspector", Lab = "lab", Timeline = "timeline", Log = "log", Monitor = "monitor" }
}

/// A set of [`Control`]s or [`Panel`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Names<T>(u32, std::marker::PhantomData<T>);

impl<T: Named> Names<T> {
    /// None of them.
    pub const NONE: Names<T> = Names(0, std::marker::PhantomData);
    /// All of them.
    pub const ALL: Names<T> = Names(u32::MAX, std::marker::PhantomData);

    fn bit(member: T) -> u32 {
        1 << T::ALL.iter().position(|v| *v == member).unwrap_or(31)
    }

    /// Whether `member` is in the set.
    pub fn has(self, member: T) -> bool {
        self.0 & Self::bit(member) != 0
    }

    /// The set of these members.
    pub fn of(members: &[T]) -> Names<T> {
        Names(members.iter().fold(0, |b, m| b | Self::bit(*m)), std::marker::PhantomData)
    }

    /// Parses `a,b,c`, `all` or `none`; an unknown name is an error that names it and the
    /// known ones.
    fn parse(v: &str, key: &str) -> Result<Names<T>, String> {
        let mut members = Vec::new();
        for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "all" => return Ok(Names::ALL),
                "none" => {}
                _ => match T::by_name(name) {
                    Some(m) => members.push(m),
                    None => {
                        let known: Vec<&str> = T::ALL.iter().map(|m| m.name()).collect();
                        return Err(format!("{key}: unknown name '{}' (known: {}, all, none)", clip(name), known.join(", ")));
                    }
                },
            }
        }
        Ok(Names::of(&members))
    }
}

/// What the page opens with, from the URL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Start {
    /// A lesson, by id (`manual-ack`) or file name (`04-manual-ack`).
    pub lesson: Option<String>,
    /// Its variant (0-based).
    pub variant: usize,
    /// A built-in example, by file name (`account-lab`).
    pub example: Option<String>,
    /// The cursor's time (ms).
    pub t: Option<u64>,
    /// Start playing.
    pub play: bool,
    /// Speed factor (0.1–1000).
    pub speed: Option<f64>,
}

/// How the page looks and what a learner may touch.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// Embed mode: no header, an "open in the playground" link, embed defaults.
    pub embed: bool,
    /// Toolbar controls shown.
    pub shown: Names<Control>,
    /// Controls and parts locked (shown, not usable).
    pub locked: Names<Control>,
    /// Panels shown.
    pub panels: Names<Panel>,
    /// The compact layout.
    pub compact: bool,
    /// The height the page lays itself out in (px).
    pub height: Option<u32>,
    /// Origins allowed to drive the page by `postMessage` (empty: the embedding page's).
    pub origins: Vec<String>,
    /// `light` or `dark` whatever the reader's system says (none: follow it).
    pub theme: Option<&'static str>,
    /// What to open.
    pub start: Start,
}

impl Default for View {
    fn default() -> Self {
        View {
            embed: false,
            shown: Names::ALL,
            locked: Names::NONE,
            panels: Names::ALL,
            compact: false,
            height: None,
            origins: Vec::new(),
            theme: None,
            start: Start::default(),
        }
    }
}

fn clip(s: &str) -> String {
    crate::json::clip_line(s, 40)
}

/// Percent-decoding of a query component (`+` is a space); invalid escapes stay as they are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|c| if c.is_ascii_alphanumeric() || b"-._~".contains(&c) { (c as char).to_string() } else { format!("%{c:02X}") }).collect()
}

/// A time option: `2400`, `2400ms`, `2.4s`.
pub fn parse_time(v: &str) -> Option<u64> {
    let v = v.trim();
    let (num, scale) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, 1.0)
    };
    ms_of(crate::json::decimal(num.trim())? * scale)
}

/// Milliseconds as a time: finite, not negative, rounded, at most the longest run.
fn ms_of(x: f64) -> Option<u64> {
    (x.is_finite() && x >= 0.0).then(|| x.min(crate::engine::scenario::MAX_UNTIL_MS as f64).round() as u64)
}

fn flag(v: &str) -> Option<bool> {
    match v {
        "" | "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// An origin as browsers write it (`https://host[:port]`), from what a teacher typed.
fn origin_of(v: &str) -> Option<String> {
    let v = v.trim().trim_end_matches('/');
    if v == "*" {
        return Some(v.into());
    }
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"))?;
    let ok = !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
    ok.then(|| v.to_ascii_lowercase())
}

/// A lesson or example name: letters, digits, `-`, `_` and `.` (`course-queue-kill-0.25`).
fn name_of(v: &str) -> Option<String> {
    (!v.is_empty() && v.len() <= 80 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')).then(|| v.to_string())
}

impl View {
    /// Reads the options of a query string (`?embed=1&…`, with or without the `?`). Unknown
    /// keys are ignored (a course site may add its own); a bad value is skipped and described
    /// in the returned problems, one line each, naming the key.
    pub fn from_query(query: &str) -> (View, Vec<String>) {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        let mut view = View::default();
        let mut problems = Vec::new();
        view.embed = pairs.iter().any(|(k, v)| k == "embed" && flag(v) != Some(false));
        if view.embed {
            view.compact = true;
            use Control::*;
            view.shown = Names::of(&[Play, Step, Reset, Speed, Scrub, Help]);
            view.panels = Names::of(&[Panel::Board, Panel::Inspector, Panel::Lab, Panel::Timeline]);
        }
        for (k, v) in &pairs {
            let bad = |what: &str| format!("{k}: {what} '{}'", clip(v));
            let r: Result<(), String> = match k.as_str() {
                "embed" => flag(v).map(|_| ()).ok_or_else(|| bad("expected 1 or 0, got")),
                "controls" => Names::parse(v, k).map(|n| view.shown = n),
                "lock" => Names::parse(v, k).map(|n| view.locked = n),
                "panels" => Names::parse(v, k).map(|n| view.panels = n),
                "theme" => ["auto", "light", "dark"]
                    .iter()
                    .find(|t| **t == v)
                    .map(|t| view.theme = (*t != "auto").then_some(*t))
                    .ok_or_else(|| bad("expected light, dark or auto, got")),
                "layout" => ["full", "compact"].iter().position(|l| l == v).map(|i| view.compact = i == 1).ok_or_else(|| bad("expected compact or full, got")),
                "height" => v
                    .trim_end_matches("px")
                    .parse::<u32>()
                    .ok()
                    .filter(|h| (200..=4000).contains(h))
                    .map(|h| view.height = Some(h))
                    .ok_or_else(|| bad("expected pixels from 200 to 4000, got")),
                "origin" => v
                    .split(',')
                    .filter(|o| !o.trim().is_empty())
                    .map(|o| origin_of(o).ok_or_else(|| format!("origin: expected https://host[:port] or *, got '{}'", clip(o))))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|o| view.origins = o),
                "lesson" => name_of(v).map(|n| view.start.lesson = Some(n)).ok_or_else(|| bad("expected a lesson id, got")),
                "variant" => v.parse::<usize>().map(|n| view.start.variant = n).map_err(|_| bad("expected a number, got")),
                "scenario" | "example" => name_of(v).map(|n| view.start.example = Some(n)).ok_or_else(|| bad("expected an example name, got")),
                "t" => parse_time(v).map(|t| view.start.t = Some(t)).ok_or_else(|| bad("expected a time like 2400 or 2.4s, got")),
                "play" | "autoplay" => flag(v).map(|p| view.start.play = p).ok_or_else(|| bad("expected 1 or 0, got")),
                "speed" => crate::json::decimal(v)
                    .filter(|s| (0.1..=1000.0).contains(s))
                    .map(|s| view.start.speed = Some(s))
                    .ok_or_else(|| bad("expected a factor from 0.1 to 1000, got")),
                _ => Ok(()),
            };
            if let Err(e) = r {
                problems.push(e);
            }
        }
        (view, problems)
    }

    /// A control is shown.
    pub fn shows(&self, control: Control) -> bool {
        self.shown.has(control)
    }

    /// A control or part is locked.
    pub fn locks(&self, control: Control) -> bool {
        self.locked.has(control)
    }

    /// A panel is shown.
    pub fn has_panel(&self, panel: Panel) -> bool {
        self.panels.has(panel)
    }

    /// Whether a message from `origin` may drive the page. `parent` is the embedding page's
    /// origin when the browser tells it. With `origin=` options, only those origins (or any,
    /// with `*`); without, only the embedding page. `null` origins only with `*`.
    pub fn accepts(&self, origin: &str, parent: Option<&str>) -> bool {
        if self.origins.is_empty() {
            parent.is_some_and(|p| p == origin && p != "null")
        } else {
            self.origins.iter().any(|o| o == "*" || o == origin)
        }
    }

    /// Where the page's own messages go (`postMessage`'s target origin), or nowhere.
    pub fn target(&self, parent: Option<&str>) -> Option<String> {
        match parent {
            Some(p) if p != "null" && self.accepts(p, Some(p)) => Some(p.to_string()),
            _ if self.origins.len() == 1 => Some(self.origins[0].clone()),
            _ => None,
        }
    }
}

/// The choices of the *Embed* part of the share dialog.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedCode {
    /// Start playing.
    pub play: bool,
    /// Lock the board (no gestures, the inspector is read-only).
    pub lock_board: bool,
    /// Lock the time controls too.
    pub lock_time: bool,
    /// Compact layout.
    pub compact: bool,
    /// Height of the frame (px).
    pub height: u32,
    /// A fixed theme (none: the reader's).
    pub theme: Option<&'static str>,
}

impl Default for EmbedCode {
    fn default() -> Self {
        EmbedCode { play: false, lock_board: false, lock_time: false, compact: true, height: 560, theme: None }
    }
}

fn attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

impl EmbedCode {
    /// The iframe URL: `page` (the playground's address, no query or fragment) with the
    /// options, then either a lesson (`lesson`, `variant`, `t`) or a share fragment.
    pub fn url(&self, page: &str, lesson: Option<(&str, usize)>, t: u64, fragment: &str) -> String {
        let mut q = String::from("?embed=1");
        if let Some((id, v)) = lesson {
            q += &format!("&lesson={}", percent_encode(id));
            if v > 0 {
                q += &format!("&variant={v}");
            }
            if t > 0 {
                q += &format!("&t={t}");
            }
        }
        if self.play {
            q += "&play=1";
        }
        use Control::*;
        let parts: [(bool, &[Control]); 2] = [(self.lock_board, &[Board, Lab]), (self.lock_time, &[Play, Step, Reset, Speed, Scrub])];
        let locks: Vec<&str> = parts.iter().filter(|l| l.0).flat_map(|l| l.1.iter().map(|c| c.name())).collect();
        if !locks.is_empty() {
            q += &format!("&lock={}", locks.join(","));
        }
        if !self.compact {
            q += "&layout=full&panels=all";
        }
        if let Some(t) = self.theme {
            q += &format!("&theme={t}");
        }
        q += &format!("&height={}", self.height);
        let frag = if lesson.is_some() { "" } else { fragment };
        format!("{page}{q}{frag}")
    }

    /// The `<iframe>` element a teacher pastes into a course page.
    pub fn snippet(&self, url: &str) -> String {
        format!(
            "<iframe src=\"{}\" width=\"100%\" height=\"{}\" style=\"border:1px solid #d5dae1;border-radius:8px\" title=\"NATS Streaming Playground\" loading=\"lazy\" allow=\"clipboard-write\"></iframe>",
            attr(url),
            self.height
        )
    }
}

/// What a `load` command opens.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A scenario (contract JSON text).
    Scenario(String),
    /// A lesson and its variant.
    Lesson(String, usize),
    /// A built-in example.
    Example(String),
}

/// Which trace events a host wants.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Watch {
    /// None (the default).
    #[default]
    Off,
    /// All of them.
    All,
    /// These kinds (`delivered`, `acked`, …).
    Kinds(Vec<String>),
}

impl Watch {
    /// Whether an event of `kind` is sent.
    pub fn wants(&self, kind: &str) -> bool {
        match self {
            Watch::Off => false,
            Watch::All => true,
            Watch::Kinds(k) => k.iter().any(|x| x == kind),
        }
    }
}

/// A command from the host page.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open something, then move to `t` and maybe play.
    Load { source: Source, t: Option<u64>, play: bool },
    /// Play.
    Play,
    /// Pause.
    Pause,
    /// Move the cursor (pauses).
    Seek(u64),
    /// Speed factor.
    Speed(f64),
    /// Which trace events to send from now on.
    Watch(Watch),
    /// Ask for `state`, `trace`, `monitor` or `scenario`.
    Get(String),
}

/// Reads a host's message: `{type, id?, …}` (other fields are ignored: a host may add its
/// own). A refusal is the one JSON reader's error ([`crate::json::JsonError`]), placed at the
/// message's type (`seek: t must be a time in ms`). The `id`, if any, comes back in the answer.
pub fn parse_command(v: &Value) -> Result<(Option<Value>, Command), JsonError> {
    let obj = v.as_object().ok_or(JsonError { place: String::new(), message: "a message must be an object with a type".into() })?;
    // A string or number id, copied as such (no deep `Value::clone` in the page for it).
    let id = obj.get("id").and_then(|i| match i {
        Value::String(s) => Some(Value::String(s.clone())),
        Value::Number(n) => Some(Value::Number(n.clone())),
        _ => None,
    });
    let kind = obj.get("type").and_then(Value::as_str).ok_or(JsonError { place: String::new(), message: "a message needs a string type".into() })?;
    let fail = |message: String| JsonError { place: kind.to_string(), message };
    let num = |k: &str| -> Result<f64, JsonError> { obj.get(k).and_then(Value::as_f64).ok_or_else(|| fail(format!("{k} must be a number"))) };
    let time = |k: &str| -> Result<Option<u64>, JsonError> {
        match obj.get(k).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(Value::String(s)) => parse_time(s).map(Some).ok_or_else(|| fail(format!("{k} must be a time in ms"))),
            Some(x) => x.as_f64().and_then(ms_of).map(Some).ok_or_else(|| fail(format!("{k} must be a time in ms"))),
        }
    };
    let cmd = match kind {
        "play" => Command::Play,
        "pause" => Command::Pause,
        "seek" => Command::Seek(time("t")?.ok_or_else(|| fail("t must be a time in ms".into()))?),
        "speed" => {
            let s = num("speed")?;
            if !(0.1..=1000.0).contains(&s) {
                return Err(fail("speed must be from 0.1 to 1000".into()));
            }
            Command::Speed(s)
        }
        "load" => {
            let source = if let Some(s) = obj.get("scenario") {
                let text = match s {
                    Value::String(t) => t.clone(),
                    other => crate::json::write::compact(other),
                };
                // The same bound as a share link's: a frame is not frozen by a huge message.
                if text.len() > crate::share::MAX_SCENARIO_CHARS {
                    return Err(fail(format!("the scenario has {} characters, more than the {} allowed", text.len(), crate::share::MAX_SCENARIO_CHARS)));
                }
                Source::Scenario(text)
            } else if let Some(l) = obj.get("lesson") {
                let id = l.as_str().and_then(name_of).ok_or_else(|| fail("lesson must be a lesson id".into()))?;
                let variant = obj.get("variant").map_or(Some(0), Value::as_u64).ok_or_else(|| fail("variant must be a number".into()))?;
                Source::Lesson(id, variant as usize)
            } else if let Some(e) = obj.get("example") {
                Source::Example(e.as_str().and_then(name_of).ok_or_else(|| fail("example must be an example name".into()))?)
            } else {
                return Err(fail("give a scenario, a lesson or an example".into()));
            };
            Command::Load { source, t: time("t")?, play: obj.get("play").and_then(Value::as_bool).unwrap_or(false) }
        }
        "watch" => Command::Watch(match obj.get("trace").filter(|v| !v.is_null()) {
            None | Some(Value::Bool(false)) => Watch::Off,
            Some(Value::Bool(true)) => Watch::All,
            Some(Value::Array(a)) => Watch::Kinds(
                a.iter()
                    .map(|k| match k.as_str() {
                        Some(k) if crate::engine::trace::EVENT_KINDS.contains(&k) => Ok(k.to_string()),
                        Some(k) => Err(fail(format!("unknown event kind '{}' (known: {})", clip(k), crate::engine::trace::EVENT_KINDS.join(", ")))),
                        None => Err(fail("trace must list event kinds".to_string())),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(_) => return Err(fail("trace must be true, false or a list of event kinds".into())),
        }),
        "get" => {
            let what = obj.get("what").and_then(Value::as_str).unwrap_or("state");
            if !["state", "trace", "monitor", "scenario"].contains(&what) {
                return Err(fail(format!("what must be state, trace, monitor or scenario, not '{}'", clip(what))));
            }
            Command::Get(what.into())
        }
        other => {
            return Err(JsonError {
                place: String::new(),
                message: format!("unknown message type '{}' (load, play, pause, seek, speed, watch, get)", clip(other)),
            })
        }
    };
    Ok((id, cmd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_page_without_options_shows_everything_and_locks_nothing() {
        let (v, p) = View::from_query("");
        assert!(p.is_empty());
        assert_eq!(v, View::default());
        assert!(v.shows(Control::Import) && v.has_panel(Panel::Monitor) && !v.locks(Control::Board) && !v.embed && !v.compact);
    }

    #[test]
    fn embed_mode_defaults_to_the_time_controls_and_the_compact_layout() {
        let (v, p) = View::from_query("?embed=1");
        assert!(p.is_empty());
        assert!(v.embed && v.compact);
        for c in [Control::Play, Control::Step, Control::Reset, Control::Speed, Control::Scrub, Control::Help] {
            assert!(v.shows(c), "{c:?}");
        }
        for c in [Control::Examples, Control::Lessons, Control::Import, Control::Export, Control::Share] {
            assert!(!v.shows(c), "{c:?}");
        }
        assert!(
            v.has_panel(Panel::Board) && v.has_panel(Panel::Timeline) && v.has_panel(Panel::Lab) && !v.has_panel(Panel::Log) && !v.has_panel(Panel::Monitor)
        );
    }

    #[test]
    fn every_option_is_read() {
        let q = "embed=1&lesson=manual-ack&variant=1&t=2.4s&play=1&speed=10&controls=play,scrub&lock=board,scrub&panels=board,timeline&layout=full&height=520px&origin=https://Course.Example/,http://127.0.0.1:8080&theme=dark";
        let (v, p) = View::from_query(q);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(v.start, Start { lesson: Some("manual-ack".into()), variant: 1, example: None, t: Some(2400), play: true, speed: Some(10.0) });
        assert!(v.shows(Control::Play) && v.shows(Control::Scrub) && !v.shows(Control::Step));
        assert!(v.locks(Control::Board) && v.locks(Control::Scrub) && !v.locks(Control::Play) && !v.locks(Control::Lab));
        assert!(v.has_panel(Panel::Board) && v.has_panel(Panel::Timeline) && !v.has_panel(Panel::Inspector));
        assert!(!v.compact);
        assert_eq!(v.height, Some(520));
        assert_eq!(v.origins, ["https://course.example", "http://127.0.0.1:8080"]);
        assert_eq!(v.theme, Some("dark"));
        assert_eq!(View::from_query("theme=auto").0.theme, None);
        assert_eq!(View::from_query("theme=pink").1, ["theme: expected light, dark or auto, got 'pink'"]);
    }

    #[test]
    fn bad_values_are_skipped_and_named_and_unknown_keys_ignored() {
        let (v, p) = View::from_query("embed=1&lock=bord&height=9&t=soon&origin=javascript:alert(1)&utm_source=x&speed=0&lesson=../x&play=maybe");
        assert_eq!(
            p,
            [
                "lock: unknown name 'bord' (known: play, step, reset, speed, scrub, examples, lessons, import, export, share, help, board, lab, lesson, all, none)",
                "height: expected pixels from 200 to 4000, got '9'",
                "t: expected a time like 2400 or 2.4s, got 'soon'",
                "origin: expected https://host[:port] or *, got 'javascript:alert(1)'",
                "speed: expected a factor from 0.1 to 1000, got '0'",
                "lesson: expected a lesson id, got '../x'",
                "play: expected 1 or 0, got 'maybe'",
            ]
        );
        assert_eq!(v.locked, Names::NONE);
        assert_eq!((v.height, v.start.t, v.start.lesson.as_deref()), (None, None, None));
        assert!(v.origins.is_empty());
        // A value is quoted on one line, whatever it holds.
        assert_eq!(View::from_query("theme=a%0Ab").1, ["theme: expected light, dark or auto, got 'a\\nb'"]);
        // Example names carry versions: `.` is part of a name, `/` never is.
        let (v, p) = View::from_query("scenario=course-queue-kill-0.25");
        assert_eq!((v.start.example.as_deref(), p.len()), (Some("course-queue-kill-0.25"), 0));
    }

    #[test]
    fn lock_all_and_percent_escapes() {
        let (v, _) = View::from_query("lock=all&scenario=account-lab&t=1500ms");
        assert!(v.locks(Control::Board) && v.locks(Control::Play) && v.locks(Control::Lesson));
        assert_eq!((v.start.example.as_deref(), v.start.t), (Some("account-lab"), Some(1500)));
        assert_eq!(percent_decode("a%2Cb+c%zz%4"), "a,b c%zz%4");
        assert_eq!(percent_decode("%E2%86%92"), "→");
        let (v, p) = View::from_query("controls=play%2Cspeed");
        assert!(p.is_empty() && v.shows(Control::Speed) && !v.shows(Control::Scrub));
    }

    #[test]
    fn only_the_embedding_page_drives_it_unless_origins_are_listed() {
        let (v, _) = View::from_query("embed=1");
        assert!(v.accepts("https://course.example", Some("https://course.example")));
        assert!(!v.accepts("https://evil.example", Some("https://course.example")));
        assert!(!v.accepts("https://course.example", None), "unknown parent: nobody");
        assert!(!v.accepts("null", Some("null")));
        assert_eq!(v.target(Some("https://course.example")).as_deref(), Some("https://course.example"));
        assert_eq!(v.target(None), None);

        let (v, _) = View::from_query("embed=1&origin=https://course.example");
        assert!(v.accepts("https://course.example", Some("https://lms.example")));
        assert!(!v.accepts("https://lms.example", Some("https://lms.example")), "the listed origins replace the parent");
        assert_eq!(v.target(Some("https://lms.example")).as_deref(), Some("https://course.example"));
        assert_eq!(v.target(None).as_deref(), Some("https://course.example"));

        let (v, _) = View::from_query("embed=1&origin=*");
        assert!(v.accepts("https://anyone.example", None) && v.accepts("null", None));
        assert_eq!(v.target(Some("https://lms.example")).as_deref(), Some("https://lms.example"));
    }

    #[test]
    fn the_embed_code_is_an_escaped_iframe_with_the_chosen_options() {
        let code = EmbedCode { play: true, lock_board: true, lock_time: false, compact: true, height: 480, theme: None };
        let url = code.url("https://play.example/nats/", Some(("manual-ack", 1)), 2400, "#s=ignored");
        assert_eq!(url, "https://play.example/nats/?embed=1&lesson=manual-ack&variant=1&t=2400&play=1&lock=board,lab&height=480");
        assert_eq!(
            code.snippet(&url),
            "<iframe src=\"https://play.example/nats/?embed=1&amp;lesson=manual-ack&amp;variant=1&amp;t=2400&amp;play=1&amp;lock=board,lab&amp;height=480\" width=\"100%\" height=\"480\" style=\"border:1px solid #d5dae1;border-radius:8px\" title=\"NATS Streaming Playground\" loading=\"lazy\" allow=\"clipboard-write\"></iframe>"
        );
        let code = EmbedCode { lock_time: true, compact: false, theme: Some("light"), ..EmbedCode::default() };
        assert_eq!(code.url("/", None, 0, "#s=ABC&t=5"), "/?embed=1&lock=play,step,reset,speed,scrub&layout=full&panels=all&theme=light&height=560#s=ABC&t=5");
        // The options it writes read back as chosen.
        let (v, p) = View::from_query(code.url("", None, 0, "").trim_start_matches('?'));
        assert!(p.is_empty() && v.locks(Control::Scrub) && !v.locks(Control::Board) && !v.compact && v.has_panel(Panel::Monitor) && v.height == Some(560));
        assert_eq!(v.theme, Some("light"));
    }

    #[test]
    fn commands_are_read_with_their_id_and_bad_ones_say_why() {
        let c = |v: Value| parse_command(&v).map_err(|e| e.to_string());
        assert_eq!(c(json!({"type": "play", "id": 7})), Ok((Some(json!(7)), Command::Play)));
        assert_eq!(c(json!({"type": "seek", "t": 5500})), Ok((None, Command::Seek(5500))));
        assert_eq!(c(json!({"type": "seek", "t": "5.5s"})), Ok((None, Command::Seek(5500))));
        assert_eq!(c(json!({"type": "speed", "speed": 10})), Ok((None, Command::Speed(10.0))));
        assert_eq!(
            c(json!({"type": "load", "lesson": "manual-ack", "variant": 1, "t": 2400, "play": true})),
            Ok((None, Command::Load { source: Source::Lesson("manual-ack".into(), 1), t: Some(2400), play: true }))
        );
        assert_eq!(
            c(json!({"type": "load", "scenario": {"until_ms": 5}})),
            Ok((None, Command::Load { source: Source::Scenario("{\"until_ms\":5}".into()), t: None, play: false }))
        );
        assert_eq!(
            c(json!({"type": "watch", "trace": ["delivered", "acked"]})),
            Ok((None, Command::Watch(Watch::Kinds(vec!["delivered".into(), "acked".into()]))))
        );
        assert_eq!(c(json!({"type": "get", "what": "trace", "id": "a"})), Ok((Some(json!("a")), Command::Get("trace".into()))));
        assert_eq!(c(json!("play")), Err("a message must be an object with a type".into()));
        assert_eq!(c(json!({"type": "seek", "t": -1})), Err("seek: t must be a time in ms".into()));
        assert_eq!(c(json!({"type": "seek"})), Err("seek: t must be a time in ms".into()));
        assert_eq!(c(json!({"type": "speed", "speed": 1e9})), Err("speed: speed must be from 0.1 to 1000".into()));
        assert_eq!(c(json!({"type": "load", "lesson": "../../etc"})), Err("load: lesson must be a lesson id".into()));
        assert_eq!(c(json!({"type": "eval"})), Err("unknown message type 'eval' (load, play, pause, seek, speed, watch, get)".into()));
        assert_eq!(c(json!({"type": "get", "what": "cookies"})), Err("get: what must be state, trace, monitor or scenario, not 'cookies'".into()));
        assert!(c(json!({"type": "watch", "trace": ["delivred"]}))
            .unwrap_err()
            .starts_with("watch: unknown event kind 'delivred' (known: connected, connect_failed, published,"));
        let huge = "x".repeat(2_000_001);
        assert_eq!(c(json!({"type": "load", "scenario": huge})), Err("load: the scenario has 2000001 characters, more than the 2000000 allowed".into()));
        assert!(Watch::Kinds(vec!["acked".into()]).wants("acked") && !Watch::Off.wants("acked") && Watch::All.wants("x"));
    }
}
