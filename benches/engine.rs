//! Engine throughput on a heavy scenario: 100 clients (10 publishers, 90 listeners), 10
//! channels, a durable queue group and plain subscriptions per channel, 1,000,000 publishes,
//! manual acks with failures, and a few kills. Reports trace events per second and peak heap.
//!
//! `cargo bench` runs it under criterion; the numbers printed first come from one full run
//! with the trace drained as it is produced (what the CLI and the page do) and one with the
//! whole trace kept.

use criterion::{criterion_group, criterion_main, Criterion};
use natsim::engine::{Scenario, Sim};
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
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

fn heavy_scenario(publishes_per_channel: u64) -> Scenario {
    let mut actions: Vec<Value> = Vec::new();
    for c in 0..10 {
        let ch = format!("orders.ch{c}");
        actions.push(json!({"at_ms": 0, "do": "connect", "client": format!("p{c}")}));
        for l in 0..9 {
            let client = format!("l{c}-{l}");
            actions.push(json!({"at_ms": 0, "do": "connect", "client": client}));
            let mut sub = json!({"at_ms": 0, "do": "subscribe", "client": client, "sub": format!("s{c}-{l}"), "channel": ch,
                "manual_ack": true, "ack_wait_ms": 2000, "max_inflight": 64, "process_ms": 1 + l, "fail_rate": 0.01});
            if l < 6 {
                sub["queue"] = json!("workers");
                sub["durable"] = json!("svc");
            }
            actions.push(sub);
        }
        actions.push(json!({"at_ms": 100, "do": "publish", "client": format!("p{c}"), "channel": ch,
            "data": "{\"id\":\"t-1\",\"price\":20}", "count": publishes_per_channel, "every_ms": 1}));
    }
    for (t, who) in [(20_000, "l1-0"), (40_000, "l4-7"), (60_000, "l8-2")] {
        actions.push(json!({"at_ms": t, "do": "kill", "client": who}));
    }
    let doc = json!({"seed": 42, "until_ms": publishes_per_channel + 30_000,
        "server": {"cluster_id": "bench", "hb_interval_ms": 5000, "hb_timeout_ms": 5000, "hb_fail_count": 2, "max_msgs": 100_000},
        "actions": actions});
    Scenario::parse(&doc.to_string()).expect("valid bench scenario")
}

/// Runs to the end; returns trace events. Drains the trace every simulated second unless
/// `keep` is set.
fn run(s: &Scenario, keep: bool) -> u64 {
    let mut sim = Sim::new(s.clone());
    let until = s.until_ms;
    let mut t = 0;
    while t < until {
        t = (t + 1000).min(until);
        sim.run_until(t).expect("within limits");
        if !keep {
            drop(sim.take_trace());
        }
    }
    sim.emitted()
}

fn report() {
    let s = heavy_scenario(100_000);
    for keep in [false, true] {
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
        let base = LIVE.load(Ordering::Relaxed);
        let start = Instant::now();
        let events = run(&s, keep);
        let secs = start.elapsed().as_secs_f64();
        let peak = PEAK.load(Ordering::Relaxed) - base;
        println!(
            "heavy scenario ({}): 1,000,000 publishes, {events} trace events in {secs:.2} s = {:.2} M events/s; peak heap {:.1} MiB",
            if keep { "whole trace kept" } else { "trace drained each simulated second" },
            events as f64 / secs / 1e6,
            peak as f64 / (1 << 20) as f64
        );
    }
}

fn bench(c: &mut Criterion) {
    report();
    let s = heavy_scenario(100_000);
    let mut g = c.benchmark_group("engine");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("heavy_1m_publishes", |b| b.iter(|| run(&s, false)));
    let small = heavy_scenario(1_000);
    g.bench_function("heavy_10k_publishes", |b| b.iter(|| run(&small, false)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
