//! Live mode: JetStream mode's board driving a real nats-server over WebSocket.
//!
//! The page loads the live client (`dist/live/live.js`, which starts `dist/live/worker.js`:
//! `www/live/worker.mjs` with the official `nats.ws` client, bundled by esbuild) only when
//! Live connects; the worker connects to the URL the learner gives and runs the scenario in
//! real time, off the page's main thread: every client is a real
//! connection, publishes and consumes with the scenario's consumer options, and kills and
//! closes really drop or drain sockets (`www/live/runner.mjs`, the same rules the CI
//! recorder runs against the server). What the page sees comes back as the engine's own
//! trace events ([`JsEvent::from_value`]), so the timeline, the event log, export and the
//! comparison with the simulation work on both. The simulated run of the same scenario is
//! the prediction; [`differences`] says where reality parted from it.
//!
//! This file holds the live state and its pure rules (URL checks, error explanations, the
//! comparison, the server's CONSUMER.INFO / STREAM.INFO rows), tested natively, and the
//! typed wrapper of the client module (wasm only).

use crate::engine::jetstream::compare::{compare_dated, Tolerance};
use crate::engine::jetstream::scenario::JsVerb;
use crate::engine::jetstream::{JsEvent, JsScenario, JsSession};
use crate::engine::time::SimTime;
use serde_json::Value;

/// The URL the Live panel offers first (what `scripts/live-server.sh` prints by default).
pub const DEFAULT_URL: &str = "ws://127.0.0.1:8451";

/// The server URL as the client takes it, or why it is refused (before any connection).
pub fn check_url(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("type the server's WebSocket URL, like ws://127.0.0.1:8451".into());
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!("{} is not a WebSocket URL: it must start with ws:// or wss://", shown(s)));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "ws" | "wss") {
        return Err(format!(
            "{} is not a WebSocket URL: live mode speaks to nats-server's websocket listener, ws:// or wss:// (a nats:// or http:// port is not it)",
            shown(s)
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
        return Err(format!("{} has no host:port to connect to", shown(s)));
    }
    if s.chars().any(char::is_control) || s.len() > 512 {
        return Err("the URL has control characters or is longer than 512 characters".into());
    }
    Ok(s.to_string())
}

/// At most 80 characters of untrusted text, for messages.
fn shown(s: &str) -> String {
    let mut t: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        t.push('…');
    }
    format!("\"{t}\"")
}

/// What a failed connection means, for a learner: the client's code and message, the URL
/// and the page's origin (browsers hide why a WebSocket handshake failed).
pub fn explain(code: &str, message: &str, url: &str, origin: &str) -> String {
    let m = message.to_ascii_lowercase();
    if code == "TIMEOUT" || m.contains("timeout") {
        return format!(
            "No answer from {url} within 3 s: is it a nats-server websocket listener? (A plain nats:// port or an HTTP port does not answer a WebSocket handshake.)"
        );
    }
    if code == "WSS_REQUIRED" || m.contains("tls is required") {
        return format!("The server at {url} requires TLS: use its wss:// URL.");
    }
    if m.contains("authorization") || code == "AUTHORIZATION_VIOLATION" {
        return format!("The server at {url} wants credentials (an authorization block); live mode connects without any.");
    }
    format!(
        "Could not connect to {url} ({code}{}). Either no nats-server listens there — start one with `bash scripts/live-server.sh` and paste the URL it prints — \
         or the server refused this page's origin {origin}: the browser hides the reason (the server's log says \"origin not allowed\"). \
         Check the websocket block: with neither same_origin nor allowed_origins any page may connect; allowed_origins must list {origin} exactly \
         (scheme, host and port: localhost and 127.0.0.1 differ); same_origin: true only admits pages served from the WebSocket's own host:port.",
        if message.is_empty() || message == code || message == "NatsError" { String::new() } else { format!(": {}", message.chars().take(120).collect::<String>()) }
    )
}

/// What the server said when the page connected (`hello()` of the client).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hello {
    /// `server_name`.
    pub server: String,
    /// nats-server version.
    pub version: String,
    /// host:port it reports.
    pub host: String,
    /// JetStream enabled and answering `$JS.API.INFO`.
    pub jetstream: bool,
    /// Why JetStream did not answer.
    pub jetstream_error: Option<String>,
    /// Time to connect, ms.
    pub connect_ms: f64,
}

impl Hello {
    /// Reads the client's JSON.
    pub fn parse(text: &str) -> Hello {
        let v = crate::json::parse(text).unwrap_or(Value::Null);
        let s = |k: &str| v[k].as_str().unwrap_or("").chars().take(120).collect::<String>();
        Hello {
            server: s("server"),
            version: s("version"),
            host: s("host"),
            jetstream: v["jetstream"].as_bool().unwrap_or(false),
            jetstream_error: v["jetstream_error"].as_str().map(|e| e.chars().take(200).collect()),
            connect_ms: v["connect_ms"].as_f64().unwrap_or(0.0),
        }
    }

    /// One line for the panel; and whether live runs can go (JetStream on).
    pub fn line(&self) -> (String, bool) {
        if !self.jetstream {
            return (
                format!(
                    "Connected to nats-server {} at {}, but JetStream is not enabled there ({}): start it with -js or a jetstream {{}} block (scripts/live-server.sh does).",
                    self.version,
                    self.host,
                    self.jetstream_error.as_deref().unwrap_or("no answer from $JS.API.INFO")
                ),
                false,
            );
        }
        let mut l = format!("Connected to nats-server {} at {} with JetStream (in {:.0} ms).", self.version, self.host, self.connect_ms);
        if !self.version.starts_with("2.9.") {
            l.push_str(&format!(" The simulation models 2.9.10; {} may differ in places.", self.version));
        }
        (l, true)
    }
}

/// Why live mode will not run `s` on the user's server, if it will not: it never stops or
/// restarts that server, so a run with `restart_server` stays simulated.
pub fn refused(s: &JsScenario) -> Option<String> {
    let at = s.restart_at()?;
    Some(format!(
        "This run restarts the server at {:.1} s, and live mode never stops or restarts your nats-server. Watch it simulated, or restart the server yourself and compare.",
        at as f64 / 1000.0
    ))
}

