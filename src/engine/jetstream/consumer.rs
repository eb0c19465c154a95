//! A consumer: its filled-in config (JS §3.1), the checks of `checkConsumerCfg` (JS §3.2) and
//! its delivery state (`consumer.go: type consumer`). What it does lives in `server.rs`.

use super::scenario::{AckPolicy, ConsumerSpec, DeliverPolicy, Retention};
use super::stream::Stream;
use super::subject;
use super::trace::JsError;
use crate::engine::ids::{HandleId, Name, ProcId};
use crate::engine::time::SimTime;
use std::collections::{BTreeMap, VecDeque};

/// The config as the server keeps it (ms where the API has ns).
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerConfig {
    /// `durable_name` (durables only).
    pub durable_name: Option<Name>,
    /// `name` (named ephemerals only).
    pub name: Option<Name>,
    /// Deliver policy.
    pub deliver_policy: DeliverPolicy,
    /// `opt_start_seq`.
    pub opt_start_seq: Option<u64>,
    /// `opt_start_time` (virtual ms).
    pub opt_start_time: Option<SimTime>,
    /// Ack policy.
    pub ack_policy: AckPolicy,
    /// ms; absent for ack none.
    pub ack_wait_ms: Option<u64>,
    /// -1 = unlimited.
    pub max_deliver: i64,
    /// ms.
    pub backoff_ms: Vec<u64>,
    /// Filter.
    pub filter_subject: Option<Name>,
    /// Pull only: 512.
    pub max_waiting: Option<i64>,
    /// Absent for ack none.
    pub max_ack_pending: Option<i64>,
    /// Push only.
    pub deliver_subject: Option<Name>,
    /// Deliver group.
    pub deliver_group: Option<Name>,
    /// ms.
    pub inactive_threshold_ms: Option<u64>,
}

/// A delivered, unacked message (`Pending`): its first delivery's consumer seq and when it
/// was last delivered (or moved by nak delay, `+WPI` or the ack timer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Original consumer seq.
    pub dseq: u64,
    /// Timestamp (signed: a nak delay shorter than the ack wait moves it before 0).
    pub ts: i64,
}

/// A waiting pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitReq {
    /// Request id.
    pub id: u64,
    /// Requesting process.
    pub proc: ProcId,
    /// Its fetch handle.
    pub handle: HandleId,
    /// Messages still wanted.
    pub n: u64,
    /// Messages delivered.
    pub d: u64,
    /// `no_wait`.
    pub no_wait: bool,
    /// Expiry instant.
    pub expires: Option<SimTime>,
}

/// A consumer and its delivery state.
#[derive(Clone, Debug)]
pub struct Consumer {
    /// Stream index.
    pub stream: usize,
    /// Name.
    pub name: Name,
    /// Config.
    pub cfg: ConsumerConfig,
    /// Created at.
    pub created: SimTime,
    /// Next stream seq to examine.
    pub sseq: u64,
    /// Next consumer seq.
    pub dseq: u64,
    /// Unacked deliveries by stream seq.
    pub pending: BTreeMap<u64, Pending>,
    /// Redelivery counts by stream seq.
    pub rdc: BTreeMap<u64, u64>,
    /// The redelivery-count map was ever made (`decStreamPending` reads 0 from it then).
    pub rdc_made: bool,
    /// Redelivery queue.
    pub rdq: VecDeque<u64>,
    /// Ack floor, consumer seq.
    pub adflr: u64,
    /// Ack floor, stream seq.
    pub asflr: u64,
    /// Waiting pull requests, FIFO.
    pub waiting: VecDeque<WaitReq>,
    /// The ack timer's generation while armed (0 = stopped).
    pub ack_timer: u64,
    /// Timer generations handed out.
    pub gens: u64,
    /// Push: has interest.
    pub active: bool,
    /// The delete timer's generation while armed (0 = stopped).
    pub delete_timer: u64,
    /// Delete-timer duration with its jitter (0 = never).
    pub dthresh_ms: u64,
    /// Pull: last activity.
    pub last_activity: SimTime,
    /// Deleted.
    pub deleted: bool,
    /// last_per_subject: the seqs still to send and where to go on after.
    pub lss: Option<(VecDeque<u64>, u64)>,
    /// Time of the last delivery.
    pub last_delivered: Option<SimTime>,
    /// Time of the last ack.
    pub last_acked: Option<SimTime>,
}

