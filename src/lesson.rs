//! Lessons: a course section as a file (`www/lessons/*.json`) — a short text, one or more
//! variants (the broken and the fixed version), each a scenario in the contract's format,
//! the claims the text makes about each variant (checked against the engine by a test, so a
//! lesson cannot drift from it), and predict-then-reveal checkpoints.

use crate::engine::scenario::MAX_UNTIL_MS;
use crate::engine::{Scenario, Sim, SimTime};
use crate::json::{self, err, Fields, JsonError};
use serde_json::Value;

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
    /// Parses a lesson file and its variants' scenarios; the error names the place
    /// (`variants[1].claims[0].say: expected a string, found 3`).
    pub fn parse(text: &str) -> Result<Lesson, JsonError> {
        let l = Lesson::from_value(&json::parse(text)?)?;
        for (i, v) in l.variants.iter().enumerate() {
            // A JetStream variant is read by JetStream mode's module when it opens (and by the
            // lesson tests); the NATS Streaming page does not carry that reader.
            if crate::engine::jetstream::is_jetstream(&v.scenario) {
                continue;
            }
            Scenario::from_value(&v.scenario).map_err(|e| JsonError { place: format!("variants[{i}].scenario.{}", e.place), message: e.message })?;
        }
        if let Some((i, c)) = l.checkpoints.iter().enumerate().find(|(_, c)| c.variant >= l.variants.len()) {
            return err(format!("checkpoints[{i}].variant"), format!("the lesson has {} variant(s), found {}", l.variants.len(), c.variant));
        }
        if let Some((i, c)) = l.checkpoints.iter().enumerate().find(|(_, c)| c.answer >= c.choices.len()) {
            return err(format!("checkpoints[{i}].answer"), format!("the checkpoint has {} choice(s), found {}", c.choices.len(), c.answer));
        }
        Ok(l)
    }

    /// Reads a lesson from JSON: every field named, unknown ones refused (a typo in a lesson
    /// file is an error, not a silently missing claim).
    pub fn from_value(v: &Value) -> Result<Lesson, JsonError> {
        let o = Fields::new(v, "", &["id", "section", "title", "text", "variants", "checkpoints"])?;
        let variants = o
            .req_array("variants")?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let path = format!("variants[{i}]");
                let o = Fields::new(v, &path, &["name", "text", "scenario", "claims"])?;
                let scenario = o.get("scenario").map(crate::json::copy).map_or_else(|| o.missing("scenario"), Ok)?;
                let claims =
                    o.req_array("claims")?.iter().enumerate().map(|(k, c)| Claim::from_value(c, &format!("{path}.claims[{k}]"))).collect::<Result<_, _>>()?;
                Ok(Variant { name: o.req_string("name")?.into(), text: o.req_string("text")?.into(), scenario, claims })
            })
            .collect::<Result<_, JsonError>>()?;
        let checkpoints = o
            .array("checkpoints")?
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let path = format!("checkpoints[{i}]");
                let o = Fields::new(c, &path, &["variant", "at_ms", "question", "choices", "answer", "explain", "reveal"])?;
                Ok(Checkpoint {
                    variant: o.req_u64("variant", 0, u32::MAX as u64)? as usize,
                    at_ms: o.req_u64("at_ms", 0, MAX_UNTIL_MS)?,
                    question: o.req_string("question")?.into(),
                    choices: o.strings("choices")?,
                    answer: o.req_u64("answer", 0, u32::MAX as u64)? as usize,
                    explain: o.req_string("explain")?.into(),
                    reveal: Claim::from_value(o.get("reveal").unwrap_or(&Value::Null), &json::join(&path, "reveal"))?,
                })
            })
            .collect::<Result<_, JsonError>>()?;
        Ok(Lesson {
            id: o.req_string("id")?.into(),
            section: o.req_string("section")?.into(),
            title: o.req_string("title")?.into(),
            text: o.strings("text")?,
            variants,
            checkpoints,
        })
    }

    /// The scenario of variant `i` (a NATS Streaming one: see [`Lesson::is_jetstream`]).
    pub fn scenario(&self, i: usize) -> Scenario {
        Scenario::from_value(&self.variants[i].scenario).unwrap_or_else(|e| panic!("checked by parse: {e}"))
    }

    /// What JetStream mode needs to follow variant `i` (a JetStream one) as a lesson: the
    /// lesson's title, its tabs, the variant's text and checkpoints (with their indexes in
    /// the lesson) and the answers given so far. JSON, read by `ui::jetstream_lesson`.
    pub fn brief(&self, i: usize, answers: &[(usize, usize)]) -> Value {
        let checkpoints: Vec<Value> = self
            .checkpoints
            .iter()
            .enumerate()
            .filter(|(_, c)| c.variant == i)
            .map(|(k, c)| {
                json::obj([
                    ("index", k.into()),
                    ("at_ms", c.at_ms.into()),
                    ("question", c.question.as_str().into()),
                    ("choices", c.choices.clone().into()),
                    ("answer", c.answer.into()),
                    ("explain", c.explain.as_str().into()),
                ])
            })
            .collect();
        json::obj([
            ("id", self.id.as_str().into()),
            ("section", self.section.clone().into()),
            ("title", self.title.as_str().into()),
            ("variant", i.into()),
            (
                "variants",
                self.variants
                    .iter()
                    .enumerate()
                    .map(|(k, v)| json::obj([("name", v.name.as_str().into()), ("jetstream", self.is_jetstream(k).into())]))
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ("text", self.variants.get(i).map_or("", |v| v.text.as_str()).into()),
            ("checkpoints", checkpoints.into()),
            (
                "answers",
                answers
                    .iter()
                    .filter(|(k, _)| self.checkpoints.get(*k).is_some_and(|c| c.variant == i))
                    .map(|(k, a)| Value::from(vec![Value::from(*k), Value::from(*a)]))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ])
    }

    /// Variant `i` runs on JetStream (`server.kind`): JetStream mode opens it, with the
    /// lesson's checkpoints for it.
    pub fn is_jetstream(&self, i: usize) -> bool {
        self.variants.get(i).is_some_and(|v| crate::engine::jetstream::is_jetstream(&v.scenario))
    }
}

impl Claim {
    fn from_value(v: &Value, path: &str) -> Result<Claim, JsonError> {
        let o = Fields::new(v, path, &["say", "event", "count", "subscriptions_at"])?;
        let count = match o.given("count") {
            Some(_) => o.u64_in("count", 0, u32::MAX as u64)?.map(|n| n as usize),
            None => None,
        };
        let subscriptions_at = match o.given("subscriptions_at") {
            None => None,
            Some(v) => match v.as_array().map(Vec::as_slice) {
                Some([t, ch, n]) if t.as_u64().is_some() && ch.is_string() && n.as_u64().is_some() => {
                    Some((t.as_u64().unwrap_or(0), ch.as_str().unwrap_or("").to_string(), n.as_u64().unwrap_or(0) as usize))
                }
                _ => return err(o.at("subscriptions_at"), format!("expected [ms, channel, count], found {}", json::describe(v))),
            },
        };
        Ok(Claim { say: o.req_string("say")?.into(), event: o.given("event").map(crate::json::copy), count, subscriptions_at })
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
        let mut sim = Sim::new(scenario.clone());
        sim.run().map_err(|e| e.to_string())?;
        self.check_trace(sim.trace().iter().map(|e| crate::json::parse(&e.to_json()).unwrap_or_default()))
    }

    /// Checks an `event` claim against a trace (JSON events: a NATS Streaming or a JetStream
    /// run's); a `subscriptions_at` claim is refused here.
    pub fn check_trace(&self, trace: impl Iterator<Item = Value>) -> Result<(), String> {
        if self.subscriptions_at.is_some() {
            return Err("`subscriptions_at` is a NATS Streaming claim (channelsz); say it with `event` here".into());
        }
        let Some(pattern) = &self.event else { return Err("a claim needs `event` or `subscriptions_at`".into()) };
        let found = trace.filter(|e| matches(pattern, e)).count();
        match self.count {
            None if found > 0 => Ok(()),
            Some(n) if n == found => Ok(()),
            None => Err(format!("no event matches {}", crate::json::write::compact(pattern))),
            Some(n) => Err(format!("{found} events match {}, not {n}", crate::json::write::compact(pattern))),
        }
    }
}
