//! The page's run, natively: memory and seek time of a [`Session`] (the simulator at the
//! cursor plus its checkpoints), on the runs the "runs of any size" targets name:
//! - the heavy run (`benches/heavy-100k.json`: 100,000 publishes on 5 channels in 60 s);
//! - the default example (`course-queue-kill-0.17.json`) played for 10 hours of virtual time;
//! - a 10-minute course run (4 listeners, one publish every 100 ms).
//!
//! `cargo bench --bench session` prints live heap after reaching the end and seek times
//! (median / p95 / max over seeded random targets). It uses only `Session::{new,
//! advance_to, seek, sim}`, so the same file measures an older commit side by side.

use natsim::engine::{Scenario, Session};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// xorshift, so the seek targets are the same on every commit.
fn targets(n: usize, end: u64) -> Vec<u64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % end
        })
        .collect()
}

fn seeks(s: &mut Session, end: u64, n: usize) -> String {
    let mut ms: Vec<f64> = targets(n, end)
        .into_iter()
        .map(|t| {
            let start = Instant::now();
            s.seek(t).expect("within limits");
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    format!("seek median {:.1} ms, p95 {:.1} ms, max {:.1} ms ({n} seeks)", ms[n / 2], ms[n * 95 / 100], ms[n - 1])
}

fn heavy() {
    let base = LIVE.load(Ordering::Relaxed);
    let sc = Scenario::parse(include_str!("heavy-100k.json")).expect("valid");
    let start = Instant::now();
    let mut s = Session::new(sc);
    s.advance_to(60_000).expect("within limits");
    let secs = start.elapsed().as_secs_f64();
    let events = s.sim().trace().len();
    let live = LIVE.load(Ordering::Relaxed) - base;
    println!("heavy run: {events} trace events, to the end in {secs:.2} s; live heap {:.1} MiB", mib(live));
    let line = seeks(&mut s, 60_000, 100);
    println!("heavy run: {line}; live heap after {:.1} MiB", mib(LIVE.load(Ordering::Relaxed) - base));
}

fn default_example_for_hours() {
    let base = LIVE.load(Ordering::Relaxed);
    let sc = Scenario::parse(include_str!("../www/scenarios/course-queue-kill-0.17.json")).expect("valid");
    let mut s = Session::new(sc);
    let start = Instant::now();
    let mut report = Vec::new();
    // BENCH_HOURS shortens it (an older commit copies the trace into every 5 s snapshot).
    let hours: u64 = std::env::var("BENCH_HOURS").ok().and_then(|h| h.parse().ok()).unwrap_or(10);
    for h in 1..=hours {
        s.advance_to(h * 3_600_000).expect("within limits");
        if h == 1 || h == 5 || h == hours {
            report.push(format!("{h} h: {:.1} MiB", mib(LIVE.load(Ordering::Relaxed) - base)));
        }
    }
    println!(
        "default example for {hours} h of virtual time ({} trace events, {:.2} s): live heap {}",
        s.sim().trace().len(),
        start.elapsed().as_secs_f64(),
        report.join(", ")
    );
}

fn course_ten_minutes() {
    let mut actions = vec![r#"{"at_ms": 0, "do": "connect", "client": "pub"}"#.to_string()];
    for l in 0..4 {
        actions.push(format!(r#"{{"at_ms": 0, "do": "connect", "client": "l{l}"}}"#));
        actions.push(format!(
            r#"{{"at_ms": 0, "do": "subscribe", "client": "l{l}", "sub": "s{l}", "channel": "ticket:created", "queue": "orders-service-queue-group", "durable": "orders-service", "manual_ack": true, "ack_wait_ms": 5000, "process_ms": 20}}"#
        ));
    }
    actions.push(r#"{"at_ms": 100, "do": "publish", "client": "pub", "channel": "ticket:created", "data": "{\"id\":\"{n}\"}", "count": 6000, "every_ms": 100, "template": true}"#.into());
    let text = format!(r#"{{"seed": 3, "until_ms": 600000, "actions": [{}]}}"#, actions.join(","));
    let base = LIVE.load(Ordering::Relaxed);
    let mut s = Session::new(Scenario::parse(&text).expect("valid"));
    s.advance_to(600_000).expect("within limits");
    let live = LIVE.load(Ordering::Relaxed) - base;
    let line = seeks(&mut s, 600_000, 200);
    println!("10-minute course run ({} trace events): live heap {:.1} MiB; {line}", s.sim().trace().len(), mib(live));
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    heavy();
    course_ten_minutes();
    default_example_for_hours();
}
