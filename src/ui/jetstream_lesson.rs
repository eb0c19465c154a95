//! A lesson's JetStream variant in JetStream mode: the lesson bar (title, the lesson's tabs,
//! the variant's text, its checkpoints) and the predict-then-reveal box the player pauses
//! at. The NATS Streaming page owns the lesson and its saved answers; it hands JetStream mode
//! a brief (`Lesson::brief`, JSON) and hears back each answer and tab change.

use crate::engine::time::SimTime;
use serde_json::Value;

/// One checkpoint of the variant.
#[derive(Clone, Debug, PartialEq)]
pub struct JsCheckpoint {
    /// Its index in the lesson (what an answer is reported under).
    pub index: usize,
    /// When the run pauses.
    pub at_ms: SimTime,
    /// The question.
    pub question: String,
    /// The choices.
    pub choices: Vec<String>,
    /// The right one.
    pub answer: usize,
    /// Shown once answered.
    pub explain: String,
}

/// The lesson as JetStream mode follows it.
#[derive(Clone, Debug, PartialEq)]
pub struct JsLesson {
    /// Course section.
    pub section: String,
    /// Title.
    pub title: String,
    /// The variant shown.
    pub variant: usize,
    /// Every tab: name, and whether it is a JetStream one.
    pub variants: Vec<(String, bool)>,
    /// The variant's text.
    pub text: String,
    /// Its checkpoints, in time order.
    pub checkpoints: Vec<JsCheckpoint>,
    /// Answers already given: (checkpoint index, choice).
    pub answers: Vec<(usize, usize)>,
}

impl JsLesson {
    /// Reads a brief; `None` when it is not one (the run then opens without a lesson).
    pub fn parse(text: &str) -> Option<JsLesson> {
        let v = crate::json::parse(text).ok()?;
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
        let mut checkpoints = v
            .get("checkpoints")?
            .as_array()?
            .iter()
            .map(|c| {
                let choices: Vec<String> = c.get("choices")?.as_array()?.iter().map(|x| x.as_str().map(str::to_string)).collect::<Option<_>>()?;
                let answer = n(c, "answer")? as usize;
                (answer < choices.len()).then_some(())?;
                Some(JsCheckpoint {
                    index: n(c, "index")? as usize,
                    at_ms: n(c, "at_ms")?,
                    question: s(c, "question")?,
                    choices,
                    answer,
                    explain: s(c, "explain")?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        checkpoints.sort_by_key(|c| c.at_ms);
        Some(JsLesson {
            section: s(&v, "section")?,
            title: s(&v, "title")?,
            variant: n(&v, "variant")? as usize,
            variants: v.get("variants")?.as_array()?.iter().map(|t| Some((s(t, "name")?, t.get("jetstream")?.as_bool()?))).collect::<Option<_>>()?,
            text: s(&v, "text")?,
            checkpoints,
            answers: v.get("answers")?.as_array()?.iter().filter_map(|a| Some((a.get(0)?.as_u64()? as usize, a.get(1)?.as_u64()? as usize))).collect(),
        })
    }

    /// The answer given to checkpoint `index`, if any.
    pub fn answer_of(answers: &[(usize, usize)], index: usize) -> Option<usize> {
        answers.iter().rev().find(|(k, _)| *k == index).map(|(_, a)| *a)
    }

    /// Where a run playing from `from` to `to` must stop: the first checkpoint in
    /// `(from, to]` not yet answered right.
    pub fn stop_between(&self, answers: &[(usize, usize)], from: SimTime, to: SimTime) -> Option<&JsCheckpoint> {
        self.checkpoints.iter().find(|c| c.at_ms > from && c.at_ms <= to && JsLesson::answer_of(answers, c.index) != Some(c.answer))
    }

    /// Every checkpoint of the variant answered right.
    pub fn finished(&self, answers: &[(usize, usize)]) -> bool {
        self.checkpoints.iter().all(|c| JsLesson::answer_of(answers, c.index) == Some(c.answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief() -> String {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/lessons/05-health-checks.json")).unwrap();
        let l = crate::lesson::Lesson::parse(&text).unwrap();
        let i = (0..l.variants.len()).find(|i| l.is_jetstream(*i)).unwrap();
        l.brief(i, &[(0, 2), (1, 0)]).to_string()
    }

    #[test]
    fn a_lessons_brief_reads_with_only_its_variants_checkpoints_and_answers() {
        let l = JsLesson::parse(&brief()).unwrap();
        assert_eq!(l.variant, 2);
        assert_eq!(l.variants.iter().map(|v| v.1).collect::<Vec<_>>(), vec![false, false, true]);
        assert_eq!(l.variants[2].0, "JetStream: a killed member");
        assert_eq!(l.checkpoints.len(), 1);
        let c = &l.checkpoints[0];
        assert_eq!((c.index, c.at_ms, c.answer), (1, 2000, 1));
        assert!(c.question.starts_with("l1 was killed at 1.5 s"));
        // the NATS Streaming checkpoint's answer is not this variant's
        assert_eq!(l.answers, vec![(1, 0)]);
        assert_eq!(JsLesson::parse("{}"), None);
        assert_eq!(JsLesson::parse("nope"), None);
    }

    #[test]
    fn playing_stops_at_a_checkpoint_until_it_is_answered_right() {
        let l = JsLesson::parse(&brief()).unwrap();
        assert_eq!(l.stop_between(&[], 1900, 1990), None);
        assert_eq!(l.stop_between(&[], 1990, 2030).map(|c| c.index), Some(1));
        assert_eq!(l.stop_between(&[], 2000, 2030), None, "not again once past it");
        // a wrong answer still stops there; the right one does not
        assert_eq!(l.stop_between(&[(1, 0)], 1990, 2030).map(|c| c.index), Some(1));
        assert_eq!(l.stop_between(&[(1, 0), (1, 1)], 1990, 2030), None);
        assert!(!l.finished(&[(1, 0)]));
        assert!(l.finished(&[(1, 0), (1, 1)]));
    }
}