/// The streams a scenario creates, in order.
pub fn streams_of(s: &JsScenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &s.actions {
        if let JsVerb::AddStream(st) = &a.verb {
            if !out.iter().any(|x| **x == *st.stream) {
                out.push(st.stream.to_string());
            }
        }
    }
    out
}

/// The (stream, consumer) pairs a scenario creates, in order.
pub fn consumers_of(s: &JsScenario) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for a in &s.actions {
        if let JsVerb::AddConsumer(c) = &a.verb {
            let k = (c.stream.to_string(), c.consumer.to_string());
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// How many of `doc`'s actions are at or before `at`: a change recorded at `at` (by
/// [`crate::engine::jetstream::edit::fork`]) keeps those as they are and replaces the rest.
pub fn kept_before(doc: &Value, at: SimTime) -> usize {
    let actions = doc["actions"].as_array().map_or(&[][..], |a| a.as_slice());
    actions.iter().position(|a| a["at_ms"].as_u64().is_some_and(|t| t > at)).unwrap_or(actions.len())
}

/// A live run: what the page saw, in order, and the notes of the live layer itself
/// (connection lost and back, a client error), dated.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// The real trace.
    pub events: Vec<JsEvent>,
    /// Live-layer notes: (ms, text).
    pub notes: Vec<(SimTime, String)>,
    /// Events the page could not read (none from a real server; counted, not shown).
    pub unreadable: usize,
    /// Where the run ended (`None`: still going).
    pub ended: Option<SimTime>,
}

impl Recording {
    /// Takes one event as the client sent it (JSON text). Events stay in time order.
    pub fn push_json(&mut self, text: &str) {
        let Ok(v) = crate::json::parse(text) else {
            self.unreadable += 1;
            return;
        };
        let t = v["t"].as_u64().unwrap_or(0);
        match v["event"].as_str() {
            Some("live_error") => self.notes.push((t, format!("client error: {}", v["error"].as_str().unwrap_or("?").chars().take(200).collect::<String>()))),
            Some("live_disconnect") => self.notes.push((t, "the connection to the server was lost; reconnecting".into())),
            Some("live_reconnect") => self.notes.push((t, "connected to the server again (clients that were cut stay closed)".into())),
            _ => match JsEvent::from_value(&v) {
                Some(e) => {
                    let at = self.events.partition_point(|x| x.t <= e.t);
                    self.events.insert(at, e);
                }
                None => self.unreadable += 1,
            },
        }
    }

    /// The recording as a natsim-shaped document (`{"trace": [...]}`), what
    /// `natsim compare` reads.
    pub fn document(&self) -> Value {
        serde_json::json!({ "trace": self.events })
    }
}

/// How far apart a predicted and a real time may be in live mode: the recorder's tolerance
/// ([`Tolerance::default`], 100 ms + 10 ms/s) and 50 ms more for the browser's WebSocket and
/// worker hops. The live client runs in a worker so that the page's renders do not delay its
/// clock: on the page's main thread the fifth action at 0 ms (a connect) completed at
/// 81 ms here, 196 ms with the CPU throttled 4×, and 171 ms in CI; in the worker at 30 ms and
/// 37 ms.
pub const LIVE_TOLERANCE: Tolerance = Tolerance { base_ms: 150.0, per_s_ms: 10.0 };

/// Where the real run (so far: up to `now`) parted from the prediction, dated; at the end
/// (`ended`) the undated differences too (redelivery gaps). During the run a difference
/// is only said once the tolerance after it has passed, so an event that is merely on its
/// way is not called missing.
pub fn differences(prediction: &JsSession, real: &Recording, now: SimTime) -> Vec<(Option<SimTime>, String)> {
    let tol = LIVE_TOLERANCE;
    let upto = real.ended.unwrap_or(now);
    let sim: Vec<&JsEvent> = prediction.history().iter().filter(|e| e.t <= upto).collect();
    let sim = serde_json::json!({ "trace": sim });
    let diffs = compare_dated(prediction.scenario(), &sim, &real.document(), tol);
    diffs
        .into_iter()
        .filter(|d| match (d.at_ms, real.ended) {
            (_, Some(_)) => true,
            (Some(at), None) => at + tol.margin(at) < now,
            (None, None) => false,
        })
        .map(|d| (d.at_ms, d.text))
        .collect()
}

/// Where the real server chose another deliver-group member than the prediction for a
/// message's first delivery (it picks at random; the simulation draws from the seed): not a
/// disagreement, but what the simulation could not know. Dated at the real delivery.
pub fn member_choices(prediction: &JsSession, real: &Recording) -> Vec<(SimTime, String)> {
    use crate::engine::jetstream::JsKind;
    use std::collections::BTreeMap;
    let grouped: Vec<(String, String)> = prediction
        .scenario()
        .actions
        .iter()
        .filter_map(|a| match &a.verb {
            JsVerb::AddConsumer(c) if c.deliver_group.is_some() => Some((c.stream.to_string(), c.consumer.to_string())),
            _ => None,
        })
        .collect();
    let firsts = |events: &[JsEvent]| {
        let mut m: BTreeMap<(String, String, u64), (SimTime, String)> = BTreeMap::new();
        for e in events {
            if let JsKind::Delivered { at, seq, num_delivered: 1, .. } = &e.kind {
                let k = (at.stream.to_string(), at.consumer.to_string(), *seq);
                if grouped.iter().any(|(s, c)| *s == k.0 && *c == k.1) {
                    m.entry(k).or_insert((e.t, format!("{} ({})", at.sub, at.client)));
                }
            }
        }
        m
    };
    let (p, r) = (firsts(prediction.history()), firsts(&real.events));
    let mut out: Vec<(SimTime, String)> = r
        .iter()
        .filter_map(|(k, (t, who))| {
            let (_, predicted) = p.get(k)?;
            (predicted != who).then(|| {
                (
                    *t,
                    format!(
                        "seq {} of {} > {} went to {who}; the prediction gave it to {predicted} (the server picks a deliver-group member at random)",
                        k.2, k.0, k.1
                    ),
                )
            })
        })
        .collect();
    out.sort();
    out
}

/// Rows of what the server reports (the client's `poll()` JSON): per stream and per
/// consumer a name and its fields, as text.
pub fn info_rows(v: &Value) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let text = |s: &Value| s.as_str().unwrap_or("?").chars().take(60).collect::<String>();
    for s in v["streams"].as_array().into_iter().flatten() {
        if let Some(e) = s.get("error") {
            rows.push(("stream".into(), format!("— {}", text(&e["description"]))));
            continue;
        }
        let st = &s["state"];
        rows.push((
            format!("stream {}", text(&s["config"]["name"])),
            format!(
                "messages {} · seqs {}–{} · consumers {} · subjects {}",
                st["messages"],
                st["first_seq"],
                st["last_seq"],
                st["consumer_count"],
                s["config"]["subjects"].as_array().map_or(0, Vec::len)
            ),
        ));
    }
    for c in v["consumers"].as_array().into_iter().flatten() {
        if let Some(e) = c.get("error") {
            rows.push(("consumer".into(), format!("— {}", text(&e["description"]))));
            continue;
        }
        rows.push((
            format!("consumer {} > {}", text(&c["stream_name"]), text(&c["name"])),
            format!(
                "delivered {}/{} · ack floor {}/{} · ack pending {} · redelivered {} · waiting {} · pending {}{}",
                c["delivered"]["consumer_seq"],
                c["delivered"]["stream_seq"],
                c["ack_floor"]["consumer_seq"],
                c["ack_floor"]["stream_seq"],
                c["num_ack_pending"],
                c["num_redelivered"],
                c["num_waiting"],
                c["num_pending"],
                if c["push_bound"] == true { " · push bound" } else { "" }
            ),
        ));
    }
    rows
}

