//! JetStream mode's timeline (the shapes tested natively): a lane per subscriber or pull
//! worker and one per consumer; each delivery is a dot with its **ack-wait bar** (from the
//! delivery to its answer, or to the moment its ack wait ran out, drawn red then); answers
//! are marks (`+ACK`, `-NAK` with the delay it asked for, `+WPI`, `+TERM`); the consumer
//! lane carries the MAX_DELIVERIES advisories, pull statuses (404/408/409) and the
//! consumer's deletion. Computed once per run; a render picks the items in its window by
//! binary search, so its cost follows the window, not the run.

use crate::engine::jetstream::scenario::{JsVerb, Reply};
use crate::engine::jetstream::{JsKind, JsSession};
use crate::engine::time::SimTime;
use std::collections::BTreeMap;

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A delivery (its bar spans its ack wait up to the answer); `true` when it is a
    /// redelivery.
    Delivery(bool),
    /// `+ACK`.
    Ack,
    /// `-NAK`; a delayed nak's bar spans its delay.
    Nak,
    /// `+WPI`.
    Progress,
    /// `+TERM`.
    Term,
    /// MAX_DELIVERIES advisory.
    MaxDeliveries,
    /// A pull request's status.
    PullStatus(u16),
    /// The consumer was deleted.
    Deleted,
}

/// One shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Lane index.
    pub lane: usize,
    /// Row within its lane: overlapping deliveries stack, and an answer sits on its
    /// delivery's row.
    pub row: usize,
    /// Start.
    pub t0: SimTime,
    /// End of its bar (= `t0` for a point).
    pub t1: SimTime,
    /// What it is.
    pub mark: Mark,
    /// Stream seq, when it is about one.
    pub seq: Option<u64>,
    /// The bar ended because the ack wait ran out (no answer in time).
    pub expired: bool,
    /// It shares the last row of a full lane with others (its seq is not written).
    pub crowded: bool,
    /// Tooltip.
    pub label: String,
}

impl Item {
    /// A mark at one instant (an advisory, a status, a deletion).
    fn point(lane: usize, t: SimTime, mark: Mark, seq: Option<u64>, label: String) -> Item {
        Item { lane, row: 0, t0: t, t1: t, mark, seq, expired: false, crowded: false, label }
    }
}

/// The timeline of a run.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct JsTimeline {
    /// Lane names (`s1 (l1)`, `consumer orders`).
    pub lanes: Vec<String>,
    /// Rows of each lane (at least 1, at most [`MAX_ROWS`]).
    pub rows: Vec<usize>,
    /// Items sorted by `t0`.
    pub items: Vec<Item>,
    /// The longest bar, for the window search.
    pub longest: SimTime,
    /// When the server restarted.
    pub restarts: Vec<SimTime>,
}

/// Deliveries that overlap in a lane stack up to this many rows, then share the last.
pub const MAX_ROWS: usize = 8;

impl JsTimeline {
    /// The items that overlap `[from, to]`, in start order.
    pub fn window(&self, from: SimTime, to: SimTime) -> impl Iterator<Item = &Item> {
        let lo = self.items.partition_point(|i| i.t0 + self.longest < from);
        let hi = self.items.partition_point(|i| i.t0 <= to);
        self.items[lo..hi.max(lo)].iter().filter(move |i| i.t1 >= from)
    }
}

/// The timeline of `sess`.
pub fn timeline(sess: &JsSession) -> JsTimeline {
    timeline_of(sess.scenario(), sess.history(), sess.end())
}

