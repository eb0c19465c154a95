//! The page's state and its reducer. Every gesture becomes an [`Msg`]; [`reduce`] is the only
//! place the run changes. The engine session is shared (`Rc<RefCell<_>>`) so that a state
//! change costs a counter bump, not a copy of the run; `rev` tells Yew something changed.

use crate::embed::Control;
use crate::embed::View;
use crate::engine::scenario::{SubscribeSpec, MAX_UNTIL_MS};
use crate::engine::vecmap::VecMap;
use crate::engine::{AppKind, Behaviour, Scenario, ServerConfig, Session, SimTime, Verb};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

pub use super::gesture::{behave, connect_verb, handler_from, hex_id, opts_of, publish_verb, subscribe_verb, ListenerOpts};

/// The channel new publishers and listeners use (the course's).
pub const DEFAULT_CHANNEL: &str = "ticket:created";
/// Speeds offered, as log10 of the speed factor.
pub const SPEED_MIN_LOG: f64 = -1.0;
/// Fastest: 1000×.
pub const SPEED_MAX_LOG: f64 = 3.0;

/// A lesson being followed: which variant runs, which checkpoint is being asked, the answers.
#[derive(Clone, Debug)]
pub struct LessonRun {
    /// The lesson.
    pub lesson: Rc<crate::lesson::Lesson>,
    /// The variant loaded.
    pub variant: usize,
    /// The checkpoint the run stopped at.
    pub asking: Option<usize>,
    /// Answers given, by checkpoint index.
    pub answers: VecMap<usize, usize>,
    /// The right answer to the checkpoint being asked is shown (after a wrong one).
    pub revealed: bool,
}

impl PartialEq for LessonRun {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.lesson, &o.lesson) && self.variant == o.variant && self.asking == o.asking && self.answers == o.answers && self.revealed == o.revealed
    }
}

/// The page state.
#[derive(Clone)]
pub struct PlaygroundState {
    /// The run (shared; see the module doc).
    pub session: Rc<RefCell<Session>>,
    /// Bumped whenever the session changes.
    pub rev: u64,
    /// Time is running.
    pub playing: bool,
    /// log10 of the speed factor.
    pub speed_log: f64,
    /// Selected client id (untrusted text).
    pub selected: Option<String>,
    /// The message whose journey is highlighted: (channel, seq).
    pub selected_msg: Option<(String, u64)>,
    /// Last error to show (never loses the state).
    pub error: Option<String>,
    /// The help overlay is open.
    pub help: bool,
    /// Counter for new names.
    pub next_name: u64,
    /// Where this page's random ids start: drawn once per page (fresh ids on every new
    /// board, like the course's `randomBytes(4)`); 0 in tests. A run's recorded actions
    /// keep the ids they were made with, so a shared or exported run is unchanged.
    pub name_base: u64,
    /// The lesson being followed, if any.
    pub lesson: Option<LessonRun>,
    /// What is shown and what is locked (the URL's embed options).
    pub view: Rc<View>,
    /// A long simulation under way in slices (a seek far ahead, an opened long run).
    pub work: Option<Work>,
    /// Something was still to happen while playing (the next settle stops the clock).
    pub unsettled: bool,
    /// The clock stopped because the run settled, at this time (the last event that was
    /// not a heartbeat).
    pub settled_at: Option<SimTime>,
    /// What the last gesture did to the actions recorded after it (kept and dropped), when
    /// there were any.
    pub notice: Option<String>,
    /// Big queue groups the learner opened on the board (by group id).
    pub expanded: Vec<String>,
    /// The text of a JetStream scenario the page shows instead of the NATS Streaming board:
    /// JetStream mode, its own lazily loaded module (`ui/jetstream.rs`), reads and runs it.
    pub jetstream: Option<(Rc<str>, SimTime)>,
    /// The NATS Streaming run (its scenario text) that JetStream mode shows translated under
    /// the board, on the same clock; kept up to date with every change of the run.
    pub beside: Option<Rc<str>>,
}

/// Simulation to a target, done a slice per [`Msg::Continue`] so that the page stays
/// responsive (each slice is about [`SLICE_EVENTS`] trace events).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    /// Where the cursor is going.
    pub target: SimTime,
    /// Where it started.
    pub from: SimTime,
}

impl Work {
    /// Progress from 0 to 1, by virtual time.
    pub fn progress(&self, now: SimTime) -> f64 {
        if self.target <= self.from {
            return 1.0;
        }
        (now.saturating_sub(self.from) as f64 / (self.target - self.from) as f64).clamp(0.0, 1.0)
    }
}

/// What the page holds: every trace event, the timeline's marks and the log's index stay in
/// memory (about 200 bytes an event), so the page stops a run earlier than `natsim run`.
pub const PAGE_LIMITS: crate::engine::RunLimits = crate::engine::RunLimits { max_trace: 3_000_000, max_steps: 30_000_000 };

/// The page's words for a run that hit [`PAGE_LIMITS`].
pub fn page_error(e: &crate::engine::RunError) -> String {
    format!(
        "The run stopped at {} s: {} — the page holds at most {} trace events and {} steps (natsim run: 20,000,000 and 200,000,000). Shorten the run, lower the publish counts or slow them down, or run it with natsim.",
        e.at / 1000,
        e.message,
        PAGE_LIMITS.max_trace,
        PAGE_LIMITS.max_steps
    )
}

/// A session with the page's limits.
pub fn page_session(s: Scenario) -> Session {
    let mut session = Session::new(s);
    session.set_limits(PAGE_LIMITS);
    session
}

/// Why the page refuses `s` before running it, if it must: its publishes alone exceed what
/// the page holds (each publish is at least one trace event).
pub fn too_big_for_page(s: &Scenario) -> Option<String> {
    let publishes: u64 = s.actions.iter().map(|a| if let Verb::Publish { count, .. } = &a.verb { *count } else { 0 }).sum();
    (publishes > PAGE_LIMITS.max_trace as u64).then(|| {
        format!("its {publishes} publishes make more than the {} trace events the page holds (natsim run takes up to 20,000,000)", PAGE_LIMITS.max_trace)
    })
}

/// Trace events simulated per slice of work (a few tens of ms in the browser).
pub const SLICE_EVENTS: u64 = 25_000;
/// Trace events simulated per frame while playing: a run too dense for the chosen speed plays
/// slower rather than freezing the page.
pub const FRAME_EVENTS: u64 = 40_000;

impl PartialEq for PlaygroundState {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.session, &o.session)
            && self.rev == o.rev
            && self.playing == o.playing
            && self.speed_log == o.speed_log
            && self.selected == o.selected
            && self.selected_msg == o.selected_msg
            && self.error == o.error
            && self.help == o.help
            && self.lesson == o.lesson
            && Rc::ptr_eq(&self.view, &o.view)
            && self.work == o.work
    }
}