/// What a failed action of the live run means when the server's error is one a learner
/// meets there (a stream left by an earlier run with another config).
pub fn hint(e: &JsEvent) -> Option<String> {
    use crate::engine::jetstream::JsKind;
    let JsKind::ActionFailed { error, .. } = &e.kind else { return None };
    match error.err_code {
        Some(10058) => Some(
            "The server already has this stream with another configuration (from an earlier run or another app): tick \u{201c}Start fresh\u{201d} to delete the scenario's streams first."
                .into(),
        ),
        Some(10013) | Some(10148) => Some("The server already has this consumer with another configuration: Start fresh deletes its stream, and the consumer with it.".into()),
        _ => None,
    }
}

pub use client::Live;

/// The typed wrapper of `dist/live/live.js` (it links natively too, for the view models'
/// tests, but only runs in the browser).
mod client {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[wasm_bindgen]
    extern "C" {
        /// A connection to a real nats-server (`connect()` of `www/live/live.mjs`).
        pub type LiveHandle;
        #[wasm_bindgen(method)]
        fn hello(this: &LiveHandle) -> String;
        #[wasm_bindgen(method, catch)]
        fn reset(this: &LiveHandle, streams: &str) -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(method, catch)]
        fn start(this: &LiveHandle, actions: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(method, catch)]
        fn update(this: &LiveHandle, actions: &str, from: u32) -> Result<(), JsValue>;
        #[wasm_bindgen(method)]
        fn now(this: &LiveHandle) -> f64;
        #[wasm_bindgen(method, catch)]
        fn poll(this: &LiveHandle, streams: &str, consumers: &str) -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(method, catch)]
        fn stop(this: &LiveHandle) -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(method, catch)]
        fn close(this: &LiveHandle) -> Result<js_sys::Promise, JsValue>;
    }

    /// An error from the client: its `{error, code}`, or a JS error's message.
    pub fn failure(e: &JsValue) -> (String, String) {
        let get = |k: &str| js_sys::Reflect::get(e, &JsValue::from_str(k)).ok().and_then(|v| v.as_string());
        let msg = get("error").or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))).or_else(|| e.as_string()).unwrap_or_default();
        (get("code").unwrap_or_else(|| "ERROR".into()), msg)
    }

    async fn wait(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, (String, String)> {
        let p = p.map_err(|e| failure(&e))?;
        wasm_bindgen_futures::JsFuture::from(p).await.map_err(|e| failure(&e))
    }

    /// The page's live connection: the handle and the callbacks it keeps alive.
    pub struct Live {
        handle: LiveHandle,
        _on_event: Closure<dyn FnMut(String)>,
        _on_gone: Closure<dyn FnMut(String)>,
    }

    impl std::fmt::Debug for Live {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Live")
        }
    }

    /// Where the live client is (next to the page).
    fn module_url() -> String {
        let base = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
        web_sys::Url::new_with_base("./live/live.js", &base).map(|u| u.href()).unwrap_or_else(|_| "./live/live.js".into())
    }

    impl Live {
        /// Loads the client (once) and connects to `url`. `on_event` gets each trace event
        /// as JSON text; `on_gone` the error when the connection ends for good.
        pub async fn connect(url: &str, on_event: impl FnMut(String) + 'static, on_gone: impl FnMut(String) + 'static) -> Result<Live, (String, String)> {
            let import = js_sys::Function::new_with_args("u", "return import(u)");
            let m = wait(import.call1(&JsValue::NULL, &JsValue::from_str(&module_url())).map(|p| p.unchecked_into()))
                .await
                .map_err(|(c, m)| (c, format!("the live client (live/live.js) could not be loaded: {m}")))?;
            let connect: js_sys::Function = js_sys::Reflect::get(&m, &JsValue::from_str("connect")).map_err(|e| failure(&e))?.unchecked_into();
            let on_event = Closure::<dyn FnMut(String)>::new(on_event);
            let on_gone = Closure::<dyn FnMut(String)>::new(on_gone);
            let p = connect.call3(&JsValue::NULL, &JsValue::from_str(url), on_event.as_ref(), on_gone.as_ref()).map(|p| p.unchecked_into::<js_sys::Promise>());
            let handle = wait(p).await?.unchecked_into::<LiveHandle>();
            Ok(Live { handle, _on_event: on_event, _on_gone: on_gone })
        }
        /// The server's hello (JSON).
        pub fn hello(&self) -> String {
            self.handle.hello()
        }
        /// Deletes these streams where they exist; the names deleted (JSON array).
        pub async fn reset(&self, streams: &str) -> Result<String, (String, String)> {
            Ok(wait(self.handle.reset(streams)).await?.as_string().unwrap_or_default())
        }
        /// Starts the run.
        pub fn start(&self, actions: &str) -> Result<(), (String, String)> {
            self.handle.start(actions).map_err(|e| failure(&e))
        }
        /// The actions changed from `from` on.
        pub fn update(&self, actions: &str, from: usize) -> Result<(), (String, String)> {
            self.handle.update(actions, from as u32).map_err(|e| failure(&e))
        }
        /// ms since the run started.
        pub fn now(&self) -> f64 {
            self.handle.now()
        }
        /// STREAM.INFO and CONSUMER.INFO (JSON).
        pub async fn poll(&self, streams: &str, consumers: &str) -> Result<String, (String, String)> {
            Ok(wait(self.handle.poll(streams, consumers)).await?.as_string().unwrap_or_default())
        }
        /// Ends the run (clients close; the page stays connected).
        pub async fn stop(&self) -> Result<(), (String, String)> {
            wait(self.handle.stop()).await.map(|_| ())
        }
        /// Disconnects.
        pub async fn close(&self) {
            let _ = wait(self.handle.close()).await;
        }
    }
}

