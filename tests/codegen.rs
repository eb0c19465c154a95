//! Generates the node-nats-streaming TypeScript of every client of every lesson variant and
//! example into `target/codegen-ts/`, with a `tsconfig.json`; `scripts/test.sh` then
//! type-checks it against the published typings (`tsc --noEmit -p target/codegen-ts`).

use natsim::codegen::{client_ts, clients};
use natsim::engine::Scenario;
use natsim::lesson::Lesson;
use std::path::Path;

#[test]
fn every_lesson_and_example_generates_typescript_for_each_client() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/codegen-ts");
    let _ = std::fs::remove_dir_all(&out);
    let mut runs: Vec<(String, Scenario)> = Vec::new();
    for e in std::fs::read_dir(root.join("www/lessons")).unwrap() {
        let path = e.unwrap().path();
        if path.file_name().unwrap() == "index.json" {
            continue;
        }
        let l = Lesson::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // (JetStream variants: the nats.js test below)
        for i in (0..l.variants.len()).filter(|i| !l.is_jetstream(*i)) {
            runs.push((format!("{}-{}", l.id, i + 1), l.scenario(i)));
        }
    }
    for e in std::fs::read_dir(root.join("www/scenarios")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().replace('.', "_");
        runs.push((format!("example-{name}"), Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap()));
    }
    let mut files = 0;
    for (name, s) in &runs {
        let dir = out.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for c in clients(s) {
            let code = client_ts(s, &c).expect("a connected client has code");
            assert!(code.source.contains(&format!("nats.connect('{}', '{c}'", s.server.cluster_id)), "{name}/{c}");
            std::fs::write(dir.join(&code.file), &code.source).unwrap();
            files += 1;
        }
    }
    std::fs::write(
        out.join("tsconfig.json"),
        r#"{ "compilerOptions": { "strict": true, "esModuleInterop": true, "module": "commonjs", "target": "es2019", "noEmit": true, "types": ["node"] }, "include": ["**/*.ts"] }
"#,
    )
    .unwrap();
    assert!(files >= 60, "{files} files");
}

/// Every JetStream scenario (the examples checked against the real server) as nats.js 2.x
/// files in `target/codegen-ts-js/`; `scripts/test.sh` type-checks them against the published
/// `nats` typings (npm `nats@2.29.3`, installed as `nats-js`).
#[test]
fn every_jetstream_scenario_generates_nats_js_typescript_for_the_operator_and_each_client() {
    use natsim::codegen_js::files;
    use natsim::engine::jetstream::JsScenario;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/codegen-ts-js");
    let _ = std::fs::remove_dir_all(&out);
    let mut n = 0;
    let mut runs: Vec<(String, JsScenario)> = Vec::new();
    for e in std::fs::read_dir(root.join("tests/jetstream/scenarios")).unwrap() {
        let path = e.unwrap().path();
        runs.push((path.file_stem().unwrap().to_string_lossy().to_string(), JsScenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap()));
    }
    // and every lesson's JetStream variants
    for e in std::fs::read_dir(root.join("www/lessons")).unwrap() {
        let path = e.unwrap().path();
        if path.file_name().unwrap() == "index.json" {
            continue;
        }
        let l = Lesson::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for i in (0..l.variants.len()).filter(|i| l.is_jetstream(*i)) {
            runs.push((format!("lesson-{}-{}", l.id, i + 1), JsScenario::from_value(&l.variants[i].scenario).unwrap()));
        }
    }
    for (name, s) in &runs {
        let path = name;
        let dir = out.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let fs = files(s);
        assert_eq!(fs[0].file, "setup.ts", "{path:?}");
        for f in fs {
            assert!(f.source.starts_with("import { connect, "), "{path:?} {}", f.file);
            std::fs::write(dir.join(&f.file), &f.source).unwrap();
            n += 1;
        }
    }
    let nats = root.join("node_modules/nats-js");
    std::fs::write(
        out.join("tsconfig.json"),
        format!(
            r#"{{ "compilerOptions": {{ "strict": true, "module": "commonjs", "target": "es2019", "lib": ["es2019", "dom", "esnext.asynciterable"], "skipLibCheck": true, "noEmit": true, "types": ["node"], "baseUrl": ".", "paths": {{ "nats": [{}] }} }}, "include": ["**/*.ts"] }}
"#,
            serde_json::to_string(&nats.to_string_lossy()).unwrap()
        ),
    )
    .unwrap();
    assert!(n >= 36, "{n} files");
}