/// Everything the page can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Real time passed while playing (ms).
    Tick(f64),
    /// Play or pause.
    TogglePlay,
    /// Pause.
    Pause,
    /// Play.
    Play,
    /// To the next instant with events.
    Step,
    /// One second back.
    StepBack,
    /// Speed (log10).
    SetSpeed(f64),
    /// Move the cursor (the JS API, a host page, a share link: checkpoints do not stop it).
    Seek(SimTime),
    /// Move the cursor by a learner's gesture (the scrub bar, a click on the timeline): in a
    /// lesson it stops at the next unanswered checkpoint on the way forward, and asks.
    Scrub(SimTime),
    /// Close the help overlay.
    CloseHelp,
    /// Forget the answer to the checkpoint being asked, to try again.
    RetryCheckpoint,
    /// Show the right answer to the checkpoint being asked (after a wrong one).
    RevealAnswer,
    /// Forget every answer of the lesson and start it again from its first variant.
    ResetLesson,
    /// Load a scenario (a lesson's variant), already read: it travels as a value, never as
    /// text read again.
    Load(Rc<Scenario>),
    /// Leave any lesson and load a scenario (an example, an import, a link, the host page).
    Open(Rc<Scenario>),
    /// Show a JetStream scenario (JetStream mode reads it; its errors come back as
    /// [`Msg::Error`]), with its cursor at a time (a share link's).
    OpenJetStream(Rc<str>, SimTime),
    /// Back to the NATS Streaming board.
    CloseJetStream,
    /// Show the run translated into JetStream under the board, or stop showing it.
    ToggleBeside,
    /// The concurrency lab's fixes for every listener that runs an application: re-runs the
    /// same scenario and seed with them, back to the same time.
    LabFixes { version_check: Option<bool>, idempotent: Option<bool>, ordered: Option<bool> },
    /// Select a client.
    Select(Option<String>),
    /// Highlight a message's journey.
    SelectMsg(Option<(String, u64)>),
    /// Record an action at the cursor.
    Act(Verb),
    /// Record several actions at the cursor.
    ActAll(Vec<Verb>),
    /// A new publisher, with a typed client id or a random one.
    AddPublisher(Option<String>),
    /// A new listener, with a typed client id or a random one.
    AddListener(ListenerOpts, Option<String>),
    /// Move a listener's subscription `handle` (of `client`) into a queue group, or out of
    /// any group with `None`: the subscription is closed and a new one made.
    Regroup {
        /// Client id.
        client: String,
        /// Its subscription handle.
        handle: String,
        /// Queue group and durable name, or none.
        group: Option<(String, Option<String>)>,
    },
    /// Re-subscribe a handle with changed options.
    Resubscribe {
        /// Client id.
        client: String,
        /// Handle.
        handle: String,
        /// New options.
        opts: ListenerOpts,
    },
    /// Restart a client process: same id (`None`) or a new random one.
    Restart {
        /// Client id.
        client: String,
        /// A fresh random id instead.
        new_id: bool,
    },
    /// Replace the server options (the run is replayed from 0 with them).
    SetServer(ServerConfig),
    /// Start a lesson (with answers saved earlier).
    StartLesson(Rc<crate::lesson::Lesson>, VecMap<usize, usize>),
    /// Switch the lesson to another variant (broken / fixed).
    LessonVariant(usize),
    /// A checkpoint (by its index in the lesson) answered in JetStream mode.
    AnswerAt(usize, usize),
    /// Answer the checkpoint being asked.
    Answer(usize),
    /// Play on after a checkpoint.
    ContinueLesson,
    /// Leave the lesson.
    CloseLesson,
    /// Show an error.
    Error(String),
    /// Hide the error.
    DismissError,
    /// Hide the notice of what a fork kept and dropped.
    DismissNotice,
    /// Show a big queue group whole, or collapse it again.
    ToggleGroup(String),
    /// Toggle the help overlay.
    ToggleHelp,
    /// Simulate the next slice of the work under way.
    Continue,
    /// Stop the work under way; the cursor stays where it got.
    Cancel,
}

/// Longest scenario text the page reads from a file, a paste or the JS API (`natsim run`
/// reads any size; a host page's `load` message and a share link hold at most
/// [`crate::share::MAX_SCENARIO_CHARS`]).
pub const MAX_IMPORT_CHARS: usize = 20_000_000;

/// Scenario text the page was handed: read, or why not (one line; a text over
/// [`MAX_IMPORT_CHARS`] is refused unread).
pub fn read_scenario(text: &str) -> Result<Scenario, String> {
    if text.len() > MAX_IMPORT_CHARS {
        return Err(format!("the scenario has {} characters, more than the {MAX_IMPORT_CHARS} the page reads (natsim run reads any size)", text.len()));
    }
    Scenario::parse(text).map_err(|e| e.to_string())
}

impl Msg {
    /// Opens scenario JSON text: [`Msg::Open`] with the value read once, or the error the
    /// page shows (the current run is kept).
    pub fn open_text(text: &str) -> Msg {
        if text.len() <= MAX_IMPORT_CHARS && crate::json::parse(text).is_ok_and(|v| crate::engine::jetstream::is_jetstream(&v)) {
            return Msg::OpenJetStream(Rc::from(text), 0);
        }
        match read_scenario(text) {
            Ok(s) => Msg::Open(Rc::new(s)),
            Err(e) => Msg::Error(format!("This scenario was not loaded (the current run is kept): {e}")),
        }
    }
}

impl PlaygroundState {
    /// The recorded run as scenario text, for JetStream mode to translate.
    fn beside_text(&self) -> Rc<str> {
        // The page plays on past a scenario's end (its recording is open-ended): the
        // translation goes on a while after the last action instead.
        let s = self.session.borrow();
        Rc::from(crate::json::write::compact(&s.export(0).to_value()))
    }

    /// A run of `scenario` with the cursor moved to `t` (a share link's moment).
    pub fn opened_at(scenario: Scenario, t: SimTime) -> Self {
        let mut s = PlaygroundState::new(scenario);
        if t > 0 {
            s.apply(Msg::Seek(t));
        }
        s
    }

    /// A page over `scenario`.
    pub fn new(scenario: Scenario) -> Self {
        let mut session = page_session(scenario);
        // Show what happens at 0 (connects, subscribes) right away; the limits cannot be hit
        // in one instant of a valid scenario, so an error here would be our bug.
        let _ = session.advance_to(0);
        PlaygroundState {
            session: Rc::new(RefCell::new(session)),
            rev: 0,
            playing: false,
            speed_log: 0.0,
            selected: None,
            selected_msg: None,
            error: None,
            help: false,
            next_name: 1,
            name_base: 0,
            lesson: None,
            view: Rc::new(View::default()),
            work: None,
            unsettled: false,
            settled_at: None,
            notice: None,
            expanded: Vec::new(),
            jetstream: None,
            beside: None,
        }
    }

    /// Speed factor.
    pub fn speed(&self) -> f64 {
        10f64.powf(self.speed_log)
    }

    /// The recorded subscribe spec of a handle.
    pub fn spec_of(&self, handle: &str) -> Option<SubscribeSpec> {
        self.session.borrow().actions().iter().rev().find_map(|a| match &a.verb {
            Verb::Subscribe(s) if &*s.sub == handle => Some(s.clone()),
            _ => None,
        })
    }
}

impl PlaygroundState {
    fn fresh_name(&mut self) -> String {
        loop {
            let n = self.name_base.wrapping_add(self.next_name);
            self.next_name += 1;
            let id = hex_id(n);
            let taken = self.session.borrow().actions().iter().any(|a| matches!(&a.verb, Verb::Connect { client, .. } if **client == *id));
            if !taken {
                return id;
            }
        }
    }

    fn fresh_handle(&mut self) -> String {
        let s = self.session.borrow();
        let used = |h: &str| s.actions().iter().any(|a| matches!(&a.verb, Verb::Subscribe(x) if &*x.sub == h));
        let mut n = 1;
        while used(&format!("s{n}")) {
            n += 1;
        }
        format!("s{n}")
    }