/// The page's live mode: its state and what it does.
#[derive(Default)]
pub struct LiveState {
    /// The panel is open.
    pub shown: bool,
    /// The URL in the field.
    pub url: String,
    /// Work under way (connecting, starting, stopping): a second request is refused.
    pub busy: Option<&'static str>,
    /// The server's hello, once connected.
    pub hello: Option<Hello>,
    /// The last failure, explained.
    pub error: Option<String>,
    /// What the last step did.
    pub said: Option<String>,
    /// The connection.
    pub conn: Option<std::rc::Rc<Live>>,
    /// The last live run.
    pub rec: Option<Recording>,
    /// A run is going.
    pub running: bool,
    /// Where the run stops (the scenario's `until_ms`, moved by changes).
    pub until: SimTime,
    /// Delete the scenario's streams before a run.
    pub fresh: bool,
    /// The server's STREAM.INFO / CONSUMER.INFO rows, newest poll.
    pub info: Vec<(String, String)>,
    /// What to poll: streams and (stream, consumer) pairs as JSON arrays.
    pub watch: (String, String),
    polling: bool,
    ticks: u32,
}

impl LiveState {
    /// The live run's clock (ms since it started) while it is going.
    fn clock(&self) -> Option<SimTime> {
        self.conn.as_ref().filter(|_| self.running).map(|c| c.now().max(0.0) as SimTime)
    }
}

/// The live mode of a JetStream player ([`use_live`]).
#[derive(Clone)]
pub struct LiveCtl {
    st: std::rc::Rc<std::cell::RefCell<LiveState>>,
    redraw: yew::functional::UseForceUpdateHandle,
}

impl PartialEq for LiveCtl {
    fn eq(&self, o: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.st, &o.st)
    }
}

/// The URL to offer: `?live=` of the page's address (checked), the last one that
/// connected, or [`DEFAULT_URL`].
fn initial_url() -> (String, bool) {
    let w = web_sys::window();
    let from_query =
        w.as_ref().and_then(|w| w.location().search().ok()).and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok().and_then(|p| p.get("live")));
    let stored = || w.as_ref().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item("natsim-live-url").ok().flatten());
    match from_query.as_deref().and_then(|u| check_url(u).ok()) {
        Some(u) => (u, true),
        None => (stored().and_then(|u| check_url(&u).ok()).unwrap_or_else(|| DEFAULT_URL.to_string()), false),
    }
}

fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// The live mode's state, kept across renders; redraws four times a second while connected
/// (the live clock), polls the server's info every second and ends a run at its end. A page
/// opened with `?live=ws://…` opens the panel and connects at once (a run still needs a
/// click).
#[yew::hook]
pub fn use_live(enabled: bool) -> LiveCtl {
    let asked = yew::use_mut_ref(|| false);
    let st = yew::use_mut_ref(|| {
        let (url, ask) = initial_url();
        *asked.borrow_mut() = ask && enabled;
        LiveState { url, fresh: true, shown: ask && enabled, ..LiveState::default() }
    });
    let redraw = yew::use_force_update();
    let ctl = LiveCtl { st, redraw };
    {
        let ctl = ctl.clone();
        yew::use_effect_with((), move |_| {
            if std::mem::take(&mut *asked.borrow_mut()) {
                ctl.connect();
            }
        });
    }
    let connected = ctl.st.borrow().conn.is_some();
    {
        let ctl = ctl.clone();
        yew::use_effect_with(connected, move |on| {
            let ticker = on.then(|| gloo_timers::callback::Interval::new(250, move || ctl.tick()));
            move || drop(ticker)
        });
    }
    ctl
}

