//! Lessons: a course section as a file (`www/lessons/*.json`) — a short text, one or more
//! variants (the broken and the fixed version), each a scenario in the contract's format,
//! the claims the text makes about each variant (checked against the engine by a test, so a
//! lesson cannot drift from it), and predict-then-reveal checkpoints.

use crate::engine::{Scenario, ScenarioError, Sim, SimTime};
use serde::Deserialize;
use serde_json::Value;

/// A lesson file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
}

/// One way to run the lesson.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The sentence the lesson says.
    pub say: String,
    /// Trace events matching this pattern (every field equal)…
    #[serde(default)]
    pub event: Option<Value>,
    /// …occur exactly this many times (default: at least once), or never when 0.
    #[serde(default)]
    pub count: Option<usize>,
    /// Or: at this time, the channel lists this many subscriptions (`channelsz?subs=1`).
    #[serde(default)]
    pub subscriptions_at: Option<(SimTime, String, usize)>,
}

/// A question the run pauses for.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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
        let l: Lesson = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for (i, v) in l.variants.iter().enumerate() {
            Scenario::from_value(&v.scenario).map_err(|e: ScenarioError| format!("variant {i} ({}): {e}", v.name))?;
        }
        if let Some(c) = l.checkpoints.iter().find(|c| c.variant >= l.variants.len() || c.answer >= c.choices.len()) {
            return Err(format!("checkpoint at {} ms points at a missing variant or choice", c.at_ms));
        }
        Ok(l)
    }

    /// The scenario of variant `i`.
    pub fn scenario(&self, i: usize) -> Scenario {
        Scenario::from_value(&self.variants[i].scenario).expect("checked by parse")
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
