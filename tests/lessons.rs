//! Every lesson in `www/lessons/` is run headlessly and every claim its text makes (and every
//! checkpoint's answer) is checked against the engine, so a lesson can never drift from it.

use natsim::lesson::Lesson;
use std::path::Path;

#[test]
fn every_lesson_claim_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/lessons");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| !p.ends_with("index.json")).collect();
    files.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut jetstream = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let lesson = Lesson::parse(&std::fs::read_to_string(f).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (i, v) in lesson.variants.iter().enumerate() {
            for c in &v.claims {
                checked += 1;
                if let Err(e) = check(&lesson, i, c) {
                    failures.push(format!("{name} / {}: \"{}\": {e}", v.name, c.say));
                }
            }
            if lesson.is_jetstream(i) {
                jetstream += 1;
            }
        }
        // A lesson can be finished only by answering its checkpoints.
        if lesson.checkpoints.is_empty() {
            failures.push(format!("{name}: no checkpoint"));
        }
        for cp in &lesson.checkpoints {
            checked += 1;
            if let Err(e) = check(&lesson, cp.variant, &cp.reveal) {
                failures.push(format!("{name} / checkpoint at {} ms: \"{}\": {e}", cp.at_ms, cp.reveal.say));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} claims fail:\n{}", failures.len(), failures.join("\n"));
    assert!(files.len() >= 10 && checked >= 50, "lessons: {}, claims: {checked}", files.len());
    assert!(jetstream >= 8, "JetStream variants: {jetstream}");
}

/// A claim against variant `i`: on the NATS Streaming engine, or on the JetStream one.
fn check(lesson: &Lesson, i: usize, c: &natsim::lesson::Claim) -> Result<(), String> {
    if !lesson.is_jetstream(i) {
        return c.check(&lesson.scenario(i));
    }
    let sc = natsim::engine::jetstream::JsScenario::from_value(&lesson.variants[i].scenario).map_err(|e| format!("variants[{i}].scenario.{e}"))?;
    let mut sim = natsim::engine::jetstream::JsSim::new(sc);
    let until = sim.scenario().until_ms;
    sim.run_until(until).map_err(|e| e.to_string())?;
    c.check_trace(sim.trace().iter().map(|e| serde_json::to_value(e).expect("json")))
}

#[test]
fn every_jetstream_variant_has_a_checkpoint_whose_answer_the_jetstream_engine_shows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/lessons");
    let mut found = 0;
    for f in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| !p.ends_with("index.json")) {
        let lesson = Lesson::parse(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for i in (0..lesson.variants.len()).filter(|i| lesson.is_jetstream(*i)) {
            found += 1;
            assert!(lesson.variants[i].name.starts_with("JetStream"), "{}: tab \"{}\" should say JetStream", f.display(), lesson.variants[i].name);
            assert!(lesson.checkpoints.iter().any(|c| c.variant == i), "{}: JetStream variant {i} has no checkpoint", f.display());
        }
    }
    assert!(found >= 8, "{found}");
}

#[test]
fn a_broken_lesson_file_is_refused_with_its_place() {
    let e = Lesson::parse(r#"{"id": "x", "section": "s", "title": "t", "text": [], "variants": [{"name": "n", "text": "", "claims": [], "scenario": {"until_ms": 1, "actions": [{"at_ms": 0, "do": "nope"}]}}]}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"variants[0].scenario.actions[0].do: unknown verb "nope" (expected one of: connect, publish, subscribe, behave, unsubscribe, close_sub, close, kill, pause, restart_server)"#
    );
    assert_eq!(
        Lesson::parse(r#"{"id": "x", "bogus": 1}"#).unwrap_err().to_string(),
        "bogus: unknown field (expected one of: id, section, title, text, variants, checkpoints)"
    );
    let claim = r#"{"id": "x", "section": "s", "title": "t", "text": [], "variants": [{"name": "n", "text": "", "scenario": {"until_ms": 1, "actions": []}, "claims": [{"say": 3}]}]}"#;
    assert_eq!(Lesson::parse(claim).unwrap_err().to_string(), "variants[0].claims[0].say: expected a string, found 3");
    let at = r#"{"id": "x", "section": "s", "title": "t", "text": [], "variants": [{"name": "n", "text": "", "scenario": {"until_ms": 1, "actions": []}, "claims": []}],
      "checkpoints": [{"variant": 1, "at_ms": 0, "question": "q", "choices": ["a"], "answer": 0, "explain": "", "reveal": {"say": "", "count": 0}}]}"#;
    assert_eq!(Lesson::parse(at).unwrap_err().to_string(), "checkpoints[0].variant: the lesson has 1 variant(s), found 1");
    assert_eq!(Lesson::parse("{\"id\": ").unwrap_err().to_string(), "1:7: EOF while parsing a value");
}

#[test]
fn the_lesson_index_lists_every_lesson_file_with_its_title() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/lessons");
    let index: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let mut files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).filter(|f| f != "index.json").collect();
    files.sort();
    let listed: Vec<String> = index.as_array().unwrap().iter().map(|e| e["file"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, files);
    for e in index.as_array().unwrap() {
        let l = Lesson::parse(&std::fs::read_to_string(dir.join(e["file"].as_str().unwrap())).unwrap()).unwrap();
        assert_eq!((e["id"].as_str(), e["title"].as_str()), (Some(l.id.as_str()), Some(l.title.as_str())));
    }
}
