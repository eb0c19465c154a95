//! Changing a JetStream run at a moment, as the page's gestures do: new actions are recorded
//! at the cursor into the scenario document (the contract's JSON, so Share and Export give
//! exactly what runs), after every action already at or before it, and the document is read
//! again by the strict reader, so a gesture can never make a scenario `natsim` would refuse.
//! Later actions that name a client or a subscription the change ended (a kill, a close, an
//! unsubscribe) are dropped and named; the rest stay scripted. A change near the end of the
//! run makes the run go on long enough to see its effect (an ack wait of the default 30 s).

use super::scenario::JsScenario;
use crate::engine::scenario::{ScenarioError, MAX_UNTIL_MS};
use crate::engine::time::SimTime;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// How long a run goes on after a change, at least.
pub const AFTER_CHANGE_MS: u64 = 35_000;

/// A changed run.
#[derive(Clone, Debug, PartialEq)]
pub struct JsEdit {
    /// The new scenario document.
    pub doc: Value,
    /// It, read.
    pub scenario: JsScenario,
    /// Later actions dropped because they name what the change ended (their descriptions).
    pub dropped: Vec<String>,
    /// How many later actions stay scripted.
    pub kept: usize,
    /// The new end of the run, when the change moved it.
    pub until_ms: Option<u64>,
}

fn str_of<'a>(a: &'a Value, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str)
}

/// One action in words, for the notice (`kill l1 at 5.5 s`).
pub fn describe(a: &Value) -> String {
    let verb = str_of(a, "do").unwrap_or("?");
    let who = str_of(a, "sub").or_else(|| str_of(a, "client")).or_else(|| str_of(a, "consumer")).or_else(|| str_of(a, "stream")).unwrap_or("");
    let at = a.get("at_ms").and_then(Value::as_u64).unwrap_or(0);
    let mut name: String = who.chars().take(24).collect();
    if who.chars().count() > 24 {
        name.push('…');
    }
    format!("{verb} {name} at {:.1} s", at as f64 / 1000.0)
}

/// Records `new` (action objects without `at_ms`) at `at` in `doc` and reads the result.
/// An error names the place like the reader does (`actions[3].queue: …`).
pub fn fork(doc: &Value, at: SimTime, new: Vec<Map<String, Value>>) -> Result<JsEdit, ScenarioError> {
    let mut doc = doc.clone();
    let Some(root) = doc.as_object_mut() else {
        return crate::json::err("scenario", "is not an object");
    };
    let actions: Vec<Value> = root.get("actions").and_then(Value::as_array).cloned().unwrap_or_default();
    let split = actions.iter().position(|a| a.get("at_ms").and_then(Value::as_u64).is_some_and(|t| t > at)).unwrap_or(actions.len());
    let (before, after) = actions.split_at(split);
    // Whose subscriptions are whose, from every action.
    let owners: Vec<(String, String)> = actions
        .iter()
        .filter(|a| matches!(str_of(a, "do"), Some("subscribe" | "fetch")))
        .filter_map(|a| Some((str_of(a, "sub")?.to_string(), str_of(a, "client")?.to_string())))
        .collect();
    let owner = |sub: &str| owners.iter().find(|(s, _)| s == sub).map(|(_, c)| c.clone());
    let mut ended_clients: BTreeSet<String> = BTreeSet::new();
    let mut ended_subs: BTreeSet<String> = BTreeSet::new();
    let mut out: Vec<Value> = before.to_vec();
    for mut m in new {
        m.insert("at_ms".into(), Value::from(at));
        let a = Value::Object(m);
        match str_of(&a, "do") {
            Some("kill" | "close") => {
                if let Some(c) = str_of(&a, "client") {
                    ended_clients.insert(c.to_string());
                }
            }
            Some("unsubscribe") => {
                if let Some(s) = str_of(&a, "sub") {
                    ended_subs.insert(s.to_string());
                }
            }
            Some("connect") => {
                if let Some(c) = str_of(&a, "client") {
                    ended_clients.remove(c);
                }
            }
            _ => {}
        }
        out.push(a);
    }
    let (mut dropped, mut kept) = (Vec::new(), 0);
    for a in after {
        let client = str_of(a, "client").map(str::to_string).or_else(|| str_of(a, "sub").and_then(owner));
        if str_of(a, "do") == Some("connect") {
            if let Some(c) = &client {
                ended_clients.remove(c);
            }
        }
        let ends = client.as_ref().is_some_and(|c| ended_clients.contains(c) && str_of(a, "do") != Some("connect"))
            || str_of(a, "sub").is_some_and(|s| ended_subs.contains(s) && str_of(a, "do") != Some("fetch"));
        if ends {
            dropped.push(describe(a));
        } else {
            kept += 1;
            out.push(a.clone());
        }
    }
    root.insert("actions".into(), Value::Array(out));
    let until = root.get("until_ms").and_then(Value::as_u64).unwrap_or(0);
    let want = at.saturating_add(AFTER_CHANGE_MS).min(MAX_UNTIL_MS);
    let until_ms = (until < want).then(|| {
        root.insert("until_ms".into(), Value::from(want));
        want
    });
    let scenario = JsScenario::from_value(&doc)?;
    Ok(JsEdit { doc, scenario, dropped, kept, until_ms })
}