impl ConsumerConfig {
    /// The config sent by the operator, with the server's defaults (JS §3.1), checked like
    /// `checkConsumerCfg` and `addConsumerWithAssignment` (first failure wins).
    pub fn fill(s: &ConsumerSpec, at: SimTime, stream: &Stream, others: &[&Consumer]) -> Result<ConsumerConfig, JsError> {
        let deliver_subject =
            if s.pull { None } else { Some(s.deliver_subject.clone().unwrap_or_else(|| format!("_deliver.{}.{}", s.stream, s.consumer).into())) };
        let explicit_like = matches!(s.ack_policy, AckPolicy::Explicit | AckPolicy::All);
        let mut ack_wait_ms = match s.ack_wait_ms {
            Some(w) if w > 0 => Some(w),
            _ if explicit_like => Some(30_000),
            _ => None,
        };
        let backoff_ms = s.backoff_ms.clone().unwrap_or_default();
        if let Some(&b0) = backoff_ms.first() {
            ack_wait_ms = Some(b0);
        }
        let max_deliver = match s.max_deliver {
            None | Some(0) => -1,
            Some(n) => n,
        };
        let max_ack_pending = match s.max_ack_pending {
            Some(n) if n != 0 => Some(n),
            _ if explicit_like => Some(1000),
            _ => None,
        };
        let cfg = ConsumerConfig {
            durable_name: s.durable.then(|| s.consumer.clone()),
            name: (!s.durable).then(|| s.consumer.clone()),
            deliver_policy: s.deliver_policy,
            opt_start_seq: s.opt_start_seq.filter(|&n| n > 0),
            opt_start_time: s.opt_start_time_delta_ms.map(|d| at.saturating_sub(d)),
            ack_policy: s.ack_policy,
            ack_wait_ms,
            max_deliver,
            backoff_ms,
            filter_subject: s.filter_subject.clone().filter(|f| !f.is_empty()),
            max_waiting: s.pull.then_some(512),
            max_ack_pending,
            deliver_subject,
            deliver_group: s.deliver_group.clone().filter(|g| !g.is_empty()),
            inactive_threshold_ms: match s.inactive_threshold_ms {
                Some(t) if t > 0 => Some(t),
                _ if !s.durable => Some(5000),
                _ => None,
            },
        };
        cfg.check(stream, others)?;
        Ok(cfg)
    }

