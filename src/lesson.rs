//! Lessons: a course section as a file (`www/lessons/*.json`) — a short text, one or more
//! variants (the broken and the fixed version), each a scenario in the contract's format,
//! the claims the text makes about each variant (checked against the engine by a test, so a
//! lesson cannot drift from it), and predict-then-reveal checkpoints.

use crate::engine::{Scenario, ScenarioError, Sim, SimTime};
use serde_json::{Map, Value};

/// A lesson file.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Stable id (progress is stored under it).
    pub id: String,
    /// The course section it belongs to.
    pub section: String,
    /// Title.
    pub title: String,
    /// Paragraphs.
    pub text: Vec<String>,
    /// Variants (broken first, fixed next, where the course has both).
    pub variants: Vec<Variant>,
    /// Checkpoints, in time order per variant.
    pub checkpoints: Vec<Checkpoint>,
}

/// One way to run the lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// Short name (`auto ack`, `manual ack`).
    pub name: String,
    /// What this variant shows.
    pub text: String,
    /// The scenario (contract format).
    pub scenario: Value,
    /// What the text claims happens.
    pub claims: Vec<Claim>,
}

/// A claim about a run, checked by the test suite.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// The sentence the lesson says.
    pub say: String,
    /// Trace events matching this pattern (every field equal)…
    pub event: Option<Value>,
    /// …occur exactly this many times (default: at least once), or never when 0.
    pub count: Option<usize>,
    /// Or: at this time, the channel lists this many subscriptions (`channelsz?subs=1`).
    pub subscriptions_at: Option<(SimTime, String, usize)>,
}

/// A question the run pauses for.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Which variant it belongs to.
    pub variant: usize,
    /// When the run pauses.
    pub at_ms: SimTime,
    /// The question.
    pub question: String,
    /// Possible answers.
    pub choices: Vec<String>,
    /// Index of the right one.
    pub answer: usize,
    /// Shown after answering.
    pub explain: String,
    /// The claim that makes the answer right (checked like the others).
    pub reveal: Claim,
}

impl Lesson {
    /// Parses a lesson file and its variants' scenarios.
    pub fn parse(text: &str) -> Result<Lesson, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let l = Lesson::from_value(&v)?;
        for (i, v) in l.variants.iter().enumerate() {
            Scenario::from_value(&v.scenario).map_err(|e: ScenarioError| format!("variant {i} ({}): {e}", v.name))?;
        }
        if let Some(c) = l.checkpoints.iter().find(|c| c.variant >= l.variants.len() || c.answer >= c.choices.len()) {
            return Err(format!("checkpoint at {} ms points at a missing variant or choice", c.at_ms));
        }
        Ok(l)
    }

    /// Reads a lesson from JSON: every field named, unknown ones refused (a typo in a lesson
    /// file is an error, not a silently missing claim).
    pub fn from_value(v: &Value) -> Result<Lesson, String> {
        let o = obj(v, "lesson", &["id", "section", "title", "text", "variants", "checkpoints"])?;
        let variants = list(o, "variants", "lesson", true)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let path = format!("variants[{i}]");
                let o = obj(v, &path, &["name", "text", "scenario", "claims"])?;
                let scenario = o.get("scenario").cloned().ok_or_else(|| format!("{path}: missing field `scenario`"))?;
                let claims = list(o, "claims", &path, true)?
                    .iter()
                    .enumerate()
                    .map(|(k, c)| Claim::from_value(c, &format!("{path}.claims[{k}]")))
                    .collect::<Result<_, _>>()?;
                Ok(Variant { name: string(o, "name", &path)?, text: string(o, "text", &path)?, scenario, claims })
            })
            .collect::<Result<_, String>>()?;
        let checkpoints = list(o, "checkpoints", "lesson", false)?
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let path = format!("checkpoints[{i}]");
                let o = obj(c, &path, &["variant", "at_ms", "question", "choices", "answer", "explain", "reveal"])?;
                Ok(Checkpoint {
                    variant: number(o, "variant", &path)? as usize,
                    at_ms: number(o, "at_ms", &path)?,
                    question: string(o, "question", &path)?,
                    choices: strings(o, "choices", &path)?,
                    answer: number(o, "answer", &path)? as usize,
                    explain: string(o, "explain", &path)?,
                    reveal: Claim::from_value(o.get("reveal").unwrap_or(&Value::Null), &format!("{path}.reveal"))?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Lesson {
            id: string(o, "id", "lesson")?,
            section: string(o, "section", "lesson")?,
            title: string(o, "title", "lesson")?,
            text: strings(o, "text", "lesson")?,
            variants,
            checkpoints,
        })
    }

    /// The scenario of variant `i`.
    pub fn scenario(&self, i: usize) -> Scenario {
        Scenario::from_value(&self.variants[i].scenario).expect("checked by parse")
    }
}

