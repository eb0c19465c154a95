//! `natsim run FILE`: runs a scenario headlessly and prints `{"trace": [...], "monitor": {...}}`.
//! Exit 0 on success; exit 2 with one `error:` line on stderr for an invalid scenario or a
//! run past the documented limits (nothing on stdout in that case).

use natsim::engine::Sim;
use natsim::output::run_to_string;
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: natsim run FILE   (FILE may be - for standard input)";

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    let line = msg.to_string().replace('\n', " ");
    eprintln!("error: {line}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = match args.as_slice() {
        [cmd, file] if cmd == "run" => file.clone(),
        [h] if h == "-h" || h == "--help" => {
            println!("{USAGE}\n\nLimits: until_ms <= 1000000000, at most 10000000 publishes and 100000 actions per scenario,\nat most 20000000 trace events and 200000000 simulation steps per run.");
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
    let mut sim = match Sim::from_json(&text) {
        Ok(s) => s,
        Err(e) => return fail(format!("{label}:{}{e}", if e.place.contains(':') { "" } else { " " })),
    };
    // Run fully before printing, so an over-limit run prints nothing on stdout.
    let out = match run_to_string(&mut sim) {
        Ok(o) => o,
        Err(e) => return fail(format!("{label}: {e}")),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