/// The timeline of `events` (in time order) of a run of `scenario`: a simulated run's or
/// what a real server did (live mode). Bars still open at `end` are cut there, not expired.
pub fn timeline_of(scenario: &crate::engine::jetstream::JsScenario, events: &[crate::engine::jetstream::JsEvent], end: SimTime) -> JsTimeline {
    // Each consumer's ack wait, and its backoff: delivery n waits backoff[n-1] (the last one
    // repeating), as the server's ack timer counts it.
    let mut ack_wait: BTreeMap<(String, String), (SimTime, Vec<SimTime>)> = BTreeMap::new();
    for a in &scenario.actions {
        if let JsVerb::AddConsumer(c) = &a.verb {
            ack_wait.insert((c.stream.to_string(), c.consumer.to_string()), (c.ack_wait_ms.unwrap_or(30_000), c.backoff_ms.clone().unwrap_or_default()));
        }
    }
    let wait_of = |at: &crate::engine::jetstream::trace::At, delivery: u64| match ack_wait.get(&(at.stream.to_string(), at.consumer.to_string())) {
        Some((_, bo)) if !bo.is_empty() => bo[(delivery as usize).saturating_sub(1).min(bo.len() - 1)],
        Some((w, _)) => *w,
        None => 30_000,
    };
    let mut lanes: Vec<String> = Vec::new();
    let lane_of = |name: String, lanes: &mut Vec<String>| match lanes.iter().position(|l| *l == name) {
        Some(i) => i,
        None => {
            lanes.push(name);
            lanes.len() - 1
        }
    };
    let mut items: Vec<Item> = Vec::new();
    let restarts: Vec<SimTime> = events.iter().filter(|e| matches!(e.kind, JsKind::ServerRestarted)).map(|e| e.t).collect();
    // For an answer, the index of the delivery it answers.
    let mut answer_of: Vec<Option<usize>> = Vec::new();
    // The open delivery of each (sub, seq): the item index.
    let mut open: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for e in events {
        match &e.kind {
            JsKind::Delivered { at, seq, num_delivered, consumer_seq, .. } => {
                let lane = lane_of(format!("{} ({})", at.sub, at.client), &mut lanes);
                let wait = wait_of(at, *num_delivered);
                // An earlier delivery of it to this sub, still open, was overtaken.
                if let Some(i) = open.remove(&(at.sub.to_string(), *seq)) {
                    let it = &mut items[i];
                    it.t1 = it.t1.min(e.t);
                }
                open.insert((at.sub.to_string(), *seq), items.len());
                items.push(Item {
                    lane,
                    row: 0,
                    t0: e.t,
                    t1: e.t + wait,
                    mark: Mark::Delivery(*num_delivered > 1),
                    seq: Some(*seq),
                    expired: true,
                    crowded: false,
                    label: format!(
                        "seq {seq} (consumer seq {consumer_seq}, delivery {num_delivered}) to {} at {:.3} s; ack wait {:.1} s",
                        at.sub,
                        e.t as f64 / 1000.0,
                        wait as f64 / 1000.0
                    ),
                });
            }
            JsKind::Answered { at, reply, seq, num_delivered } => {
                let lane = lane_of(format!("{} ({})", at.sub, at.client), &mut lanes);
                let key = (at.sub.to_string(), *seq);
                let answered = open.get(&key).copied();
                if let Some(i) = answered {
                    let it = &mut items[i];
                    if e.t <= it.t1 {
                        it.t1 = e.t;
                        it.expired = false;
                    }
                    if !matches!(reply, Reply::InProgress) {
                        open.remove(&key);
                    } else {
                        // +WPI restarts the wait: the bar goes on from here.
                        it.t1 = e.t + wait_of(at, *num_delivered);
                        it.expired = true;
                    }
                }
                let (mark, t1, what) = match reply {
                    Reply::Ack => (Mark::Ack, e.t, "+ACK".to_string()),
                    Reply::Nak => (Mark::Nak, e.t, "-NAK".to_string()),
                    Reply::NakDelay(d) => (Mark::Nak, e.t + d, format!("-NAK with a {:.1} s delay", *d as f64 / 1000.0)),
                    Reply::InProgress => (Mark::Progress, e.t, "+WPI (the ack wait starts again)".to_string()),
                    Reply::Term => (Mark::Term, e.t, "+TERM (never again)".to_string()),
                };
                answer_of.resize(items.len(), None);
                answer_of.push(answered);
                items.push(Item {
                    lane,
                    row: 0,
                    t0: e.t,
                    t1,
                    mark,
                    seq: Some(*seq),
                    expired: false,
                    crowded: false,
                    label: format!("{what} for seq {seq} at {:.3} s", e.t as f64 / 1000.0),
                });
            }
            JsKind::MaxDeliveries { consumer, stream_seq, deliveries, .. } => {
                let lane = lane_of(format!("consumer {consumer}"), &mut lanes);
                items.push(Item::point(
                    lane,
                    e.t,
                    Mark::MaxDeliveries,
                    Some(*stream_seq),
                    format!("MAX_DELIVERIES: seq {stream_seq} given up after {deliveries} deliveries at {:.3} s", e.t as f64 / 1000.0),
                ));
            }
            JsKind::PullStatus { at, code, description, .. } => {
                let lane = lane_of(format!("{} ({})", at.sub, at.client), &mut lanes);
                items.push(Item::point(
                    lane,
                    e.t,
                    Mark::PullStatus(*code),
                    None,
                    format!("pull request ends: {code} {description} at {:.3} s", e.t as f64 / 1000.0),
                ));
            }
            JsKind::ConsumerDeleted { consumer, reason, .. } => {
                let lane = lane_of(format!("consumer {consumer}"), &mut lanes);
                items.push(Item::point(lane, e.t, Mark::Deleted, None, format!("consumer deleted ({reason}) at {:.3} s", e.t as f64 / 1000.0)));
            }
            _ => {}
        }
    }
    answer_of.resize(items.len(), None);
    // A bar still open at the end of the run is cut there, not expired yet.
    for it in &mut items {
        if it.t1 > end && matches!(it.mark, Mark::Delivery(_)) {
            it.expired = false;
        }
    }
    // Rows: a delivery takes the first row of its lane free at its start; its answers
    // (pushed after it, in `answer_of`) take its row.
    let mut rows = vec![1usize; lanes.len()];
    let mut free_at: Vec<Vec<SimTime>> = vec![Vec::new(); lanes.len()];
    let mut row_of = vec![0usize; items.len()];
    let mut crowded = vec![false; items.len()];
    for (i, it) in items.iter().enumerate() {
        if let Mark::Delivery(_) = it.mark {
            let f = &mut free_at[it.lane];
            let r = match f.iter().position(|&e| e < it.t0) {
                Some(r) => r,
                None if f.len() < MAX_ROWS => {
                    f.push(0);
                    f.len() - 1
                }
                None => {
                    crowded[i] = true;
                    MAX_ROWS - 1
                }
            };
            f[r] = f[r].max(it.t1);
            row_of[i] = r;
            rows[it.lane] = rows[it.lane].max(r + 1);
        } else if let Some(d) = answer_of[i] {
            row_of[i] = row_of[d];
        }
    }
    for ((it, r), c) in items.iter_mut().zip(row_of).zip(crowded) {
        it.row = r;
        it.crowded = c;
    }
    items.sort_by_key(|i| i.t0);
    let longest = items.iter().map(|i| i.t1 - i.t0).max().unwrap_or(0);
    JsTimeline { lanes, rows, items, longest, restarts }
}