    /// Records a gesture's verbs at the cursor: the run forks there, keeping the later
    /// actions the change leaves meaningful; the notice says what was kept and dropped.
    /// Returns what it says of the later actions, or `None` if the replay failed (the page
    /// shows the error).
    fn act_all(&mut self, verbs: Vec<Verb>) -> Option<Option<String>> {
        self.work = None;
        let now = self.session.borrow().now();
        let r = self.session.borrow_mut().fork(verbs);
        let later = match r {
            Err(e) => {
                self.error = Some(page_error(&e));
                self.playing = false;
                self.notice = None;
                return None;
            }
            Ok(fork) => self.fork_notice(&fork),
        };
        self.notice = later.as_ref().map(|l| format!("Changed at {} s. {l}", crate::fixed::fixed(now as f64 / 1000.0, 1)));
        Some(later)
    }

    /// `Still scripted after it: kill l1 at 5.5 s. Dropped, as they name what the change
    /// ended: …` (listeners named by client id and channel, not by handle).
    fn fork_notice(&self, fork: &crate::engine::Fork) -> Option<String> {
        if fork.kept.is_empty() && fork.dropped.is_empty() {
            return None;
        }
        const SHOWN: usize = 4;
        let list = |acts: &[crate::engine::Action]| {
            let mut parts: Vec<String> =
                acts.iter().take(SHOWN).map(|a| format!("{} at {} s", self.describe(&a.verb), crate::fixed::fixed(a.at_ms as f64 / 1000.0, 1))).collect();
            if acts.len() > SHOWN {
                parts.push(format!("{} more", acts.len() - SHOWN));
            }
            parts.join(", ")
        };
        let mut out = Vec::new();
        if !fork.kept.is_empty() {
            out.push(format!("Still scripted after it: {}.", list(&fork.kept)));
        }
        if !fork.dropped.is_empty() {
            out.push(format!("Dropped, as they name a client or subscription this change ended: {}.", list(&fork.dropped)));
        }
        Some(out.join(" "))
    }

    /// A recorded verb in the learner's words (`kill l1`, `unsubscribe l1 from ticket:created`).
    fn describe(&self, v: &Verb) -> String {
        let name = |n: &str| crate::ui::view_model::shown_name(n, 24);
        let sub = |h: &str| self.spec_of(h).map_or_else(|| format!("subscription {}", name(h)), |s| format!("{} on {}", name(&s.client), name(&s.channel)));
        match v {
            Verb::Connect { client, .. } => format!("connect {}", name(client)),
            Verb::Publish { client, channel, count, .. } => format!("{} publishes {count}× to {}", name(client), name(channel)),
            Verb::Subscribe(s) => format!("{} subscribes to {}", name(&s.client), name(&s.channel)),
            Verb::Behave { sub: h, .. } => format!("a behaviour change of {}", sub(h)),
            Verb::Unsubscribe { sub: h } => format!("unsubscribe {}", sub(h)),
            Verb::CloseSub { sub: h } => format!("close the subscription {}", sub(h)),
            Verb::Close { client } => format!("close {}", name(client)),
            Verb::Kill { client } => format!("kill {}", name(client)),
            Verb::Pause { client, duration_ms } => format!("pause {} for {duration_ms} ms", name(client)),
            Verb::RestartServer => "restart the server".into(),
        }
    }

    fn behaviour_of(&self, handle: &str) -> Behaviour {
        let s = self.session.borrow();
        s.sim().handles().iter().find(|h| &*h.name == handle).map(|h| h.behaviour.clone()).unwrap_or_default()
    }

    /// Whether the page's options lock what `msg` would change: a locked board refuses every
    /// edit of the run, a locked lab its switches (the host page's commands — load, play,
    /// pause, seek — are never edits; a locked lesson only disables its tabs).
    pub fn refuses(&self, msg: &Msg) -> bool {
        let v = &self.view;
        match msg {
            Msg::Act(_)
            | Msg::ActAll(_)
            | Msg::AddPublisher(_)
            | Msg::AddListener(..)
            | Msg::Regroup { .. }
            | Msg::Resubscribe { .. }
            | Msg::Restart { .. }
            | Msg::SetServer(_) => v.locks(Control::Board),
            Msg::LabFixes { .. } => v.locks(Control::Lab),
            _ => false,
        }
    }

