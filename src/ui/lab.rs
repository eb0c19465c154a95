//! The concurrency lab panel: the shared database of the listeners' application (account
//! balances, tickets) at the cursor, what went wrong so far, and the course's fixes as
//! switches that re-run the same seed.

use super::hooks::use_playground;
use super::state::Msg;
use super::view_model::seconds;
use super::view_model::{class, when};
use crate::embed::Control;
use crate::engine::app::{Anomaly, Outcome};
use crate::engine::{AppKind, TraceKind, Verb};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Counts of what the application did so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabSummary {
    /// Listeners running an application now.
    pub listeners: usize,
    /// How many of them check versions / are idempotent.
    pub version_check: usize,
    /// See `version_check`.
    pub idempotent: usize,
    /// See `version_check`.
    pub ordered: usize,
    /// Events applied, refused by the version check, skipped as duplicates.
    pub applied: usize,
    /// See `applied`.
    pub rejected: usize,
    /// See `applied`.
    pub skipped: usize,
    /// See `applied`.
    pub held: usize,
    /// Each anomaly with its count.
    pub anomalies: Vec<(Anomaly, usize)>,
    /// The latest flagged events: (time, text).
    pub recent: Vec<(u64, String)>,
}

/// Summarises the application's work in `sim` up to its cursor.
pub fn summary(sim: &crate::engine::Sim) -> LabSummary {
    let mut s = LabSummary::default();
    for h in sim.handles().iter().filter(|h| h.open && h.behaviour.app != AppKind::None) {
        s.listeners += 1;
        s.version_check += usize::from(h.behaviour.version_check);
        s.idempotent += usize::from(h.behaviour.idempotent);
        s.ordered += usize::from(h.behaviour.ordered);
    }
    let all = [Anomaly::AppliedTwice, Anomaly::OutOfOrder, Anomaly::VersionWentBack, Anomaly::NegativeBalance, Anomaly::Lost];
    let mut counts = [0usize; 5];
    for e in sim.trace() {
        let TraceKind::App { sub, seq, app, result, .. } = &e.kind else { continue };
        match result.outcome {
            Outcome::Applied => s.applied += 1,
            Outcome::Rejected => s.rejected += 1,
            Outcome::Skipped => s.skipped += 1,
            Outcome::Held => s.held += 1,
            Outcome::Failed | Outcome::Ignored => {}
        }
        for a in &result.anomalies {
            if let Some(i) = all.iter().position(|x| x == a) {
                counts[i] += 1;
            }
        }
        if !result.anomalies.is_empty() {
            let names: Vec<String> = result.anomalies.iter().map(|a| a.label()).collect();
            let text = format!("{} {} #{seq} via {sub}: {} → {} ({})", app.as_str(), result.resource, result.before, result.after, names.join(", "));
            s.recent.push((e.t, text));
        }
    }
    let keep = s.recent.len().saturating_sub(5);
    s.recent.drain(..keep);
    s.anomalies = all.iter().zip(counts).filter(|(_, n)| *n > 0).map(|(a, n)| (*a, n)).collect();
    s
}

fn money(kind: AppKind, v: i64) -> String {
    match kind {
        AppKind::Account if v < 0 => format!("−${}", v.unsigned_abs()),
        _ => format!("${v}"),
    }
}