impl LiveCtl {
    /// The state, to read.
    pub fn state(&self) -> std::cell::Ref<'_, LiveState> {
        self.st.borrow()
    }
    fn set(&self, f: impl FnOnce(&mut LiveState)) {
        f(&mut self.st.borrow_mut());
        self.redraw.force_update();
    }
    /// The live run's clock (ms since it started) while it is going.
    pub fn running_now(&self) -> Option<SimTime> {
        self.st.borrow().clock()
    }
    /// Starts a step that takes a while (`what` is shown meanwhile), clearing what the last
    /// one said.
    fn begin(&self, what: &'static str) {
        self.set(|s| {
            s.busy = Some(what);
            s.error = None;
            s.said = None;
        });
    }
    /// Opens or closes the panel.
    pub fn toggle(&self) {
        self.set(|s| s.shown = !s.shown);
    }
    /// The URL field changed.
    pub fn set_url(&self, u: String) {
        self.set(|s| s.url = u);
    }
    /// The Start fresh box changed.
    pub fn set_fresh(&self, on: bool) {
        self.set(|s| s.fresh = on);
    }

    /// Connects to the URL in the field (loading the client first). Refused while busy.
    pub fn connect(&self) {
        let url = {
            let s = self.st.borrow();
            if s.busy.is_some() {
                return;
            }
            s.url.clone()
        };
        let url = match check_url(&url) {
            Ok(u) => u,
            Err(e) => return self.set(|s| s.error = Some(e)),
        };
        self.begin("Loading the live client and connecting…");
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let on_event = {
                let me = me.clone();
                move |text: String| {
                    let mut s = me.st.borrow_mut();
                    let running = s.running;
                    if let Some(r) = s.rec.as_mut().filter(|_| running) {
                        r.push_json(&text);
                    }
                }
            };
            let on_gone = {
                let me = me.clone();
                move |text: String| {
                    let v = crate::json::parse(&text).unwrap_or(Value::Null);
                    let why = v["error"].as_str().unwrap_or("the connection closed").chars().take(200).collect::<String>();
                    let at = me.running_now();
                    me.set(|s| {
                        if let (Some(r), Some(at)) = (s.rec.as_mut(), at) {
                            r.notes.push((at, format!("the connection to the server ended: {why}")));
                            r.ended = Some(at);
                        }
                        s.running = false;
                        s.conn = None;
                        s.hello = None;
                        s.error = Some(format!("The connection to the server ended ({why}). Is it still running? Connect again when it is."));
                    });
                }
            };
            let r = Live::connect(&url, on_event, on_gone).await;
            me.set(|s| {
                s.busy = None;
                match r {
                    Ok(c) => {
                        let h = Hello::parse(&c.hello());
                        s.conn = Some(std::rc::Rc::new(c));
                        s.hello = Some(h);
                        if let Some(st) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                            let _ = st.set_item("natsim-live-url", &url);
                        }
                    }
                    Err((code, msg)) => s.error = Some(explain(&code, &msg, &url, &origin())),
                }
            });
        });
    }

    /// Disconnects (a run going ends first).
    pub fn disconnect(&self) {
        let conn = {
            let mut s = self.st.borrow_mut();
            if s.busy.is_some() {
                return;
            }
            let at = s.clock();
            if let (Some(r), Some(at)) = (s.rec.as_mut(), at) {
                r.ended = Some(at);
            }
            s.running = false;
            s.hello = None;
            s.info.clear();
            s.conn.take()
        };
        self.redraw.force_update();
        if let Some(c) = conn {
            wasm_bindgen_futures::spawn_local(async move { c.close().await });
        }
    }

    /// Runs `doc` (read as `scenario`) on the server from its start, in real time: deletes
    /// its streams first when Start fresh is ticked. Refused while busy or running.
    pub fn run(&self, doc: &Value, scenario: &JsScenario) {
        let (conn, fresh) = {
            let s = self.st.borrow();
            if s.busy.is_some() || s.running {
                return;
            }
            match (&s.conn, &s.hello) {
                (Some(c), Some(h)) if h.jetstream => (c.clone(), s.fresh),
                _ => return,
            }
        };
        if let Some(why) = refused(scenario) {
            return self.set(|s| s.error = Some(why));
        }
        let streams = streams_of(scenario);
        let consumers = consumers_of(scenario);
        let actions = serde_json::to_string(&doc["actions"]).unwrap_or_else(|_| "[]".into());
        let until = scenario.until_ms;
        let watch = (serde_json::to_string(&streams).unwrap_or_default(), serde_json::to_string(&consumers).unwrap_or_default());
        self.begin("Starting the live run…");
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut said = String::new();
            if fresh && !streams.is_empty() {
                match conn.reset(&watch.0).await {
                    Ok(gone) => {
                        let gone: Vec<String> = crate::json::parse(&gone)
                            .ok()
                            .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()))
                            .unwrap_or_default();
                        said = if gone.is_empty() {
                            "No stream of this scenario was on the server: a fresh start.".into()
                        } else {
                            format!("Deleted what an earlier run left on the server: stream {} (with its consumers and messages).", gone.join(", "))
                        };
                    }
                    Err((_, m)) => {
                        return me.set(|s| {
                            s.busy = None;
                            s.error = Some(format!("Could not delete the scenario's streams first: {m}"));
                        });
                    }
                }
            }
            // Recording before the first event can come.
            {
                let mut s = me.st.borrow_mut();
                s.rec = Some(Recording::default());
                s.running = true;
                s.until = until;
                s.watch = watch;
            }
            let started = conn.start(&actions);
            me.set(|s| {
                s.busy = None;
                match started {
                    Ok(()) => s.said = Some(if said.is_empty() { "The live run started.".into() } else { said }),
                    Err((_, m)) => {
                        s.running = false;
                        s.rec = None;
                        s.error = Some(format!("The live run could not start: {m}"));
                    }
                }
            });
        });
    }

    /// A change was recorded during the run: `doc`'s actions from `from` on replace the
    /// pending ones; the run now ends at `until`.
    pub fn changed(&self, doc: &Value, from: usize, until: SimTime) {
        let s = self.st.borrow();
        if !s.running {
            return;
        }
        let Some(c) = s.conn.clone() else { return };
        drop(s);
        let actions = serde_json::to_string(&doc["actions"]).unwrap_or_else(|_| "[]".into());
        let r = c.update(&actions, from);
        self.set(|s| {
            s.until = s.until.max(until);
            if let Err((_, m)) = r {
                s.error = Some(format!("The change could not reach the live run: {m}"));
            }
        });
    }

    /// Ends the run now (every client connection closes; the page stays connected).
    pub fn stop(&self) {
        let conn = {
            let mut s = self.st.borrow_mut();
            if !s.running || s.busy.is_some() {
                return;
            }
            let (Some(c), Some(at)) = (s.conn.clone(), s.clock()) else { return };
            if let Some(r) = s.rec.as_mut() {
                r.ended = Some(at);
            }
            s.running = false;
            s.busy = Some("Ending the live run…");
            c
        };
        self.redraw.force_update();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let r = conn.stop().await;
            me.set(|s| {
                s.busy = None;
                if let Err((_, m)) = r {
                    s.error = Some(format!("Ending the run: {m}"));
                }
            });
        });
    }

    fn tick(&self) {
        let (end_now, poll) = {
            let mut s = self.st.borrow_mut();
            s.ticks = s.ticks.wrapping_add(1);
            let now = s.clock();
            let poll = (s.ticks % 4 == 0 && !s.polling && !s.watch.0.is_empty()).then(|| s.conn.clone()).flatten();
            if poll.is_some() {
                s.polling = true;
            }
            (now.is_some_and(|n| n >= s.until), poll.map(|c| (c, s.watch.clone())))
        };
        if end_now {
            self.stop();
        } else {
            self.redraw.force_update();
        }
        if let Some((c, (streams, consumers))) = poll {
            let me = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let r = c.poll(&streams, &consumers).await;
                me.set(|s| {
                    s.polling = false;
                    if let Ok(text) = r {
                        s.info = info_rows(&crate::json::parse(&text).unwrap_or(Value::Null));
                    }
                });
            });
        }
    }
}