    pub(crate) fn apply(&mut self, msg: Msg) {
        if self.refuses(&msg) {
            return;
        }
        match msg {
            Msg::Tick(real_ms) => {
                if !self.playing {
                    return;
                }
                let dt = (real_ms * self.speed()).round().max(1.0) as u64;
                let mut t = (self.session.borrow().now() + dt).min(MAX_UNTIL_MS);
                // A lesson's next unanswered checkpoint stops the clock there.
                if let Some((cp, at)) = self.next_checkpoint(t) {
                    t = at;
                    self.playing = false;
                    if let Some(run) = self.lesson.as_mut() {
                        run.asking = Some(cp);
                    }
                }
                if self.work.is_some() {
                    return;
                }
                if let Err(e) = self.session.borrow_mut().advance_some(t, FRAME_EVENTS) {
                    self.error = Some(page_error(&e));
                    self.playing = false;
                }
                // Once everything that was to happen has happened (only healthy heartbeats
                // ahead), the clock stops there: the run is over and memory stays flat.
                // Play again goes on; the next settle stops it again.
                let settled = self.session.borrow().sim().settled();
                if !settled {
                    self.unsettled = true;
                } else if self.unsettled {
                    // Back to the moment it settled: the last event that was not a heartbeat
                    // (within this frame; a frame is at most FRAME_EVENTS events).
                    self.unsettled = false;
                    self.playing = false;
                    let (now, last) = {
                        let sess = self.session.borrow();
                        let last = sess
                            .sim()
                            .trace()
                            .iter()
                            .rev()
                            .take(FRAME_EVENTS as usize)
                            .find(|e| !matches!(e.kind, crate::engine::TraceKind::Heartbeat { .. }))
                            .map(|e| e.t);
                        (sess.now(), last)
                    };
                    let at = last.filter(|t| *t <= now).unwrap_or(now);
                    if at < now {
                        self.seek(at);
                    }
                    self.settled_at = Some(at);
                }
            }
            Msg::TogglePlay => {
                self.playing = !self.playing;
                self.settled_at = None;
            }
            Msg::Pause => self.playing = false,
            Msg::Play => {
                self.playing = true;
                self.settled_at = None;
            }
            Msg::Step => {
                self.playing = false;
                let now = self.session.borrow().now();
                // Whatever is still due now first, then the next instant with events — or the
                // lesson's next unanswered checkpoint, if it comes first.
                let next = {
                    let mut session = self.session.borrow_mut();
                    session.advance_to(now).map(|_| session.sim().next_event_time())
                };
                match next {
                    Err(e) => self.error = Some(e.to_string()),
                    Ok(next) => match self.next_checkpoint(next.unwrap_or(MAX_UNTIL_MS)) {
                        Some((cp, _)) => self.stop_at_checkpoint(cp),
                        None => {
                            if let Err(e) = self.session.borrow_mut().step(MAX_UNTIL_MS) {
                                self.error = Some(e.to_string());
                            }
                        }
                    },
                }
            }
            Msg::Scrub(t) => match self.next_checkpoint(t) {
                Some((cp, _)) => self.stop_at_checkpoint(cp),
                None => self.apply(Msg::Seek(t)),
            },
            Msg::RetryCheckpoint => {
                if let Some(run) = self.lesson.as_mut() {
                    if let Some(cp) = run.asking {
                        run.answers.remove(&cp);
                        run.revealed = false;
                    }
                }
            }
            Msg::RevealAnswer => {
                if let Some(run) = self.lesson.as_mut() {
                    run.revealed = true;
                }
            }
            Msg::ResetLesson => {
                if let Some(run) = self.lesson.as_mut() {
                    run.answers = VecMap::new();
                    self.load_variant(0);
                }
            }
            Msg::StepBack => {
                self.playing = false;
                let t = self.session.borrow().now().saturating_sub(1000);
                self.seek(t);
            }
            Msg::SetSpeed(l) => self.speed_log = l.clamp(SPEED_MIN_LOG, SPEED_MAX_LOG),
            Msg::Seek(t) => {
                if t == 0 {
                    self.playing = false;
                }
                self.seek(t);
            }
            Msg::OpenJetStream(text, t) => {
                self.lesson = None;
                self.playing = false;
                self.error = None;
                self.jetstream = Some((text, t));
            }
            Msg::CloseJetStream => {
                self.jetstream = None;
                // Leaving a lesson's JetStream variant goes back to its first NATS Streaming one.
                if let Some(first) =
                    self.lesson.as_ref().filter(|r| r.lesson.is_jetstream(r.variant)).map(|r| (0..r.lesson.variants.len()).find(|i| !r.lesson.is_jetstream(*i)))
                {
                    match first {
                        Some(i) => self.load_variant(i),
                        None => self.lesson = None,
                    }
                }
            }
            Msg::AnswerAt(cp, choice) => {
                if let Some(run) = self.lesson.as_mut().filter(|r| r.lesson.checkpoints.get(cp).is_some_and(|c| choice < c.choices.len())) {
                    run.answers.insert(cp, choice);
                }
            }
            Msg::ToggleBeside => {
                self.beside = match self.beside {
                    Some(_) => None,
                    None => Some(self.beside_text()),
                }
            }
            Msg::Open(scenario) => {
                self.lesson = None;
                self.jetstream = None;
                self.apply(Msg::Load(scenario));
            }
            Msg::Load(s) => match too_big_for_page(&s) {
                Some(why) => self.error = Some(format!("This scenario was not loaded (the current run is kept): {why}")),
                None => {
                    self.work = None;
                    // Replace the run inside the shared cell: every holder (the JS API too)
                    // sees the new one.
                    let fresh = PlaygroundState::new(Rc::unwrap_or_clone(s));
                    let session = fresh
                        .session
                        .replace(Session::new(Scenario::parse("{\"until_ms\":0,\"actions\":[]}").unwrap_or_else(|e| panic!("the empty scenario: {e}"))));
                    *self.session.borrow_mut() = session;
                    self.selected = None;
                    self.selected_msg = None;
                    self.error = None;
                    self.playing = false;
                    self.next_name = 1;
                    self.unsettled = false;
                    self.settled_at = None;
                    self.notice = None;
                }
            },
            Msg::Select(c) => self.selected = c,
            Msg::SelectMsg(m) => self.selected_msg = m,
            Msg::Act(v) => {
                self.act_all(vec![v]);
            }
            Msg::ActAll(vs) => {
                self.act_all(vs);
            }
            Msg::AddPublisher(typed) => {
                let id = typed.unwrap_or_else(|| self.fresh_name());
                self.act_all(vec![connect_verb(&id)]);
                self.selected = Some(id);
            }
            Msg::AddListener(opts, typed) => {
                let id = typed.unwrap_or_else(|| self.fresh_name());
                let handle = self.fresh_handle();
                self.act_all(vec![connect_verb(&id), subscribe_verb(&id, &handle, &opts, Behaviour::default())]);
                self.selected = Some(id);
            }
            Msg::Regroup { client, handle, group } => {
                let Some(spec) = self.spec_of(&handle) else { return };
                let mut opts = opts_of(&spec);
                let same = opts.queue.clone().map(|q| (q, opts.durable.clone())) == group;
                if same {
                    return;
                }
                let what = match &group {
                    Some((q, _)) => format!("with queue group {}", crate::ui::view_model::shown_name(q, 32)),
                    None => "with no queue group".to_string(),
                };
                opts.queue = group.as_ref().map(|g| g.0.clone());
                opts.durable = group.and_then(|g| g.1);
                self.resubscribe(&client, &handle, opts, &what);
            }
            Msg::Resubscribe { client, handle, opts } => self.resubscribe(&client, &handle, opts, "with the new options"),
            Msg::Restart { client, new_id } => self.restart(&client, new_id),
            Msg::SetServer(cfg) => {
                let now = self.session.borrow().now();
                let mut sc = self.session.borrow().export(now);
                sc.server = cfg;
                *self.session.borrow_mut() = page_session(sc);
                self.seek(now);
            }
            Msg::LabFixes { version_check, idempotent, ordered } => {
                let now = self.session.borrow().now();
                let mut sc = self.session.borrow().export(now);
                for a in &mut sc.actions {
                    match &mut a.verb {
                        Verb::Subscribe(spec) if spec.behaviour.app != AppKind::None => {
                            spec.behaviour.version_check = version_check.unwrap_or(spec.behaviour.version_check);
                            spec.behaviour.idempotent = idempotent.unwrap_or(spec.behaviour.idempotent);
                            spec.behaviour.ordered = ordered.unwrap_or(spec.behaviour.ordered);
                        }
                        Verb::Behave { patch, .. } => {
                            let starts_app = patch.app.is_some_and(|k| k != AppKind::None);
                            if starts_app || patch.version_check.is_some() {
                                patch.version_check = version_check.or(patch.version_check);
                            }
                            if starts_app || patch.idempotent.is_some() {
                                patch.idempotent = idempotent.or(patch.idempotent);
                            }
                            if starts_app || patch.ordered.is_some() {
                                patch.ordered = ordered.or(patch.ordered);
                            }
                        }
                        _ => {}
                    }
                }
                *self.session.borrow_mut() = page_session(sc);
                self.seek(now);
            }
            Msg::StartLesson(lesson, answers) => {
                self.lesson = Some(LessonRun { lesson, variant: 0, asking: None, answers, revealed: false });
                self.load_variant(0);
            }
            Msg::LessonVariant(i) => self.load_variant(i),
            Msg::Answer(choice) => {
                if let Some(run) = self.lesson.as_mut() {
                    if let Some(cp) = run.asking {
                        run.answers.insert(cp, choice);
                    }
                }
            }
            Msg::ContinueLesson => {
                if let Some(run) = self.lesson.as_mut() {
                    run.asking = None;
                    run.revealed = false;
                    self.playing = true;
                }
            }
            Msg::CloseLesson => self.lesson = None,
            Msg::Error(e) => self.error = Some(e),
            Msg::DismissError => self.error = None,
            Msg::DismissNotice => self.notice = None,
            Msg::ToggleGroup(id) => {
                if let Some(i) = self.expanded.iter().position(|g| *g == id) {
                    self.expanded.remove(i);
                } else {
                    self.expanded.push(id);
                }
            }
            Msg::ToggleHelp => self.help = !self.help,
            Msg::CloseHelp => self.help = false,
            Msg::Continue => {
                let Some(w) = self.work else { return };
                self.slice(w);
            }
            Msg::Cancel => self.work = None,
        }
    }

    /// One slice of `w`: done, still under way, or stopped by an error.
    fn slice(&mut self, w: Work) {
        self.slice_of(w, SLICE_EVENTS);
    }

    /// A slice of at most `events` trace events.
    fn slice_of(&mut self, w: Work, events: u64) {
        let r = self.session.borrow_mut().advance_some(w.target, events);
        match r {
            Ok(true) => self.work = None,
            Ok(false) => self.work = Some(w),
            Err(e) => {
                self.work = None;
                self.error = Some(page_error(&e));
            }
        }
    }