/// A client id or handle not yet used in `doc`: `prefix` and the first free number.
pub fn fresh(doc: &Value, prefix: &str) -> String {
    let used: BTreeSet<&str> = doc
        .get("actions")
        .and_then(Value::as_array)
        .map(|a| a.iter().flat_map(|x| [str_of(x, "client"), str_of(x, "sub")]).flatten().collect())
        .unwrap_or_default();
    (1..).map(|i| format!("{prefix}{i}")).find(|n| !used.contains(n.as_str())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"name": "t", "seed": 1, "until_ms": 3000, "server": {"kind": "jetstream"}, "actions": [
            {"at_ms": 0, "do": "add_stream", "stream": "S", "subjects": ["s.>"]},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "c", "deliver_group": "g"},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s1", "stream": "S", "consumer": "c", "queue": "g"},
            {"at_ms": 2000, "do": "behave", "sub": "s1", "process_ms": 10},
            {"at_ms": 2500, "do": "publish", "client": "a", "subject": "s.x"},
            {"at_ms": 2600, "do": "connect", "client": "b"}
        ]})
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_kill_at_the_cursor_goes_after_what_was_at_it_and_drops_what_the_client_would_do_later() {
        let e = fork(&doc(), 1000, vec![obj(json!({"do": "kill", "client": "a"}))]).unwrap();
        let acts = e.doc["actions"].as_array().unwrap();
        assert_eq!(acts[4], json!({"at_ms": 1000, "do": "kill", "client": "a"}));
        assert_eq!(e.dropped, vec!["behave s1 at 2.0 s", "publish a at 2.5 s"]);
        assert_eq!(e.kept, 1);
        assert_eq!(acts.len(), 6);
        assert_eq!(e.until_ms, Some(36_000));
        assert_eq!(e.scenario.until_ms, 36_000);
        assert_eq!(e.scenario.actions.len(), 6);
    }

    #[test]
    fn a_client_that_connects_again_later_keeps_what_it_does_after_that() {
        let mut d = doc();
        d["actions"].as_array_mut().unwrap().push(json!({"at_ms": 2700, "do": "connect", "client": "a"}));
        d["actions"].as_array_mut().unwrap().push(json!({"at_ms": 2800, "do": "publish", "client": "a", "subject": "s.y"}));
        let e = fork(&d, 1000, vec![obj(json!({"do": "close", "client": "a"}))]).unwrap();
        assert_eq!(e.dropped, vec!["behave s1 at 2.0 s", "publish a at 2.5 s"]);
        assert_eq!(e.kept, 3);
    }

    #[test]
    fn an_unsubscribe_drops_later_changes_of_that_sub_only() {
        let e = fork(&doc(), 1500, vec![obj(json!({"do": "unsubscribe", "sub": "s1"}))]).unwrap();
        assert_eq!(e.dropped, vec!["behave s1 at 2.0 s"]);
        assert_eq!(e.kept, 2);
    }

    #[test]
    fn a_gesture_the_reader_refuses_is_an_error_naming_the_place_and_the_document_is_unchanged() {
        let d = doc();
        let err = fork(&d, 1000, vec![obj(json!({"do": "publish", "client": "nobody", "subject": "s.x"}))]).unwrap_err();
        assert!(err.to_string().starts_with("actions[4]"), "{err}");
        assert_eq!(d, doc());
    }

    #[test]
    fn fresh_names_skip_every_client_and_handle_in_use() {
        let mut d = doc();
        d["actions"].as_array_mut().unwrap().push(json!({"at_ms": 2900, "do": "connect", "client": "l1"}));
        assert_eq!(fresh(&d, "l"), "l2");
        assert_eq!(fresh(&d, "s"), "s2");
    }
}