/// The lab panel; renders nothing when no listener runs an application.
#[function_component]
pub fn LabPanel() -> Html {
    let pg = use_playground();
    let session = pg.session.borrow();
    let sim = session.sim();
    let rows: Vec<(AppKind, String, i64, u64, u64)> = sim.apps().rows().map(|(k, n, r)| (k, n.to_string(), r.value, r.version, r.applied)).collect();
    let planned = session.actions().iter().any(|a| match &a.verb {
        Verb::Subscribe(spec) => spec.behaviour.app != AppKind::None,
        Verb::Behave { patch, .. } => patch.app.is_some_and(|k| k != AppKind::None),
        _ => false,
    });
    // Every scenario renders this panel: leave before reading the trace when there is no lab.
    let live = sim.handles().iter().any(|h| h.open && h.behaviour.app != AppKind::None);
    if !live && rows.is_empty() && !planned {
        return html! {};
    }
    let s = summary(sim);
    // Before any listener runs, the switches show what the scenario's subscriptions will do.
    let app_subs: Vec<&crate::engine::Behaviour> = session
        .actions()
        .iter()
        .filter_map(|a| match &a.verb {
            Verb::Subscribe(spec) if spec.behaviour.app != AppKind::None => Some(&spec.behaviour),
            _ => None,
        })
        .collect();
    let planned_fix = |f: fn(&crate::engine::Behaviour) -> bool| !app_subs.is_empty() && app_subs.iter().all(|b| f(b));
    let (vc_on, idem_on, ord_on) = if s.listeners > 0 {
        (s.version_check == s.listeners, s.idempotent == s.listeners, s.ordered == s.listeners)
    } else {
        (planned_fix(|b| b.version_check), planned_fix(|b| b.idempotent), planned_fix(|b| b.ordered))
    };
    let now = sim.now();
    drop(session);
    let toggle = |which: &'static str| {
        let pg = pg.clone();
        Callback::from(move |e: Event| {
            let on = e.target_dyn_into::<HtmlInputElement>().is_some_and(|i| i.checked());
            pg.dispatch(match which {
                "version" => Msg::LabFixes { version_check: Some(on), idempotent: None, ordered: None },
                "ordered" => Msg::LabFixes { version_check: None, idempotent: None, ordered: Some(on) },
                _ => Msg::LabFixes { version_check: None, idempotent: Some(on), ordered: None },
            });
        })
    };
    html! {
        <section id="lab" class="lab" aria-label="Concurrency lab">
            <h2>{ "Concurrency lab" }</h2>
            <p class="lab__hint">{ match s.listeners {
                0 => format!("No listener runs the application yet. The shared database at {}:", seconds(now)),
                1 => format!("1 listener writes to the database. At {}:", seconds(now)),
                n => format!("{n} listeners share one database. At {}:", seconds(now)),
            } }</p>
            <table class="lab__db">
                <thead><tr><th>{ "record" }</th><th>{ "value" }</th><th>{ "version" }</th><th>{ "writes" }</th></tr></thead>
                <tbody>
                    if rows.is_empty() { <tr><td colspan="4" class="lab__empty">{ "nothing written yet" }</td></tr> }
                    { for rows.iter().map(|(k, name, v, ver, n)| html! {
                        <tr class={class(&[when(*k == AppKind::Account && *v < 0, "lab__bad")])}>
                            <td>{ format!("{} {}", k.as_str(), name) }</td><td>{ money(*k, *v) }</td><td>{ ver }</td><td>{ n }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="lab__counts">
                { format!("applied {} · refused by the version check {} · held for an earlier event {} · skipped as duplicates {}", s.applied, s.rejected, s.held, s.skipped) }
            </p>
            if s.anomalies.is_empty() {
                <p id="lab-verdict" class="lab__ok">{ "No event applied out of order, twice, or lost so far." }</p>
            } else {
                <ul id="lab-verdict" class="lab__problems">
                    { for s.anomalies.iter().map(|(a, n)| html! { <li>{ format!("{} × {}", a.label(), n) }</li> }) }
                </ul>
                <ol class="lab__recent">
                    { for s.recent.iter().map(|(t, text)| html! { <li><span class="lab__t">{ seconds(*t) }</span>{ " " }{ text.clone() }</li> }) }
                </ol>
            }
            <fieldset class="lab__fixes" disabled={pg.view.locks(Control::Lab)}>
                <legend>{ "the course's fixes (re-run the same seed)" }</legend>
                <label><input id="fix-version" type="checkbox" checked={vc_on} onchange={toggle("version")} />
                    { " version check: apply only version = last + 1, otherwise do not ack" }</label>
                <label><input id="fix-idempotent" type="checkbox" checked={idem_on} onchange={toggle("idempotent")} />
                    { " idempotency: an event id already applied is acked, not applied again" }</label>
                <label><input id="fix-ordered" type="checkbox" checked={ord_on} onchange={toggle("ordered")} />
                    { " per-resource ordering: the instances note each event they start on; one is written only when no earlier event of its record is unwritten, otherwise not acked" }</label>
            </fieldset>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Sim;

    #[test]
    fn the_summary_counts_the_account_story() {
        let text = include_str!("../../www/scenarios/account-lab.json");
        let mut sim = Sim::from_json(text).unwrap();
        sim.run().unwrap();
        let s = summary(&sim);
        assert_eq!((s.listeners, s.version_check, s.applied, s.rejected), (2, 0, 3, 0));
        assert_eq!(s.anomalies, vec![(Anomaly::OutOfOrder, 2), (Anomaly::NegativeBalance, 1)]);
        assert_eq!(s.recent[1], (1400, "account a1 #3 via s1: 40 → -60 (negative balance)".to_string()));
        assert_eq!(money(AppKind::Account, -60), "−$60");
    }
}