/// `v` as an object with only `known` fields.
fn obj<'a>(v: &'a Value, path: &str, known: &[&str]) -> Result<&'a Map<String, Value>, String> {
    let o = v.as_object().ok_or_else(|| format!("{path}: expected an object"))?;
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!("{path}: unknown field `{k}`, expected one of `{}`", known.join("`, `"))),
        None => Ok(o),
    }
}

fn string(o: &Map<String, Value>, k: &str, path: &str) -> Result<String, String> {
    o.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("{path}: `{k}` must be a string"))
}

fn number(o: &Map<String, Value>, k: &str, path: &str) -> Result<u64, String> {
    o.get(k).and_then(Value::as_u64).ok_or_else(|| format!("{path}: `{k}` must be a whole number"))
}

/// An array field; a missing optional one is empty.
fn list<'a>(o: &'a Map<String, Value>, k: &str, path: &str, required: bool) -> Result<&'a [Value], String> {
    match o.get(k) {
        None if !required => Ok(&[]),
        v => v.and_then(Value::as_array).map(Vec::as_slice).ok_or_else(|| format!("{path}: `{k}` must be an array")),
    }
}

fn strings(o: &Map<String, Value>, k: &str, path: &str) -> Result<Vec<String>, String> {
    list(o, k, path, true)?.iter().map(|s| s.as_str().map(str::to_string).ok_or_else(|| format!("{path}: `{k}` must list strings"))).collect()
}

impl Claim {
    fn from_value(v: &Value, path: &str) -> Result<Claim, String> {
        let o = obj(v, path, &["say", "event", "count", "subscriptions_at"])?;
        let count = o
            .get("count")
            .filter(|c| !c.is_null())
            .map(|c| c.as_u64().map(|n| n as usize).ok_or_else(|| format!("{path}: `count` must be a whole number")))
            .transpose()?;
        let subscriptions_at = match o.get("subscriptions_at").filter(|c| !c.is_null()) {
            None => None,
            Some(Value::Array(a)) if a.len() == 3 => match (a[0].as_u64(), a[1].as_str(), a[2].as_u64()) {
                (Some(t), Some(ch), Some(n)) => Some((t, ch.to_string(), n as usize)),
                _ => return Err(format!("{path}: `subscriptions_at` must be [ms, channel, count]")),
            },
            Some(_) => return Err(format!("{path}: `subscriptions_at` must be [ms, channel, count]")),
        };
        Ok(Claim { say: string(o, "say", path)?, event: o.get("event").filter(|e| !e.is_null()).cloned(), count, subscriptions_at })
    }
}

fn matches(pattern: &Value, event: &Value) -> bool {
    pattern.as_object().is_some_and(|p| p.iter().all(|(k, v)| event.get(k) == Some(v)))
}

impl Claim {
    /// Checks the claim against a run of `scenario`; `Err` says what was found instead.
    pub fn check(&self, scenario: &Scenario) -> Result<(), String> {
        if let Some((t, channel, n)) = &self.subscriptions_at {
            let mut sim = Sim::new(scenario.clone());
            sim.run_until(*t).map_err(|e| e.to_string())?;
            let got = sim.monitor_view().channel(channel, true).map_or(0, |c| c.subscriptions.len());
            return if got == *n { Ok(()) } else { Err(format!("{} lists {got} subscriptions at {t} ms, not {n}", channel)) };
        }
        let Some(pattern) = &self.event else { return Err("a claim needs `event` or `subscriptions_at`".into()) };
        let mut sim = Sim::new(scenario.clone());
        sim.run().map_err(|e| e.to_string())?;
        let found = sim.trace().iter().map(|e| serde_json::to_value(e).expect("json")).filter(|e| matches(pattern, e)).count();
        match self.count {
            None if found > 0 => Ok(()),
            Some(n) if n == found => Ok(()),
            None => Err(format!("no event matches {pattern}")),
            Some(n) => Err(format!("{found} events match {pattern}, not {n}")),
        }
    }
}