    /// The first checkpoint of the current variant, not yet answered, between the cursor
    /// (exclusive) and `t` (inclusive), with its time.
    fn next_checkpoint(&self, t: SimTime) -> Option<(usize, SimTime)> {
        let run = self.lesson.as_ref()?;
        let now = self.session.borrow().now();
        run.lesson
            .checkpoints
            .iter()
            .enumerate()
            .filter(|(i, c)| c.variant == run.variant && !run.answers.contains_key(i) && c.at_ms > now && c.at_ms <= t)
            .min_by_key(|(_, c)| c.at_ms)
            .map(|(i, c)| (i, c.at_ms))
    }

    /// Pauses at checkpoint `cp` and asks it.
    fn stop_at_checkpoint(&mut self, cp: usize) {
        let Some(at) = self.lesson.as_ref().and_then(|r| r.lesson.checkpoints.get(cp)).map(|c| c.at_ms) else { return };
        self.playing = false;
        self.seek(at);
        if let Some(run) = self.lesson.as_mut() {
            run.asking = Some(cp);
        }
    }

    fn load_variant(&mut self, i: usize) {
        let Some(run) = self.lesson.as_mut() else { return };
        let Some(v) = run.lesson.variants.get(i) else { return };
        run.variant = i;
        run.asking = None;
        // A JetStream variant opens in JetStream mode, which follows its checkpoints.
        if run.lesson.is_jetstream(i) {
            self.jetstream = Some((Rc::from(crate::json::write::compact(&v.scenario)), 0));
            self.playing = false;
            return;
        }
        self.jetstream = None;
        match Scenario::from_value(&v.scenario) {
            Ok(sc) => self.apply(Msg::Load(Rc::new(sc))),
            Err(e) => self.error = Some(format!("This lesson's scenario was not loaded (the current run is kept): {e}")),
        }
        self.playing = false;
    }

    /// Moves the cursor: from the nearest checkpoint, in slices when it is far (the page
    /// shows progress and a Cancel meanwhile).
    fn seek(&mut self, t: SimTime) {
        let t = t.min(MAX_UNTIL_MS);
        self.settled_at = None;
        let (from, known) = {
            let mut s = self.session.borrow_mut();
            s.rewind(t);
            (s.now(), t <= s.horizon())
        };
        self.work = None;
        // The first slice runs inside the gesture's own task, which also renders the board.
        // A seek within the simulated run replays from a checkpoint at most
        // SNAPSHOT_EVERY_EVENTS events before its target (~4 ms of wasm): that much ends in
        // this task, so the board draws once, at the target, not once part way and again
        // there. A seek past what was simulated starts with a fifth of a slice (the task
        // stays short) and goes on in slices, with the progress bar.
        let first = if known { crate::engine::session::SNAPSHOT_EVERY_EVENTS } else { SLICE_EVENTS / 5 };
        self.slice_of(Work { target: t, from }, first);
    }

    /// Closes the subscription and subscribes again (new handle) with `opts`, keeping the
    /// listener's behaviour: stan.js options are fixed per subscription.
    fn resubscribe(&mut self, client: &str, handle: &str, opts: ListenerOpts, what: &str) {
        let behaviour = self.behaviour_of(handle);
        let new = self.fresh_handle();
        let Some(later) = self.act_all(vec![Verb::CloseSub { sub: handle.into() }, subscribe_verb(client, &new, &opts, behaviour)]) else { return };
        // Real code changes a subscription's options by subscribing again: say so.
        let applied = format!(
            "Applied at {} s: {}'s subscription {handle} on {} was closed and {new} made {what}, as restarting the listener's code would.",
            crate::fixed::fixed(self.session.borrow().now() as f64 / 1000.0, 1),
            crate::ui::view_model::shown_name(client, 24),
            crate::ui::view_model::shown_name(&opts.channel, 24)
        );
        self.notice = Some(later.map_or(applied.clone(), |l| format!("{applied} {l}")));
    }

    /// The course's restart (ts-node-dev restarting the file): the old process dies without
    /// `stan.close()` (a kill, if it still runs), and a new one starts with the same client
    /// id or a fresh random one and subscribes as the old one did (or, if it never got a
    /// connection, as it asked to).
    fn restart(&mut self, client: &str, new_id: bool) {
        let (alive, specs): (bool, Vec<SubscribeSpec>) = {
            let s = self.session.borrow();
            let sim = s.sim();
            let Some(p) = sim.live_process_of(client) else { return };
            let subs = crate::ui::board_model::node_subs(sim, p);
            (p.alive(), subs.iter().filter_map(|v| self.spec_of(&v.handle)).collect())
        };
        let id = if new_id { self.fresh_name() } else { client.to_string() };
        let mut verbs = Vec::new();
        if alive {
            verbs.push(Verb::Kill { client: client.into() });
        }
        verbs.push(connect_verb(&id));
        for s in specs {
            let h = self.fresh_handle_after(&verbs);
            let b = self.behaviour_of(&s.sub);
            verbs.push(subscribe_verb(&id, &h, &opts_of(&s), b));
        }
        self.act_all(verbs);
        self.selected = Some(id);
    }

    fn fresh_handle_after(&self, pending: &[Verb]) -> String {
        let s = self.session.borrow();
        let used = |h: &str| {
            s.actions().iter().any(|a| matches!(&a.verb, Verb::Subscribe(x) if &*x.sub == h))
                || pending.iter().any(|v| matches!(v, Verb::Subscribe(x) if &*x.sub == h))
        };
        let mut n = 1;
        while used(&format!("s{n}")) {
            n += 1;
        }
        format!("s{n}")
    }
}

