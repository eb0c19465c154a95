//! `natsim run FILE`: runs a scenario headlessly and prints `{"trace": [...], "monitor": {...}}`.
//! Exit 0 on success; exit 2 with one `error:` line on stderr for an invalid scenario or a
//! run past the documented limits (nothing on stdout in that case).

use natsim::engine::{RunLimits, Scenario, Sim};
use natsim::output::{check_limits, run_to_writer};
use std::io::{BufWriter, Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: natsim run FILE   (FILE may be - for standard input)\n       natsim compare JETSTREAM_SCENARIO RECORDED   (a recording of the real server, scripts/jetstream/record.cjs)\n       natsim translate STAN_SCENARIO   (the same run in JetStream, as nats-io/stan2js migrates; notes on stderr)\n       natsim bench STAN_SCENARIO [RUNS]   (the engine alone, RUNS times (5), trace dropped: {\"events\", \"best_ms\", \"median_ms\"})";

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    let line = msg.to_string().replace('\n', " ");
    eprintln!("error: {line}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = match args.as_slice() {
        [cmd, file] if cmd == "run" => file.clone(),
        [cmd, scenario, recorded] if cmd == "compare" => return compare(scenario, recorded),
        [cmd, file] if cmd == "translate" => return translate(file),
        [cmd, file] if cmd == "bench" => return bench(file, 5),
        [cmd, file, runs] if cmd == "bench" => return bench(file, runs.parse().unwrap_or(0)),
        [h] if h == "-h" || h == "--help" => {
            println!("{USAGE}\n\nLimits: until_ms <= 1000000000, at most 10000000 publishes and 100000 actions per scenario;\nat most 20000000 trace events and 200000000 simulation steps per run\n(override with NATSIM_MAX_TRACE / NATSIM_MAX_STEPS).");
            return ExitCode::SUCCESS;
        }
        _ => return fail(USAGE),
    };
    let label = if file == "-" { "<stdin>".to_string() } else { file.clone() };
    let mut text = String::new();
    let read = if file == "-" { std::io::stdin().read_to_string(&mut text).map(|_| ()) } else { std::fs::read_to_string(&file).map(|t| text = t) };
    if let Err(e) = read {
        return fail(format!("{label}: cannot read: {e}"));
    }
    let doc = match natsim::json::parse(&text) {
        Ok(v) => v,
        Err(e) => return fail(format!("{label}:{e}")),
    };
    let mut limits = RunLimits::default();
    let env_num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = env_num("NATSIM_MAX_TRACE") {
        limits.max_trace = n as usize;
    }
    if let Some(n) = env_num("NATSIM_MAX_STEPS") {
        limits.max_steps = n;
    }
    if natsim::engine::jetstream::is_jetstream(&doc) {
        let mut sim = match natsim::engine::jetstream::JsScenario::from_value(&doc) {
            Ok(s) => natsim::engine::jetstream::JsSim::new(s),
            Err(e) => return fail(format!("{label}:{}{e}", if e.place.contains(':') { "" } else { " " })),
        };
        sim.set_limits(limits);
        // The runner checks the limits on a copy before it writes anything.
        let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        return match natsim::output::run_js_to_writer(&mut sim, &mut out) {
            Err(natsim::output::RunOutputError::Run(e)) => fail(format!("{label}: {e}")),
            Err(_) => ExitCode::from(1), // stdout closed
            Ok(()) => match out.flush() {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(1),
            },
        };
    }
    let mut sim = match Scenario::from_value(&doc).map(Sim::new) {
        Ok(s) => s,
        Err(e) => return fail(format!("{label}:{}{e}", if e.place.contains(':') { "" } else { " " })),
    };
    sim.set_limits(limits);
    // A dry run first (deterministic, memory-bounded), so an over-limit run prints nothing.
    if let Err(e) = check_limits(&sim) {
        return fail(format!("{label}: {e}"));
    }
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match run_to_writer(&mut sim, &mut out).map_err(|e| e.to_string()).and_then(|_| out.flush().map_err(|e| e.to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1), // stdout closed (e.g. piped into head)
    }
}

/// `natsim compare SCENARIO RECORDED`: simulates a JetStream scenario and holds it against a
/// recording of the real server; exit 0 when they agree, 1 with one line per difference.
fn compare(scenario: &str, recorded: &str) -> ExitCode {
    use natsim::engine::jetstream::{compare::compare_worst, compare::Tolerance, JsScenario, JsSim};
    let read = |f: &str| std::fs::read_to_string(f).map_err(|e| format!("{f}: cannot read: {e}"));
    let (s_text, r_text) = match (read(scenario), read(recorded)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let sc = match JsScenario::parse(&s_text) {
        Ok(s) => s,
        Err(e) => return fail(format!("{scenario}:{}{e}", if e.place.contains(':') { "" } else { " " })),
    };
    let real: serde_json::Value = match natsim::json::parse(&r_text) {
        Ok(v) => v,
        Err(e) => return fail(format!("{recorded}:{e}")),
    };
    let mut sim = JsSim::new(sc.clone());
    let doc = match natsim::output::run_js_to_string(&mut sim) {
        Ok(d) => d,
        Err(e) => return fail(format!("{scenario}: {e}")),
    };
    let simulated: serde_json::Value = serde_json::from_str(&doc).expect("natsim's own output reads");
    match compare_worst(&sc, &simulated, &real, Tolerance::default()) {
        Ok(worst) => {
            let worst = worst.map_or_else(String::new, |w| {
                format!(" (worst time difference {} ms, {} allowed there: {} at {} ms)", w.diff_ms, w.allowed_ms, w.event, w.real_ms)
            });
            println!("{scenario}: agrees with {recorded}{worst}");
            ExitCode::SUCCESS
        }
        Err(diffs) => {
            for d in &diffs {
                println!("{scenario}: {d}");
            }
            ExitCode::from(1)
        }
    }
}

/// `natsim translate FILE`: a NATS Streaming scenario as a JetStream one on stdout (pretty
/// JSON), with what was left out on stderr (`note: …`).
fn translate(file: &str) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(format!("{file}: cannot read: {e}")),
    };
    let s = match Scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => return fail(format!("{file}:{}{e}", if e.place.contains(':') { "" } else { " " })),
    };
    match natsim::engine::jetstream::translate::translate(&s) {
        Ok(t) => {
            println!("{}", serde_json::to_string_pretty(&t.doc).expect("a JSON value writes"));
            for n in &t.notes {
                eprintln!("note: {n}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{file}: the translation was refused: {e}")),
    }
}

/// `natsim bench FILE [RUNS]`: the engine's time on a NATS Streaming scenario, with no output
/// built (the native side of the wasm-vs-native measurement in `scripts/bench-browser.mjs`,
/// whose browser side is `natsPlayground.simulate`).
fn bench(file: &str, runs: usize) -> ExitCode {
    if !(1..=100).contains(&runs) {
        return fail("bench: RUNS must be from 1 to 100");
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(format!("{file}: cannot read: {e}")),
    };
    let mut times = Vec::with_capacity(runs);
    let mut events = 0;
    for _ in 0..runs {
        let start = std::time::Instant::now();
        match natsim::output::simulate_count(&text) {
            Ok(n) => events = n,
            Err(e) => return fail(format!("{file}: {e}")),
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{{\"events\": {events}, \"runs\": {runs}, \"best_ms\": {:.1}, \"median_ms\": {:.1}}}", times[0], times[runs / 2]);
    ExitCode::SUCCESS
}