/// The window a timeline shows around the cursor: the whole run when it is at most 30 s,
/// else 30 s with the cursor two thirds in.
pub fn window_of(now: SimTime, end: SimTime) -> (SimTime, SimTime) {
    const SPAN: SimTime = 30_000;
    if end <= SPAN {
        return (0, end.max(1));
    }
    let from = now.saturating_sub(SPAN * 2 / 3).min(end - SPAN);
    (from, from + SPAN)
}

const LABEL_W: f64 = 140.0;
const ROW_H: f64 = 18.0;
const LANE_PAD: f64 = 6.0;
const PLOT_W: f64 = 860.0;

/// A tick's label: whole seconds as `2 s`, else `2.5 s` / `2.25 s`.
pub fn tick_label(t: SimTime) -> String {
    match t % 1000 {
        0 => format!("{} s", t / 1000),
        r if r % 100 == 0 => format!("{}.{} s", t / 1000, r / 100),
        r => format!("{}.{:02} s", t / 1000, r / 10),
    }
}

/// The timeline as SVG; a click moves the cursor through `on_seek` (when given).
/// The timeline as SVG (element `id`): the window around `now`, clicks seek (`on_seek`),
/// and `flags` (times with what they say) drawn as dashed red lines across the lanes. Only
/// what happened by `upto` is drawn (the cursor, so a lesson's checkpoint is not answered
/// by the timeline; the run's end for a prediction).
pub fn view(
    tl: &JsTimeline,
    now: SimTime,
    end: SimTime,
    on_seek: Option<yew::Callback<SimTime>>,
    id: &'static str,
    flags: &[(SimTime, String)],
    upto: SimTime,
) -> yew::Html {
    use yew::prelude::*;
    let (from, to) = window_of(now, end);
    let x = |t: SimTime| LABEL_W + (t.clamp(from, to) - from) as f64 / (to - from) as f64 * PLOT_W;
    // Each lane's top: rows of ROW_H plus a pad between lanes.
    let mut tops = Vec::with_capacity(tl.lanes.len() + 1);
    let mut top = 20.0;
    for r in tl.rows.iter().chain(std::iter::once(&1)) {
        tops.push(top);
        top += ROW_H * *r as f64 + LANE_PAD;
    }
    let height = tops.last().copied().unwrap_or(20.0) - LANE_PAD + 4.0;
    let y = |lane: usize, row: usize| tops.get(lane).copied().unwrap_or(20.0) + ROW_H * row as f64 + ROW_H / 2.0 + 2.0;
    let click = on_seek.map(|cb| {
        Callback::from(move |e: MouseEvent| {
            use wasm_bindgen::JsCast;
            let Some(el) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            let r = el.get_bounding_client_rect();
            let px = (e.client_x() as f64 - r.left()) / r.width().max(1.0) * (LABEL_W + PLOT_W + 10.0);
            if px >= LABEL_W {
                let t = from as f64 + (px - LABEL_W) / PLOT_W * (to - from) as f64;
                cb.emit(t.round().max(0.0) as SimTime);
            }
        })
    });
    let ticks: Vec<SimTime> = {
        let step = if to - from > 20_000 {
            5_000
        } else if to - from > 5_000 {
            1_000
        } else if to - from > 2_000 {
            500
        } else {
            250
        };
        (from.div_ceil(step)..=to / step).map(|k| k * step).collect()
    };
    html! {
        <svg id={id} class="js__timeline" viewBox={format!("0 0 {} {height}", LABEL_W + PLOT_W + 10.0)} role="img"
             aria-label={format!("Timeline from {:.1} s to {:.1} s", from as f64 / 1000.0, to as f64 / 1000.0)} onclick={click}>
            { for ticks.iter().map(|t| html! {
                <g class="jst__tick"><line x1={x(*t).to_string()} x2={x(*t).to_string()} y1="14" y2={height.to_string()} /><text x={x(*t).to_string()} y="11">{ tick_label(*t) }</text></g>
            }) }
            { for tl.lanes.iter().enumerate().map(|(i, l)| html! {
                <text class="jst__lane" x="4" y={(y(i, 0) + 4.0).to_string()}>{ super::view_model::shown_name(l, 20) }</text>
            }) }
            { for tl.window(from, to).filter(|it| it.t0 <= upto).map(|it| {
                let (t1, expired) = if it.t1 > upto { (upto, false) } else { (it.t1, it.expired) };
                let (x0, x1, yy) = (x(it.t0), x(t1), y(it.lane, it.row));
                let body = match it.mark {
                    Mark::Delivery(again) => html! {
                        <>
                            <line class={classes!("jst__wait", expired.then_some("jst__wait--expired"))} x1={x0.to_string()} x2={x1.to_string()} y1={yy.to_string()} y2={yy.to_string()} />
                            if expired && t1 <= to { <line class="jst__deadline" x1={x1.to_string()} x2={x1.to_string()} y1={(yy - 6.0).to_string()} y2={(yy + 6.0).to_string()} /> }
                            <circle class={classes!("jst__dot", again.then_some("jst__dot--again"))} cx={x0.to_string()} cy={yy.to_string()} r="4" />
                            if let (Some(seq), false) = (it.seq, it.crowded) { <text class="jst__seq" x={(x0 - 6.0).to_string()} y={(yy + 3.5).to_string()}>{ seq }</text> }
                        </>
                    },
                    Mark::Nak if it.t1 > it.t0 => html! {
                        <>
                            <line class="jst__delay" x1={x0.to_string()} x2={x1.to_string()} y1={(yy + 5.0).to_string()} y2={(yy + 5.0).to_string()} />
                            <text class="jst__mark jst__mark--nak" x={x0.to_string()} y={(yy - 5.0).to_string()}>{ "✗" }</text>
                        </>
                    },
                    m => {
                        let (glyph, class) = match m {
                            Mark::Ack => ("✓", "jst__mark--ack"),
                            Mark::Nak => ("✗", "jst__mark--nak"),
                            Mark::Progress => ("↻", "jst__mark--wpi"),
                            Mark::Term => ("■", "jst__mark--term"),
                            Mark::MaxDeliveries => ("MAX", "jst__mark--max"),
                            Mark::PullStatus(408) => ("408", "jst__mark--pull"),
                            Mark::PullStatus(404) => ("404", "jst__mark--pull"),
                            Mark::PullStatus(_) => ("409", "jst__mark--pull"),
                            Mark::Deleted => ("deleted", "jst__mark--max"),
                            Mark::Delivery(_) => ("", ""),
                        };
                        html! { <text class={classes!("jst__mark", class)} x={x0.to_string()} y={(yy - 5.0).to_string()}>{ glyph }</text> }
                    }
                };
                html! { <g class="jst__item" data-seq={it.seq.map(|s| s.to_string())}><title>{ it.label.clone() }</title>{ body }</g> }
            }) }
            { for tl.restarts.iter().filter(|t| (from..=to.min(upto)).contains(*t)).map(|t| html! {
                <g class="jst__flag jst__flag--restart"><title>{ format!("{:.3} s: the server restarted", *t as f64 / 1000.0) }</title><line x1={x(*t).to_string()} x2={x(*t).to_string()} y1="14" y2={height.to_string()} /></g>
            }) }
            { for flags.iter().filter(|(t, _)| (from..=to).contains(t)).map(|(t, what)| html! {
                <g class="jst__flag"><title>{ format!("{:.3} s: {what}", *t as f64 / 1000.0) }</title><line x1={x(*t).to_string()} x2={x(*t).to_string()} y1="14" y2={height.to_string()} /></g>
            }) }
            <line class="jst__cursor" x1={x(now).to_string()} x2={x(now).to_string()} y1="14" y2={height.to_string()} />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jetstream::JsScenario;
    use crate::engine::RunLimits;

    fn run(text: &str) -> JsTimeline {
        timeline(&JsSession::new(JsScenario::parse(text).unwrap(), RunLimits::default()))
    }

    #[test]
    fn a_killed_members_deliveries_run_their_whole_ack_wait_and_the_survivors_are_answered() {
        let tl = run(include_str!("../../tests/jetstream/scenarios/group-kill.json"));
        assert_eq!(tl.lanes, vec!["s1 (l1)", "s2 (l2)"]);
        // s1 never answers: each bar is its 2 s ack wait, expired.
        let s1: Vec<&Item> = tl.items.iter().filter(|i| i.lane == 0 && matches!(i.mark, Mark::Delivery(_))).collect();
        assert!(!s1.is_empty());
        assert!(s1.iter().all(|i| i.t0 == 100 && i.t1 == 2100 && i.expired), "{s1:?}");
        // The redeliveries to s2 start at 2101 ms and are acked.
        let again: Vec<&Item> = tl.items.iter().filter(|i| i.mark == Mark::Delivery(true)).collect();
        assert_eq!(again.len(), s1.len());
        assert!(again.iter().all(|i| i.lane == 1 && i.t0 >= 2101 && !i.expired), "{again:?}");
        // The window picks what overlaps it.
        assert_eq!(tl.window(2050, 2060).filter(|i| i.lane == 0).count(), s1.len());
        assert_eq!(tl.window(2150, 2160).filter(|i| i.lane == 0).count(), 0);
    }

    #[test]
    fn naks_with_delay_progress_and_term_are_marked() {
        let tl = run(include_str!("../../tests/jetstream/scenarios/nak-wpi-term.json"));
        let marks: Vec<Mark> = tl.items.iter().map(|i| i.mark).collect();
        assert!(marks.contains(&Mark::Nak) && marks.contains(&Mark::Progress) && marks.contains(&Mark::Term), "{marks:?}");
        let delayed = tl.items.iter().find(|i| i.mark == Mark::Nak && i.t1 > i.t0).expect("a nak with a delay");
        assert!(delayed.label.starts_with("-NAK with a "), "{}", delayed.label);
        let tl = run(include_str!("../../tests/jetstream/scenarios/maxdeliver-push.json"));
        let md = tl.items.iter().find(|i| i.mark == Mark::MaxDeliveries).unwrap();
        assert_eq!((md.t0, md.seq), (3105, Some(1)));
        assert_eq!(tl.lanes[md.lane], "consumer c");
    }

    #[test]
    fn overlapping_deliveries_stack_in_rows_and_answers_sit_on_their_deliverys_row() {
        let tl = run(include_str!("../../tests/jetstream/scenarios/group-kill.json"));
        let s1: Vec<&Item> = tl.items.iter().filter(|i| i.lane == 0 && matches!(i.mark, Mark::Delivery(_))).collect();
        // Every held message of the killed member has a row of its own (up to MAX_ROWS).
        let rows: std::collections::BTreeSet<usize> = s1.iter().map(|i| i.row).collect();
        assert_eq!(rows.len(), s1.len().min(MAX_ROWS));
        assert_eq!(tl.rows[0], s1.len().min(MAX_ROWS));
        for a in tl.items.iter().filter(|i| i.mark == Mark::Ack) {
            let d = tl.items.iter().rev().find(|d| matches!(d.mark, Mark::Delivery(_)) && d.lane == a.lane && d.seq == a.seq && d.t0 <= a.t0).unwrap();
            assert_eq!(a.row, d.row, "{a:?} answers {d:?}");
        }
    }

    #[test]
    fn ticks_read_in_seconds_with_the_decimals_they_need() {
        assert_eq!(tick_label(0), "0 s");
        assert_eq!(tick_label(2000), "2 s");
        assert_eq!(tick_label(2500), "2.5 s");
        assert_eq!(tick_label(2250), "2.25 s");
    }

    #[test]
    fn with_a_backoff_each_deliverys_bar_is_its_own_wait_the_last_one_repeating() {
        let tl = run(r#"{"server":{"kind":"jetstream"},"seed":1,"until_ms":6000,"actions":[
            {"at_ms":0,"do":"add_stream","stream":"T","subjects":["t.>"]},
            {"at_ms":0,"do":"add_consumer","stream":"T","consumer":"c","backoff_ms":[500,1500],"max_deliver":4},
            {"at_ms":0,"do":"connect","client":"a"},
            {"at_ms":0,"do":"subscribe","client":"a","sub":"s","stream":"T","consumer":"c","ack":"none"},
            {"at_ms":100,"do":"publish","client":"a","subject":"t.x"}]}"#);
        let bars: Vec<(SimTime, SimTime)> = tl.items.iter().filter(|i| matches!(i.mark, Mark::Delivery(_))).map(|i| (i.t0, i.t1 - i.t0)).collect();
        assert_eq!(bars.len(), 4, "{bars:?}");
        assert_eq!(bars.iter().map(|b| b.1).collect::<Vec<_>>(), vec![500, 1500, 1500, 1500]);
        // and each redelivery comes when the bar before it ends (within the timer's tick)
        for w in bars.windows(2) {
            assert!(w[1].0 >= w[0].0 + w[0].1 && w[1].0 <= w[0].0 + w[0].1 + 10, "{bars:?}");
        }
    }
}