/// The Live panel: connect, run, stop, what the server reports, and where reality parted
/// from the prediction.
pub fn panel(live: &LiveCtl, doc: &Value, prediction: &JsSession, diffs: &[(Option<SimTime>, String)], on_seek: yew::Callback<SimTime>) -> yew::Html {
    let choices = live.state().rec.as_ref().map(|r| member_choices(prediction, r)).unwrap_or_default();
    use yew::prelude::*;
    let s = live.state();
    let connected = s.conn.is_some();
    let can_run = connected && s.hello.as_ref().is_some_and(|h| h.jetstream) && !s.running && s.busy.is_none();
    let on_url = {
        let live = live.clone();
        Callback::from(move |e: InputEvent| live.set_url(super::hooks::value_of(&e)))
    };
    let on_connect = {
        let live = live.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            live.connect();
        })
    };
    let on_disconnect = {
        let live = live.clone();
        Callback::from(move |_| live.disconnect())
    };
    let on_fresh = {
        let live = live.clone();
        Callback::from(move |e: Event| live.set_fresh(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()))
    };
    let on_run = {
        let (live, doc, scenario) = (live.clone(), doc.clone(), prediction.scenario().clone());
        Callback::from(move |_| live.run(&doc, &scenario))
    };
    let on_stop = {
        let live = live.clone();
        Callback::from(move |_| live.stop())
    };
    let streams = streams_of(prediction.scenario());
    let trace_href = s.rec.as_ref().filter(|r| r.ended.is_some()).and_then(|r| {
        let text = serde_json::to_string_pretty(&r.document()).ok()?;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("application/json");
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok().and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok())
    });
    let rec = s.rec.as_ref();
    let hints: Vec<String> = rec.map(|r| r.events.iter().filter_map(hint).collect()).unwrap_or_default();
    html! {
        <section id="js-live" class="panel js__live" aria-label="Live mode">
            <div class="panel__head"><strong>{ "Live: this scenario on a real nats-server" }</strong>
                <span class="panel__hint">{ "over WebSocket, from this page; start a local one with " }<code>{ "bash scripts/live-server.sh" }</code></span></div>
            <form class="js__live-row" onsubmit={on_connect}>
                <label for="js-live-url">{ "Server " }</label>
                <input id="js-live-url" type="text" value={s.url.clone()} oninput={on_url} disabled={connected} spellcheck="false" autocomplete="off" aria-label="Server WebSocket URL" />
                if connected {
                    <button id="js-live-disconnect" type="button" class="btn" onclick={on_disconnect} disabled={s.busy.is_some()}>{ "Disconnect" }</button>
                } else {
                    <button id="js-live-connect" type="submit" class="btn btn--primary" disabled={s.busy.is_some()}>{ "Connect" }</button>
                }
            </form>
            if let Some(b) = s.busy { <p id="js-live-busy" class="panel__hint" role="status">{ b }</p> }
            if let Some(e) = &s.error { <p id="js-live-error" class="banner banner--error" role="alert">{ e.clone() }</p> }
            if let Some(h) = &s.hello {
                <p id="js-live-hello" class={classes!("banner", if h.line().1 { "banner--info" } else { "banner--error" })}>{ h.line().0 }</p>
            }
            if connected {
                <div class="js__live-row">
                    <label class="js__live-fresh"><input id="js-live-fresh" type="checkbox" checked={s.fresh} onchange={on_fresh} disabled={s.running} />
                        { format!(" Start fresh: delete stream {} on the server first", if streams.is_empty() { "(none)".to_string() } else { streams.join(", ") }) }</label>
                    if s.running {
                        <button id="js-live-stop" class="btn" onclick={on_stop}>{ "Stop the live run" }</button>
                    } else {
                        <button id="js-live-run" class="btn btn--primary" onclick={on_run} disabled={!can_run}>{ "Run live" }</button>
                    }
                </div>
                <p class="panel__hint">{ "Time is real: the server does not wait. Gestures during the run reach the server at once (kill drops a socket, close drains it); Pause and the scrub bar replay the recording afterwards. Consumers are created as the scenario says — durable ones stay on the server after a reload; an ephemeral one goes about 5 s after its last subscriber. The board and a listener's held messages are what the real server did, as this page saw it (its deliveries, the answers sent, kills and closes; the nak/term buttons answer what the real listener holds); the prediction is the timeline under the live one, the server's own CONSUMER.INFO numbers are in the table below." }</p>
            }
            if let Some(said) = &s.said { <p id="js-live-said" class="panel__hint" role="status">{ said.clone() }</p> }
            { for hints.iter().map(|h| html! { <p class="banner banner--error js__live-hint">{ h.clone() }</p> }) }
            if !s.info.is_empty() {
                <table id="js-live-info" class="js__live-info" aria-label="What the server reports">
                    <caption>{ "The server's STREAM.INFO and CONSUMER.INFO, polled every second over this connection" }</caption>
                    { for s.info.iter().map(|(k, v)| html! { <tr><th scope="row">{ k.clone() }</th><td>{ v.clone() }</td></tr> }) }
                </table>
            }
            if let Some(r) = rec {
                <div id="js-live-result" class="js__live-result">
                    <p class="panel__hint">{ match r.ended {
                        Some(t) => format!("The live run ended at {:.3} s: {} events from the server. ", t as f64 / 1000.0, r.events.len()),
                        None => format!("Running: {} events so far. ", r.events.len()),
                    } }
                    { if diffs.is_empty() { format!("It agrees with the simulation's prediction within the tolerance ({} ms + {} ms per second).", LIVE_TOLERANCE.base_ms, LIVE_TOLERANCE.per_s_ms) } else { format!("{} difference(s) from the prediction:", diffs.len()) } }
                    if let Some(h) = trace_href { { " " }<a id="js-live-trace" href={h} download="jetstream-live-trace.json">{ "Download what the server did" }</a>{ " (natsim compare reads it beside the exported scenario)" } }
                    </p>
                    if !diffs.is_empty() {
                        <ul id="js-live-diffs" class="warnings" aria-label="Where the real run differs from the prediction">
                            { for diffs.iter().map(|(at, d)| {
                                let seek = at.map(|t| { let cb = on_seek.clone(); Callback::from(move |_: MouseEvent| cb.emit(t)) });
                                html! { <li>
                                    if let Some(t) = at { <button class="btn btn--small" onclick={seek}>{ format!("{:.3} s", *t as f64 / 1000.0) }</button>{ " " } }
                                    { d.chars().take(400).collect::<String>() }
                                </li> }
                            }) }
                        </ul>
                    }
                    if !choices.is_empty() {
                        <ul id="js-live-choices" class="js__notes" aria-label="Where the server chose another member">
                            { for choices.iter().map(|(t, n)| html! { <li>{ format!("{:.3} s — {n}", *t as f64 / 1000.0) }</li> }) }
                        </ul>
                    }
                    if !r.notes.is_empty() {
                        <ul class="js__notes" aria-label="Connection notes">
                            { for r.notes.iter().map(|(t, n)| html! { <li>{ format!("{:.3} s — {n}", *t as f64 / 1000.0) }</li> }) }
                        </ul>
                    }
                </div>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_websocket_urls_with_a_host_are_taken_and_nothing_connects_otherwise() {
        assert_eq!(check_url(" ws://127.0.0.1:8451 "), Ok("ws://127.0.0.1:8451".into()));
        assert_eq!(check_url("wss://demo.example/ws"), Ok("wss://demo.example/ws".into()));
        let e = check_url("nats://127.0.0.1:4222").unwrap_err();
        assert!(e.contains("not a WebSocket URL") && e.contains("ws:// or wss://"), "{e}");
        assert!(check_url("http://127.0.0.1:8222").unwrap_err().contains("not a WebSocket URL"));
        assert!(check_url("127.0.0.1:8451").unwrap_err().contains("must start with ws://"));
        assert!(check_url("ws://").unwrap_err().contains("no host:port"));
        assert!(check_url("ws://user@host:1").unwrap_err().contains("no host:port"));
        assert!(check_url("").unwrap_err().contains("type the server's WebSocket URL"));
        assert!(check_url("ws://a:1/\u{7}").unwrap_err().contains("control characters"));
    }

    #[test]
    fn a_failed_connection_names_both_causes_the_browser_hides_with_the_pages_origin() {
        let e = explain("UNKNOWN_ERROR", "", "ws://127.0.0.1:8451", "http://127.0.0.1:8080");
        assert!(e.contains("bash scripts/live-server.sh"), "{e}");
        assert!(e.contains("allowed_origins must list http://127.0.0.1:8080 exactly"), "{e}");
        assert!(e.contains("same_origin: true"), "{e}");
        assert!(e.starts_with("Could not connect to ws://127.0.0.1:8451 (UNKNOWN_ERROR)."), "{e}");
        assert!(explain("TIMEOUT", "", "ws://h:1", "o").starts_with("No answer from ws://h:1 within 3 s"));
    }

    #[test]
    fn the_hello_says_the_version_and_refuses_runs_without_jetstream() {
        let h = Hello::parse(r#"{"server":"N","version":"2.9.10","host":"127.0.0.1:8451","jetstream":true,"jetstream_error":null,"connect_ms":12.4}"#);
        assert_eq!(h.line(), ("Connected to nats-server 2.9.10 at 127.0.0.1:8451 with JetStream (in 12 ms).".to_string(), true));
        let h = Hello::parse(r#"{"version":"2.10.1","host":"h:1","jetstream":true}"#);
        assert!(h.line().0.ends_with("The simulation models 2.9.10; 2.10.1 may differ in places."));
        let h = Hello::parse(r#"{"version":"2.9.10","host":"h:1","jetstream":false,"jetstream_error":"no responders"}"#);
        let (l, ok) = h.line();
        assert!(!ok && l.contains("JetStream is not enabled there (no responders)"), "{l}");
        assert_eq!(Hello::parse("not json"), Hello::default());
    }

    fn scenario() -> JsScenario {
        JsScenario::parse(
            r#"{"server":{"kind":"jetstream"},"until_ms":6000,"actions":[
              {"at_ms":0,"do":"add_stream","stream":"ORDERS","subjects":["orders.*"]},
              {"at_ms":0,"do":"add_consumer","stream":"ORDERS","consumer":"workers","deliver_group":"g","ack_wait_ms":2000},
              {"at_ms":0,"do":"connect","client":"a"},{"at_ms":0,"do":"connect","client":"b"},
              {"at_ms":0,"do":"subscribe","client":"a","sub":"a1","stream":"ORDERS","consumer":"workers","queue":"g","ack":"manual","process_ms":100},
              {"at_ms":0,"do":"subscribe","client":"b","sub":"b1","stream":"ORDERS","consumer":"workers","queue":"g","ack":"manual","process_ms":100},
              {"at_ms":100,"do":"connect","client":"pub"},
              {"at_ms":200,"do":"publish","client":"pub","subject":"orders.new","count":1},
              {"at_ms":1000,"do":"kill","client":"a"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_run_that_restarts_the_server_is_not_run_live() {
        assert_eq!(refused(&scenario()), None);
        let text = include_str!("../../tests/jetstream/scenarios/server-restart.json");
        let s = JsScenario::parse(text).unwrap();
        assert_eq!(
            refused(&s).as_deref(),
            Some("This run restarts the server at 5.5 s, and live mode never stops or restarts your nats-server. Watch it simulated, or restart the server yourself and compare.")
        );
    }

    #[test]
    fn the_scenarios_streams_and_consumers_are_what_a_fresh_start_deletes_and_the_panel_polls() {
        let s = scenario();
        assert_eq!(streams_of(&s), vec!["ORDERS".to_string()]);
        assert_eq!(consumers_of(&s), vec![("ORDERS".to_string(), "workers".to_string())]);
    }

    #[test]
    fn a_change_at_a_time_keeps_the_actions_at_or_before_it() {
        let doc: Value = serde_json::from_str(r#"{"actions":[{"at_ms":0},{"at_ms":100},{"at_ms":100},{"at_ms":900}]}"#).unwrap();
        assert_eq!(kept_before(&doc, 99), 1);
        assert_eq!(kept_before(&doc, 100), 3);
        assert_eq!(kept_before(&doc, 5000), 4);
        assert_eq!(kept_before(&Value::Null, 5), 0);
    }

    #[test]
    fn the_real_run_agrees_with_its_prediction_until_an_event_comes_late_and_then_the_difference_is_dated() {
        let s = scenario();
        let pred = JsSession::new(s.clone(), crate::engine::RunLimits { max_trace: 10_000, max_steps: 100_000 });
        // The real run: the prediction's events, 3 ms later each (the real server's timing).
        let mut rec = Recording::default();
        for e in pred.history() {
            let mut v = serde_json::to_value(e).unwrap();
            v["t"] = Value::from(e.t + 3);
            rec.push_json(&v.to_string());
        }
        assert_eq!(rec.events.len(), pred.history().len());
        assert!(differences(&pred, &rec, 3000).is_empty(), "{:?}", differences(&pred, &rec, 3000));
        // The first delivery (seq 1 at 200 ms) comes 400 ms late in reality.
        let i = rec.events.iter().position(|e| e.kind.name() == "delivered").unwrap();
        let (t0, name) = (rec.events[i].t, rec.events[i].kind.name());
        assert_eq!((t0, name), (203, "delivered"));
        let mut late = serde_json::to_value(&rec.events[i]).unwrap();
        late["t"] = Value::from(603);
        rec.events.remove(i);
        rec.push_json(&late.to_string());
        // Not yet said at 300 ms (the tolerance after 200 ms has not passed)…
        let d = differences(&pred, &rec, 300);
        assert!(d.is_empty(), "{d:?}");
        // …said by 1000 ms, dated at the predicted 200 ms.
        let d = differences(&pred, &rec, 1000);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, Some(200));
        assert!(d[0].1.contains("simulated at 200 ms, real at 603 ms"), "{}", d[0].1);
        // Live-layer notes are kept apart from the trace; garbage is counted, not shown.
        rec.push_json(r#"{"t":700,"event":"live_disconnect"}"#);
        rec.push_json(r#"{"t":710,"event":"nope"}"#);
        rec.push_json("{");
        assert_eq!(rec.notes, vec![(700, "the connection to the server was lost; reconnecting".to_string())]);
        assert_eq!(rec.unreadable, 2);
    }

    #[test]
    fn the_servers_consumer_info_reads_as_one_line_per_consumer() {
        let v: Value = serde_json::from_str(
            r#"{"streams":[{"config":{"name":"ORDERS","subjects":["orders.*"]},"state":{"messages":3,"first_seq":1,"last_seq":3,"consumer_count":1}},{"error":{"description":"stream not found"}}],
                "consumers":[{"stream_name":"ORDERS","name":"workers","delivered":{"consumer_seq":4,"stream_seq":3},"ack_floor":{"consumer_seq":2,"stream_seq":2},"num_ack_pending":1,"num_redelivered":1,"num_waiting":0,"num_pending":0,"push_bound":true}]}"#,
        )
        .unwrap();
        assert_eq!(
            info_rows(&v),
            vec![
                ("stream ORDERS".to_string(), "messages 3 · seqs 1–3 · consumers 1 · subjects 1".to_string()),
                ("stream".to_string(), "— stream not found".to_string()),
                (
                    "consumer ORDERS > workers".to_string(),
                    "delivered 4/3 · ack floor 2/2 · ack pending 1 · redelivered 1 · waiting 0 · pending 0 · push bound".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_stream_left_with_another_config_is_explained_and_other_failures_are_not() {
        let failed = |code: u32| {
            JsEvent::from_value(&serde_json::json!({"t": 5, "event": "action_failed", "index": 0, "error": "stream name already in use with a different configuration", "code": 400, "err_code": code}))
                .unwrap()
        };
        assert!(hint(&failed(10058)).unwrap().contains("Start fresh"));
        assert_eq!(hint(&failed(10059)), None);
        let delivered = JsEvent::from_value(&serde_json::json!({"t":1,"event":"connected","client":"a"})).unwrap();
        assert_eq!(hint(&delivered), None);
    }

    #[test]
    fn a_member_the_server_chose_at_random_is_said_not_counted_as_a_difference() {
        let s = JsScenario::parse(
            r#"{"server":{"kind":"jetstream"},"seed":1,"until_ms":3000,"actions":[
              {"at_ms":0,"do":"add_stream","stream":"T","subjects":["t.>"]},
              {"at_ms":0,"do":"add_consumer","stream":"T","consumer":"c","deliver_group":"g"},
              {"at_ms":0,"do":"connect","client":"a"},{"at_ms":0,"do":"connect","client":"b"},
              {"at_ms":0,"do":"subscribe","client":"a","sub":"sa","stream":"T","consumer":"c","queue":"g"},
              {"at_ms":0,"do":"subscribe","client":"b","sub":"sb","stream":"T","consumer":"c","queue":"g"},
              {"at_ms":100,"do":"publish","client":"a","subject":"t.x","count":4}]}"#,
        )
        .unwrap();
        let pred = JsSession::new(s, crate::engine::RunLimits { max_trace: 10_000, max_steps: 100_000 });
        // The real run: the same, but every message to the other member.
        let mut rec = Recording::default();
        for e in pred.history() {
            let mut v = serde_json::to_value(e).unwrap();
            if let Some(sub) = v.get("sub").and_then(Value::as_str).map(str::to_string) {
                let (sub, client) = if sub == "sa" { ("sb", "b") } else { ("sa", "a") };
                v["sub"] = Value::from(sub);
                v["client"] = Value::from(client);
            }
            rec.push_json(&v.to_string());
        }
        let m = member_choices(&pred, &rec);
        assert_eq!(m.len(), 4, "{m:?}");
        let first = pred.history().iter().find(|e| e.kind.name() == "delivered").unwrap();
        assert_eq!(m[0].0, first.t);
        assert!(m[0].1.starts_with("seq 1 of T > c went to s"), "{}", m[0].1);
        assert!(m[0].1.ends_with("(the server picks a deliver-group member at random)"));
        // and the comparison, which does not hold who got a grouped message, agrees
        rec.ended = Some(3000);
        assert!(differences(&pred, &rec, 3000).is_empty(), "{:?}", differences(&pred, &rec, 3000));
    }
}
