//! The headless runner's output document: `{"trace": [...], "monitor": {...}}`, one trace
//! event per line, monitoring indented like the real server's. Shared by the CLI, the page
//! and the determinism tests so they produce byte-identical text.

use crate::engine::{RunError, Sim, TraceEvent};
use std::io::{self, Write};

/// Writes trace events, one per line, separated by commas.
pub fn write_trace<W: Write>(w: &mut W, events: &[TraceEvent], first: &mut bool) -> io::Result<()> {
    let mut line = String::new();
    for e in events {
        if !*first {
            w.write_all(b",\n")?;
        }
        *first = false;
        line.clear();
        e.write_json(&mut line);
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Runs `sim` to its end in chunks, handing each chunk of trace to `sink`.
pub fn run_chunked(sim: &mut Sim, mut sink: impl FnMut(&[TraceEvent]) -> io::Result<()>) -> Result<(), RunOutputError> {
    let until = sim.scenario().until_ms;
    let mut t = 0u64;
    loop {
        t = t.saturating_add(60_000).min(until);
        sim.run_until(t)?;
        sink(&sim.take_trace())?;
        if t >= until {
            return Ok(());
        }
    }
}

/// The engine alone, for the wasm-vs-native measurement (`natsim bench`, the page's
/// `natsPlayground.simulate`): reads a NATS Streaming scenario and runs it to its end,
/// dropping the trace as it is produced; returns the number of trace events. No output is
/// built, so both sides time the same work.
pub fn simulate_count(text: &str) -> Result<usize, String> {
    let doc = crate::json::parse(text).map_err(|e| e.to_string())?;
    let mut sim = crate::engine::Scenario::from_value(&doc).map(Sim::new).map_err(|e| e.to_string())?;
    let mut events = 0;
    run_chunked(&mut sim, |chunk| {
        events += chunk.len();
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(events)
}

/// Runs a copy of `sim` to its end without keeping the trace: proves the run stays within
/// its limits before anything is printed.
pub fn check_limits(sim: &Sim) -> Result<(), RunOutputError> {
    run_chunked(&mut sim.clone(), |_| Ok(()))
}

/// Runs `sim` to its end, streaming the trace, then the monitor. On a run error, what was
/// written so far is incomplete and the error is returned.
pub fn run_to_writer<W: Write>(sim: &mut Sim, w: &mut W) -> Result<(), RunOutputError> {
    w.write_all(b"{\"trace\": [\n")?;
    let mut first = true;
    run_chunked(sim, |events| write_trace(w, events, &mut first))?;
    w.write_all(b"\n],\n\"monitor\": ")?;
    w.write_all(crate::json::write::pretty(&sim.monitor().json()).as_bytes())?;
    w.write_all(b"}\n")?;
    Ok(())
}

/// Runs a scenario and returns the whole output document as a string.
pub fn run_to_string(sim: &mut Sim) -> Result<String, RunOutputError> {
    let mut buf = Vec::new();
    run_to_writer(sim, &mut buf)?;
    Ok(String::from_utf8(buf).expect("JSON is UTF-8"))
}

/// A run that could not produce its document.
#[derive(Debug)]
pub enum RunOutputError {
    /// A limit was hit.
    Run(RunError),
    /// Writing failed.
    Io(io::Error),
}

impl std::fmt::Display for RunOutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunOutputError::Run(e) => write!(f, "{e}"),
            RunOutputError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<RunError> for RunOutputError {
    fn from(e: RunError) -> Self {
        RunOutputError::Run(e)
    }
}
impl From<io::Error> for RunOutputError {
    fn from(e: io::Error) -> Self {
        RunOutputError::Io(e)
    }
}
impl From<serde_json::Error> for RunOutputError {
    fn from(e: serde_json::Error) -> Self {
        RunOutputError::Io(e.into())
    }
}

/// Runs a JetStream scenario to its end (a dry run first would double the cost of a long run,
/// so the trace is kept and written once the run is known to be within its limits).
pub fn run_js_to_writer<W: Write>(sim: &mut crate::engine::jetstream::JsSim, w: &mut W) -> Result<(), RunOutputError> {
    let mut check = sim.clone();
    let until = check.scenario().until_ms;
    let mut t = 0u64;
    loop {
        t = t.saturating_add(60_000).min(until);
        check.run_until(t)?;
        check.take_trace();
        if t >= until {
            break;
        }
    }
    drop(check);
    w.write_all(b"{\"trace\": [\n")?;
    let mut first = true;
    let mut t = 0u64;
    loop {
        t = t.saturating_add(60_000).min(until);
        sim.run_until(t)?;
        for e in sim.take_trace() {
            if !first {
                w.write_all(b",\n")?;
            }
            first = false;
            serde_json::to_writer(&mut *w, &e)?;
        }
        if t >= until {
            break;
        }
    }
    w.write_all(b"\n],\n\"monitor\": ")?;
    serde_json::to_writer_pretty(&mut *w, &sim.monitor())?;
    w.write_all(b"}\n")?;
    Ok(())
}

/// A JetStream run's whole output document as a string.
pub fn run_js_to_string(sim: &mut crate::engine::jetstream::JsSim) -> Result<String, RunOutputError> {
    let mut buf = Vec::new();
    run_js_to_writer(sim, &mut buf)?;
    Ok(String::from_utf8(buf).expect("JSON is UTF-8"))
}