impl Reducible for PlaygroundState {
    type Action = Msg;
    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        // Only these leave the recorded run as it was.
        let same_run = matches!(
            msg,
            Msg::Tick(_)
                | Msg::TogglePlay
                | Msg::Pause
                | Msg::Play
                | Msg::Step
                | Msg::StepBack
                | Msg::SetSpeed(_)
                | Msg::Seek(_)
                | Msg::Scrub(_)
                | Msg::Select(_)
                | Msg::SelectMsg(_)
                | Msg::CloseHelp
                | Msg::ToggleHelp
                | Msg::ToggleGroup(_)
                | Msg::DismissError
                | Msg::DismissNotice
                | Msg::Error(_)
                | Msg::Continue
                | Msg::Cancel
                | Msg::ToggleBeside
                | Msg::Answer(_)
                | Msg::AnswerAt(..)
                | Msg::RetryCheckpoint
                | Msg::RevealAnswer
                | Msg::ContinueLesson
        );
        next.apply(msg);
        if !same_run && next.beside.is_some() {
            let text = next.beside_text();
            if next.beside.as_deref() != Some(&*text) {
                next.beside = Some(text);
            }
        }
        next.rev = self.rev + 1;
        if let Ok(s) = next.session.try_borrow() {
            super::crash::remember(&s);
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jetstream_scenario_opens_jetstream_mode_and_a_stan_one_leaves_it() {
        let text = include_str!("../../tests/jetstream/scenarios/pull-statuses.json");
        let msg = Msg::open_text(text);
        assert!(matches!(&msg, Msg::OpenJetStream(t, 0) if &**t == text), "{msg:?}");
        let mut s = PlaygroundState::new(Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap());
        s.apply(msg);
        assert_eq!(s.jetstream.as_ref().map(|j| j.1), Some(0));
        s.apply(Msg::open_text(include_str!("../../www/scenarios/empty.json")));
        assert!(s.jetstream.is_none());
        // A broken NATS Streaming text is still read as one (its error names the place).
        assert!(
            matches!(Msg::open_text("{\"until_ms\": 1, \"actions\": [{\"at_ms\": 0, \"do\": \"add_stream\"}]}"), Msg::Error(e) if e.contains("actions[0].do: unknown verb \"add_stream\""))
        );
    }
    use crate::engine::TraceKind;

    fn state() -> PlaygroundState {
        PlaygroundState::new(Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap())
    }

    #[test]
    fn dragging_a_listener_into_a_group_closes_its_subscription_and_subscribes_with_the_queue() {
        let mut s = state();
        s.apply(Msg::Seek(2_000));
        s.apply(Msg::AddListener(ListenerOpts::default(), None));
        let id = s.selected.clone().unwrap();
        assert_eq!(id.len(), 8);
        s.apply(Msg::Regroup { client: id.clone(), handle: "s3".into(), group: Some(("orders-service-queue-group".into(), Some("orders-service".into()))) });
        let acts: Vec<String> = s.session.borrow().actions().iter().skip(5).map(|a| format!("{}@{}", a.verb.name(), a.at_ms)).collect();
        // Acting at 2 s forks, and keeps the example's scripted kill of l1 at 5.5 s, which
        // names nothing the gesture ended; the notice says so.
        assert_eq!(acts, ["publish@1000", "connect@2000", "subscribe@2000", "close_sub@2000", "subscribe@2000", "kill@5500"]);
        assert_eq!(
            s.notice.as_deref(),
            Some(format!("Applied at 2.0 s: {id}'s subscription s3 on ticket:created was closed and s4 made with queue group orders-service-queue-group, as restarting the listener's code would. Still scripted after it: kill l1 at 5.5 s.").as_str())
        );
        let spec = s.spec_of("s4").unwrap();
        assert_eq!(spec.queue.as_deref(), Some("orders-service-queue-group"));
        s.apply(Msg::Seek(10_000));
        // Three members now share the messages.
        let b = crate::ui::board_model::board(s.session.borrow().sim(), 400);
        assert_eq!(b.groups.len(), 1);
        assert_eq!(b.nodes.iter().filter(|n| n.listener).count(), 3);
        assert_eq!(b.nodes.iter().find(|n| n.id == "l1").map(|n| n.health.alive()), Some(false), "l1 was killed at 5.5 s");
    }

    #[test]
    fn changing_options_says_what_it_did_and_what_it_dropped() {
        let mut s = state();
        s.apply(Msg::Seek(2_000));
        let opts = ListenerOpts { manual_ack: false, ..opts_of(&s.spec_of("s1").unwrap()) };
        s.apply(Msg::Resubscribe { client: "l1".into(), handle: "s1".into(), opts });
        assert_eq!(
            s.notice.as_deref(),
            Some("Applied at 2.0 s: l1's subscription s1 on ticket:created was closed and s3 made with the new options, as restarting the listener's code would. Still scripted after it: kill l1 at 5.5 s.")
        );
        // Killing l1 at 3 s: its scripted kill at 5.5 s names a client already ended.
        s.apply(Msg::Seek(3_000));
        s.apply(Msg::Act(Verb::Kill { client: "l1".into() }));
        assert_eq!(s.notice.as_deref(), Some("Changed at 3.0 s. Dropped, as they name a client or subscription this change ended: kill l1 at 5.5 s."));
        // A later gesture with nothing after it clears the notice.
        s.apply(Msg::Act(Verb::Pause { client: "l2".into(), duration_ms: 100 }));
        assert_eq!(s.notice, None);
    }

    #[test]
    fn a_broken_import_keeps_the_current_run_and_says_why() {
        let mut s = state();
        s.apply(Msg::Seek(3_000));
        s.apply(Msg::open_text("{\"until_ms\": 5, \"actions\": [}"));
        assert_eq!(s.session.borrow().now(), 3_000);
        assert!(s.error.as_deref().unwrap().contains("1:29: expected value"), "{:?}", s.error);
    }

    #[test]
    fn restart_with_a_new_id_subscribes_like_the_old_process() {
        let mut s = state();
        s.apply(Msg::Seek(6_000));
        s.apply(Msg::Restart { client: "l1".into(), new_id: true });
        let id = s.selected.clone().unwrap();
        assert_ne!(id, "l1");
        s.apply(Msg::Seek(6_000));
        let subscribed = s.session.borrow().sim().trace().iter().any(|e| e.kind.name() == "subscribed" && e.kind.client().is_some_and(|c| **c == *id));
        assert!(subscribed);
    }

    fn verb_client(v: &Verb) -> String {
        match v {
            Verb::Kill { client } | Verb::Connect { client, .. } | Verb::Subscribe(SubscribeSpec { client, .. }) => client.to_string(),
            _ => String::new(),
        }
    }

    /// `channelsz?subs=1` for the course's channel at the cursor: (client, queue) per
    /// subscription.
    fn subs_at(s: &PlaygroundState) -> Vec<(String, String)> {
        let sess = s.session.borrow();
        let c = sess.sim().monitor_view().channel(DEFAULT_CHANNEL, true).unwrap();
        c.subscriptions.iter().map(|x| (x.client_id.clone(), x.queue_name.clone())).collect()
    }

    fn node(s: &PlaygroundState, id: &str) -> Option<crate::ui::board_model::NodeVm> {
        crate::ui::board_model::board(s.session.borrow().sim(), 400).nodes.into_iter().find(|n| n.id == id)
    }

    fn course(v: &str) -> PlaygroundState {
        let text = if v == "0.25" {
            include_str!("../../www/scenarios/course-queue-kill-0.25.json")
        } else {
            include_str!("../../www/scenarios/course-queue-kill-0.17.json")
        };
        PlaygroundState::new(Scenario::parse(text).unwrap())
    }

    #[test]
    fn a_second_listener_123_is_refused_and_only_the_first_subscribes() {
        for v in ["0.25", "0.17"] {
            let mut s = course(v);
            s.apply(Msg::Seek(2_000));
            s.apply(Msg::AddListener(ListenerOpts::default(), Some("123".into())));
            s.apply(Msg::Seek(3_000));
            s.apply(Msg::AddListener(ListenerOpts::default(), Some("123".into())));
            s.apply(Msg::Seek(4_000));
            let sess = s.session.borrow();
            let failed: Vec<(u64, &str, String)> = sess
                .sim()
                .trace()
                .iter()
                .filter(|e| matches!(e.kind.name(), "connect_failed" | "subscribe_failed"))
                .map(|e| match &e.kind {
                    TraceKind::ConnectFailed { error, .. } | TraceKind::SubscribeFailed { error, .. } => (e.t, e.kind.name(), error.to_string()),
                    _ => unreachable!(),
                })
                .collect();
            assert_eq!(
                failed,
                [
                    (3_000, "connect_failed", "stan: clientID already registered".into()),
                    (3_000, "subscribe_failed", "Cannot read properties of undefined (reading 'emit')".into())
                ],
                "{v}"
            );
            drop(sess);
            let subs = subs_at(&s);
            assert_eq!(subs.iter().filter(|(c, _)| c == "123").count(), 1, "{v}: one subscription for 123, {subs:?}");
            // One node: the process that runs, a listener, with the refusal as its note.
            let n = node(&s, "123").unwrap();
            assert!(n.listener && n.health == crate::ui::board_model::Health::Running, "{v}: {n:?}");
            assert_eq!(n.status2.as_deref(), Some("a second process was refused at 3.0 s"), "{v}");
            assert_eq!(n.error.as_deref(), Some("stan: clientID already registered"), "{v}");
            let b = crate::ui::board_model::board(s.session.borrow().sim(), 400);
            assert_eq!(b.nodes.iter().filter(|n| n.id == "123").count(), 1, "{v}");
        }
    }

    #[test]
    fn restart_with_a_new_id_kills_the_old_process_which_stays_a_zombie_until_its_heartbeats_fail() {
        // 0.17 waits the whole -hbt for a dead client: heartbeats at 10, 20, 30 s fail at 15,
        // 25, 35 s; 0.25 gets no responders at once: 10, 15, 20 s.
        for (v, gone) in [("0.17", 35_000), ("0.25", 20_000)] {
            let mut s = course(v);
            s.apply(Msg::Seek(6_000));
            s.apply(Msg::Restart { client: "l2".into(), new_id: true });
            let id = s.selected.clone().unwrap();
            assert_ne!(id, "l2");
            let acts: Vec<String> =
                s.session.borrow().actions().iter().filter(|a| a.at_ms == 6_000).map(|a| format!("{} {}", a.verb.name(), verb_client(&a.verb))).collect();
            assert_eq!(acts, ["kill l2".to_string(), format!("connect {id}"), format!("subscribe {id}")], "{v}");
            s.apply(Msg::Seek(gone - 1));
            // A durable queue group: monitoring names it `durable:queue`.
            let q = "orders-service:orders-service-queue-group".to_string();
            let mut subs = subs_at(&s);
            subs.sort();
            let mut want = vec![(id.clone(), q.clone()), ("l1".to_string(), q.clone()), ("l2".to_string(), q.clone())];
            want.sort();
            assert_eq!(subs, want, "{v}: l1 (killed at 5.5 s by the scenario) and l2 zombies, the new process a member");
            assert!(matches!(node(&s, "l2").unwrap().health, crate::ui::board_model::Health::Zombie(..)), "{v}");
            s.apply(Msg::Seek(gone));
            assert_eq!(subs_at(&s), [(id.clone(), q.clone())], "{v}: the old client is gone at its heartbeat deadline");
        }
    }

    #[test]
    fn restart_with_the_same_id_replaces_the_dead_client_and_stays_a_listener_while_it_connects() {
        // 0.17 asks the old (dead) client for 500 ms before it replaces it; 0.25 sees at once
        // that nobody answers.
        for (v, at) in [("0.17", 6_500), ("0.25", 6_000)] {
            let mut s = course(v);
            s.apply(Msg::Seek(6_000));
            s.apply(Msg::Restart { client: "l2".into(), new_id: false });
            if at > 6_000 {
                s.apply(Msg::Seek(6_200));
                let n = node(&s, "l2").unwrap();
                assert_eq!(
                    (n.health.clone(), n.listener, n.subs[0].queue.as_deref()),
                    (crate::ui::board_model::Health::Connecting, true, Some("orders-service-queue-group")),
                    "{v}"
                );
                let b = crate::ui::board_model::board(s.session.borrow().sim(), 400);
                let g = &b.groups[0];
                assert!(n.y >= g.y && n.y + n.h <= g.y + g.h, "{v}: drawn inside its group while it connects");
            }
            s.apply(Msg::Seek(at));
            let sess = s.session.borrow();
            let c = sess
                .sim()
                .trace()
                .iter()
                .filter(|e| e.kind.name() == "connected" && e.kind.client().is_some_and(|c| &**c == "l2"))
                .map(|e| e.t)
                .collect::<Vec<_>>();
            assert_eq!(c, [0, at], "{v}");
            drop(sess);
            assert_eq!(subs_at(&s).iter().filter(|(c, _)| c == "l2").count(), 1, "{v}");
            assert_eq!(node(&s, "l2").unwrap().health, crate::ui::board_model::Health::Running, "{v}");
        }
    }

    #[test]
    fn a_seek_within_the_simulated_run_ends_in_one_task_and_one_past_it_goes_on_in_slices() {
        // 4,000 publishes a millisecond apart to a listener: ~4 trace events each.
        let text = r#"{"seed": 1, "until_ms": 10000, "actions": [
            {"at_ms": 0, "do": "connect", "client": "pub"}, {"at_ms": 0, "do": "connect", "client": "l1"},
            {"at_ms": 0, "do": "subscribe", "client": "l1", "sub": "s1", "channel": "c"},
            {"at_ms": 1000, "do": "publish", "client": "pub", "channel": "c", "data": "x", "count": 4000, "every_ms": 1}]}"#;
        let mut s = PlaygroundState::new(Scenario::parse(text).unwrap());
        // Past the horizon: a fifth of a slice in the gesture's task, then slices.
        s.apply(Msg::Seek(4_000));
        assert!(s.work.is_some(), "{} events simulated in the first task", s.session.borrow().sim().trace().len());
        let mut slices = 0;
        while s.work.is_some() {
            s.apply(Msg::Continue);
            slices += 1;
        }
        assert_eq!(s.session.borrow().now(), 4_000);
        let events = s.session.borrow().sim().trace().len();
        assert!(events > 12_000 && slices >= 1, "{events} events in {slices} more slices");
        // Back and forth within what was simulated: each seek ends at once (no slices).
        for t in [1_500, 3_900, 2_000, 4_000] {
            s.apply(Msg::Seek(t));
            assert!(s.work.is_none(), "seek to {t} left work");
            assert_eq!(s.session.borrow().now(), t);
        }
    }

    #[test]
    fn a_dropped_listener_stays_on_the_board_and_restarts_into_its_group() {
        let mut s = course("0.17");
        s.apply(Msg::Seek(38_500));
        let n = node(&s, "l1").unwrap();
        assert_eq!(n.health, crate::ui::board_model::Health::Dropped);
        s.apply(Msg::Restart { client: "l1".into(), new_id: false });
        let acts: Vec<&str> = s.session.borrow().actions().iter().filter(|a| a.at_ms == 38_500).map(|a| a.verb.name()).collect();
        assert_eq!(acts, ["connect", "subscribe"], "nothing to kill");
        s.apply(Msg::Seek(39_000));
        let mut subs = subs_at(&s);
        subs.sort();
        let q = "orders-service:orders-service-queue-group".to_string();
        assert_eq!(subs, [("l1".to_string(), q.clone()), ("l2".to_string(), q)]);
    }

    #[test]
    fn bad_values_typed_into_the_board_show_the_servers_words_on_the_node() {
        use crate::ui::board_model::Health;
        let mut s = course("0.25");
        s.apply(Msg::Seek(2_000));
        // An invalid channel: still a listener, its subscription marked as not made.
        s.apply(Msg::AddListener(ListenerOpts { channel: "orders.*".into(), ..ListenerOpts::default() }, Some("x1".into())));
        // An invalid client id: refused, drawn as a refused listener.
        s.apply(Msg::AddListener(ListenerOpts::default(), Some("a b".into())));
        s.apply(Msg::Seek(2_500));
        let x1 = node(&s, "x1").unwrap();
        assert_eq!(
            (x1.listener, x1.health.clone(), x1.subs[0].wanted, x1.error.as_deref()),
            (true, Health::Running, Some("✕ not subscribed"), Some("stan: invalid subject"))
        );
        let ab = node(&s, "a b").unwrap();
        assert_eq!((ab.listener, ab.health.clone(), ab.subs[0].wanted), (true, Health::Refused(2_000), Some("✕ not subscribed")));
        assert_eq!(ab.error.as_deref(), Some("stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed"));
        assert_eq!(ab.status, "✕ connect refused at 2.0 s");
        // Restarting it with a new random id makes the subscription it asked for.
        s.apply(Msg::Restart { client: "a b".into(), new_id: true });
        let id = s.selected.clone().unwrap();
        s.apply(Msg::Seek(3_000));
        let n = node(&s, &id).unwrap();
        assert_eq!((n.health.clone(), n.subs.len(), n.subs[0].wanted), (Health::Running, 1, None));
    }

    #[test]
    fn playing_stops_where_the_run_settles_and_play_goes_on_from_there() {
        let mut s = state();
        s.apply(Msg::SetSpeed(3.0));
        s.apply(Msg::Play);
        for _ in 0..10 {
            s.apply(Msg::Tick(16.0)); // 16 s of virtual time a frame
        }
        // l1 is dropped at 35 s, the last event but heartbeats: the frame that got past it
        // (to 48 s) brings the cursor back there and stops.
        assert!(!s.playing);
        assert_eq!(s.settled_at, Some(35_000));
        assert_eq!(s.session.borrow().now(), 35_000);
        s.apply(Msg::Play);
        assert_eq!(s.settled_at, None);
        s.apply(Msg::Tick(16.0));
        assert!(s.playing, "nothing new to settle: it plays on");
        assert_eq!(s.session.borrow().now(), 51_000);
    }

    #[test]
    fn step_goes_to_the_next_instant_with_events() {
        let mut s = state();
        s.apply(Msg::Step);
        assert_eq!(s.session.borrow().now(), 1_000);
        s.apply(Msg::Step);
        assert_eq!(s.session.borrow().now(), 2_000);
    }

    #[test]
    fn a_lesson_pauses_at_its_checkpoint_takes_the_answer_and_plays_on() {
        let lesson = crate::lesson::Lesson::parse(include_str!("../../www/lessons/04-manual-ack.json")).unwrap();
        let mut s = state();
        s.apply(Msg::StartLesson(Rc::new(lesson), Default::default()));
        assert_eq!(s.session.borrow().now(), 0);
        assert_eq!(s.session.borrow().sim().scenario().actions.len(), 4, "variant 0 loaded");
        s.apply(Msg::SetSpeed(3.0));
        s.apply(Msg::Play);
        s.apply(Msg::Tick(10.0)); // 10 s of virtual time requested…
        assert_eq!(s.session.borrow().now(), 2_400, "…stopped at the checkpoint");
        assert!(!s.playing);
        assert_eq!(s.lesson.as_ref().unwrap().asking, Some(0));
        s.apply(Msg::Answer(1));
        assert_eq!(s.lesson.as_ref().unwrap().answers.get(&0), Some(&1));
        s.apply(Msg::ContinueLesson);
        assert!(s.playing);
        s.apply(Msg::Tick(10.0));
        // The answered checkpoint does not stop it again; the variant's end does: its last
        // event is the handler's work at 3.3 s, then only heartbeats.
        assert_eq!((s.session.borrow().now(), s.lesson.as_ref().unwrap().asking, s.settled_at), (3_300, None, Some(3_300)));
        s.apply(Msg::LessonVariant(1));
        let run = s.lesson.as_ref().unwrap();
        assert_eq!((run.variant, run.asking), (1, None));
        assert_eq!(s.session.borrow().now(), 0);
    }

    #[test]
    fn a_lessons_jetstream_tab_opens_jetstream_mode_keeps_its_answers_and_back_returns_to_the_first_tab() {
        let lesson = Rc::new(crate::lesson::Lesson::parse(include_str!("../../www/lessons/05-health-checks.json")).unwrap());
        let mut s = state();
        s.apply(Msg::StartLesson(lesson.clone(), Default::default()));
        assert_eq!(s.jetstream, None);
        s.apply(Msg::LessonVariant(2));
        let (text, t) = s.jetstream.clone().expect("JetStream mode opened");
        assert_eq!(t, 0);
        assert!(crate::engine::jetstream::is_jetstream(&serde_json::from_str(&text).unwrap()));
        assert_eq!(s.lesson.as_ref().map(|r| r.variant), Some(2));
        // An answer given there (checkpoint 1, the JetStream one) is the lesson's; a choice
        // that does not exist is ignored.
        s.apply(Msg::AnswerAt(1, 1));
        s.apply(Msg::AnswerAt(1, 7));
        assert_eq!(s.lesson.as_ref().unwrap().answers.get(&1), Some(&1));
        // Back to NATS Streaming: the lesson's first tab.
        s.apply(Msg::CloseJetStream);
        assert_eq!(s.jetstream, None);
        assert_eq!(s.lesson.as_ref().map(|r| r.variant), Some(0));
        assert_eq!(s.session.borrow().now(), 0);
    }

    #[test]
    fn stepping_and_scrubbing_stop_at_an_unanswered_checkpoint_and_a_wrong_answer_can_be_retried() {
        let lesson = Rc::new(crate::lesson::Lesson::parse(include_str!("../../www/lessons/04-manual-ack.json")).unwrap());
        let mut s = state();
        s.apply(Msg::StartLesson(lesson.clone(), Default::default()));
        // The scrub bar dragged to 8 s stops at the checkpoint (2.4 s) and asks.
        s.apply(Msg::Scrub(8_000));
        assert_eq!((s.session.borrow().now(), s.lesson.as_ref().unwrap().asking), (2_400, Some(0)));
        // A host page's seek is not a learner's gesture: it goes where it is told.
        s.apply(Msg::Seek(8_000));
        assert_eq!(s.session.borrow().now(), 8_000);
        // Step from before the checkpoint stops at it: 2 s has events (a publish), 2.4 s the
        // question, before the next event.
        s.apply(Msg::Seek(2_000));
        s.apply(Msg::Step);
        assert_eq!(s.session.borrow().now(), 2_300, "the handler's work at 2.3 s comes first");
        s.apply(Msg::Step);
        assert_eq!((s.session.borrow().now(), s.lesson.as_ref().unwrap().asking), (2_400, Some(0)));
        // Wrong, retried, right: finished only then.
        s.apply(Msg::Answer(0));
        assert!(!crate::ui::lessons::finished(&lesson, &s.lesson.as_ref().unwrap().answers));
        s.apply(Msg::RetryCheckpoint);
        assert_eq!(s.lesson.as_ref().unwrap().answers.get(&0), None);
        s.apply(Msg::Answer(1));
        s.apply(Msg::LessonVariant(1));
        s.apply(Msg::Scrub(10_000));
        assert_eq!(s.lesson.as_ref().unwrap().asking, Some(1));
        s.apply(Msg::Answer(1));
        assert!(crate::ui::lessons::finished(&lesson, &s.lesson.as_ref().unwrap().answers));
        // Start over forgets the answers and opens the first variant.
        s.apply(Msg::ResetLesson);
        let run = s.lesson.as_ref().unwrap();
        assert_eq!((run.answers.len(), run.variant, s.session.borrow().now()), (0, 0, 0));
    }

    #[test]
    fn open_leaves_the_lesson_and_load_does_not() {
        let lesson = crate::lesson::Lesson::parse(include_str!("../../www/lessons/04-manual-ack.json")).unwrap();
        let mut s = state();
        s.apply(Msg::StartLesson(Rc::new(lesson), Default::default()));
        s.apply(Msg::Load(Rc::new(Scenario::parse(include_str!("../../www/scenarios/empty.json")).unwrap())));
        assert!(s.lesson.is_some());
        s.apply(Msg::open_text(include_str!("../../www/scenarios/account-lab.json")));
        assert!(s.lesson.is_none());
        assert_eq!(
            s.session.borrow().sim().scenario().actions.len(),
            Scenario::parse(include_str!("../../www/scenarios/account-lab.json")).unwrap().actions.len()
        );
    }

    #[test]
    fn ticks_advance_by_speed_times_real_time() {
        let mut s = state();
        s.apply(Msg::SetSpeed(2.0));
        s.apply(Msg::Play);
        s.apply(Msg::Tick(50.0));
        assert_eq!(s.session.borrow().now(), 5_000);
        s.apply(Msg::StepBack);
        assert_eq!(s.session.borrow().now(), 4_000);
        assert!(!s.playing);
    }
}