    fn check(&self, stream: &Stream, others: &[&Consumer]) -> Result<(), JsError> {
        let bad = |code: u16, err: u32, m: &str| Err(JsError::api(code, err, m));
        if !self.backoff_ms.is_empty() && self.max_deliver <= self.backoff_ms.len() as i64 {
            return bad(400, 10116, "max deliver is required to be > length of backoff values");
        }
        if let Some(ds) = &self.deliver_subject {
            if !subject::is_literal(ds) {
                return bad(400, 10079, "consumer deliver subject has wildcards");
            }
            if !subject::valid_subject(ds) {
                return bad(400, 10112, "invalid push consumer deliver subject");
            }
            if stream.cfg.subjects.iter().any(|f| subject::matches(f, ds)) {
                return bad(400, 10081, "consumer deliver subject forms a cycle");
            }
        } else if self.ack_policy == AckPolicy::None && stream.cfg.retention == Retention::WorkQueue {
            return bad(400, 10084, "consumer in pull mode requires ack policy");
        }
        if let Some(f) = &self.filter_subject {
            if !stream.cfg.subjects.iter().any(|s| subject::subset(f, s)) {
                return bad(400, 10093, "consumer filter subject is not a valid subset of the interest subjects");
            }
        }
        let bad_start = |p: &str, w: &str| bad(400, 10094, &format!("consumer delivery policy is deliver {p}, but optional start {w} is also set"));
        let not_set = |p: &str, w: &str| bad(400, 10094, &format!("consumer delivery policy is deliver {p}, but optional {w} is not set"));
        let (seq, time) = (self.opt_start_seq.is_some(), self.opt_start_time.is_some());
        match self.deliver_policy {
            DeliverPolicy::All | DeliverPolicy::Last | DeliverPolicy::New | DeliverPolicy::LastPerSubject => {
                let p = match self.deliver_policy {
                    DeliverPolicy::All => "all",
                    DeliverPolicy::Last => "last",
                    DeliverPolicy::New => "new",
                    _ => "last per subject",
                };
                if seq {
                    return bad_start(p, "sequence");
                }
                if time {
                    return bad_start(p, "time");
                }
                if self.deliver_policy == DeliverPolicy::LastPerSubject && self.filter_subject.is_none() {
                    return not_set(p, "filter subject");
                }
            }
            DeliverPolicy::ByStartSequence => {
                if !seq {
                    return not_set("by start sequence", "start sequence");
                }
                if time {
                    return bad_start("by start sequence", "time");
                }
            }
            DeliverPolicy::ByStartTime => {
                if !time {
                    return not_set("by start time", "start time");
                }
                if seq {
                    return bad_start("by start time", "start sequence");
                }
            }
        }
        if stream.cfg.retention == Retention::WorkQueue {
            if self.ack_policy != AckPolicy::Explicit {
                return bad(400, 10098, "workqueue stream requires explicit ack");
            }
            if !others.is_empty() {
                match &self.filter_subject {
                    None => return bad(400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"),
                    Some(f) => {
                        if others.iter().any(|o| o.cfg.filter_subject.as_ref().is_none_or(|g| subject::collide(f, g))) {
                            return bad(400, 10100, "filtered consumer not unique on workqueue stream");
                        }
                    }
                }
            }
            if self.deliver_policy != DeliverPolicy::All {
                return bad(400, 10101, "consumer must be deliver all on workqueue stream");
            }
        }
        Ok(())
    }

    /// What an update may not change (`checkNewConsumerConfig`): the server's error, or
    /// `None`. `deliver_bound`: someone is subscribed to the current deliver subject.
    pub fn update_error(&self, new: &ConsumerConfig, deliver_bound: bool) -> Option<JsError> {
        let e = |m: &str| Some(JsError::api(500, 10012, m));
        if self.deliver_policy != new.deliver_policy {
            return e("deliver policy can not be updated");
        }
        if self.opt_start_seq != new.opt_start_seq {
            return e("start sequence can not be updated");
        }
        if self.opt_start_time != new.opt_start_time {
            return e("start time can not be updated");
        }
        if self.ack_policy != new.ack_policy {
            return e("ack policy can not be updated");
        }
        if self.max_waiting != new.max_waiting {
            return e("max waiting can not be updated");
        }
        if self.deliver_subject != new.deliver_subject {
            if self.deliver_subject.is_none() {
                return e("can not update pull consumer to push based");
            }
            if new.deliver_subject.is_none() {
                return e("can not update push consumer to pull based");
            }
            if deliver_bound {
                return Some(JsError::api(400, 10013, "consumer name already in use"));
            }
        }
        None
    }

    /// Pull consumer.
    pub fn pull(&self) -> bool {
        self.deliver_subject.is_none()
    }

    /// Whether a stored subject passes the filter.
    pub fn wants(&self, subj: &str) -> bool {
        self.filter_subject.as_ref().is_none_or(|f| subject::matches(f, subj))
    }

    /// `max_ack_pending` as a limit (0 = none).
    pub fn maxp(&self) -> usize {
        self.max_ack_pending.filter(|&n| n > 0).map_or(0, |n| n as usize)
    }
}

impl Consumer {
    /// A new consumer at its start position (`selectStartingSeqNo`, JS §3.4).
    pub fn new(stream_idx: usize, stream: &Stream, cfg: ConsumerConfig, now: SimTime, dthresh_ms: u64) -> Consumer {
        let (first, last) = (stream.first_seq, stream.last_seq);
        let mut lss = None;
        let mut sseq = match cfg.deliver_policy {
            DeliverPolicy::All => first,
            DeliverPolicy::Last => match &cfg.filter_subject {
                Some(_) => stream.msgs.iter().rev().find(|(_, m)| cfg.wants(&m.subject)).map_or(last + 1, |(s, _)| *s),
                None => last,
            },
            DeliverPolicy::New => last + 1,
            DeliverPolicy::ByStartSequence => cfg.opt_start_seq.unwrap_or(1),
            DeliverPolicy::ByStartTime => {
                let t = cfg.opt_start_time.unwrap_or(0);
                stream.msgs.iter().find(|(_, m)| m.ts >= t).map_or(last + 1, |(s, _)| *s)
            }
            DeliverPolicy::LastPerSubject => {
                let mut lasts: BTreeMap<&Name, u64> = BTreeMap::new();
                for (s, m) in &stream.msgs {
                    if cfg.wants(&m.subject) {
                        lasts.insert(&m.subject, *s);
                    }
                }
                let mut seqs: Vec<u64> = lasts.into_values().collect();
                seqs.sort_unstable();
                let first_skip = seqs.first().copied();
                if !seqs.is_empty() {
                    lss = Some((seqs.into_iter().collect(), last + 1));
                }
                first_skip.unwrap_or(last + 1)
            }
        };
        if stream.msgs.is_empty() && last == 0 {
            sseq = 1;
        } else if sseq < first {
            sseq = first;
        } else if sseq > last + 1 {
            sseq = last + 1;
        }
        Consumer {
            stream: stream_idx,
            name: cfg.durable_name.clone().or_else(|| cfg.name.clone()).unwrap_or_default(),
            cfg,
            created: now,
            sseq,
            dseq: 1,
            pending: BTreeMap::new(),
            rdc: BTreeMap::new(),
            rdc_made: false,
            rdq: VecDeque::new(),
            adflr: 0,
            asflr: sseq.saturating_sub(1),
            waiting: VecDeque::new(),
            ack_timer: 0,
            gens: 0,
            active: false,
            delete_timer: 0,
            dthresh_ms,
            last_activity: now,
            deleted: false,
            lss,
            last_delivered: None,
            last_acked: None,
        }
    }

    /// A fresh timer generation.
    pub fn gen(&mut self) -> u64 {
        self.gens += 1;
        self.gens
    }

    /// Messages matching the filter at or after `sseq`, not yet delivered (`num_pending`).
    pub fn num_pending(&self, stream: &Stream) -> u64 {
        if let Some((seqs, _)) = &self.lss {
            return seqs.len() as u64;
        }
        match &self.cfg.filter_subject {
            None => stream.msgs.range(self.sseq..).count() as u64,
            Some(_) => stream.msgs.range(self.sseq..).filter(|(_, m)| self.cfg.wants(&m.subject)).count() as u64,
        }
    }

    /// Whether this consumer still needs stream seq `seq` (interest retention, `needAck`).
    pub fn needs(&self, seq: u64, subj: &str) -> bool {
        if !self.cfg.wants(subj) {
            return false;
        }
        match self.cfg.ack_policy {
            AckPolicy::None | AckPolicy::All => seq > self.asflr,
            AckPolicy::Explicit => seq > self.asflr && (seq >= self.sseq || self.pending.contains_key(&seq)),
        }
    }
}
