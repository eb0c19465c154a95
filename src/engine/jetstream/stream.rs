//! A stream: its filled-in config, stored messages, limits, dedupe window and byte accounting
//! (jetstream-semantics.md §2). Data and store rules only; consumers live in `consumer.rs`.

use super::scenario::{Discard, Retention, Storage, StreamSpec};
use super::subject;
use super::trace::JsError;
use crate::engine::ids::Name;
use crate::engine::time::SimTime;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The config as the server filled it in (`checkStreamCfg`).
#[derive(Clone, Debug, PartialEq)]
pub struct StreamConfig {
    /// Name.
    pub name: Name,
    /// Subjects.
    pub subjects: Vec<Name>,
    /// Retention.
    pub retention: Retention,
    /// -1 = unlimited.
    pub max_msgs: i64,
    /// -1 = unlimited.
    pub max_bytes: i64,
    /// ms, 0 = unlimited.
    pub max_age_ms: u64,
    /// -1 = unlimited.
    pub max_msgs_per_subject: i64,
    /// Discard.
    pub discard: Discard,
    /// Storage.
    pub storage: Storage,
    /// ms.
    pub duplicate_window_ms: u64,
}

/// One stored message.
#[derive(Clone, Debug)]
pub struct StoredMsg {
    /// Subject.
    pub subject: Name,
    /// Payload.
    pub data: Arc<str>,
    /// Header length (the headers nats.js sends, [`header_len`], or 0).
    pub hdr_len: usize,
    /// Stored at.
    pub ts: SimTime,
}

/// A stream and its messages.
#[derive(Clone, Debug)]
pub struct Stream {
    /// Config.
    pub cfg: StreamConfig,
    /// Created at.
    pub created: SimTime,
    /// Stored messages by seq.
    pub msgs: BTreeMap<u64, StoredMsg>,
    /// Last seq used.
    pub last_seq: u64,
    /// Time of the last store.
    pub last_ts: SimTime,
    /// First seq (0 before the first store, then last+1 when empty).
    pub first_seq: u64,
    /// Stored bytes.
    pub bytes: u64,
    /// Messages per subject.
    pub per_subject: BTreeMap<Name, u64>,
    /// Dedupe map: msg id → (seq, stored at).
    pub dedupe: HashMap<Name, (u64, SimTime)>,
    /// The max-age timer's generation (0 = not armed).
    pub age_gen: u64,
    /// A memory stream a server restart lost: it no longer exists (kept in place so that
    /// indexes stay valid; nothing finds it by name or subject).
    pub lost: bool,
}

const HDR_LINE: usize = "NATS/1.0\r\n".len();

/// The length of the headers nats.js's `js.publish` sends for `msgID` and
/// `expect.lastSubjectSequence`, in its order (`NATS/1.0\r\n`, a `key: value\r\n` line each,
/// then `\r\n`), or 0 without either: what file storage counts (JS §2.4).
pub fn header_len(msg_id: Option<&Name>, expected_last_subject_seq: Option<u64>) -> usize {
    let id = msg_id.map_or(0, |id| "Nats-Msg-Id: ".len() + id.len() + 2);
    let expect = expected_last_subject_seq.map_or(0, |n| "Nats-Expected-Last-Subject-Sequence: ".len() + n.to_string().len() + 2);
    if id + expect == 0 {
        0
    } else {
        HDR_LINE + id + expect + 2
    }
}

impl StreamConfig {
    /// Fills in the server's defaults and checks the config (JS §2.1).
    pub fn fill(s: &StreamSpec) -> Result<StreamConfig, JsError> {
        let invalid = |m: &str| JsError::api(500, 10052, m);
        if !subject::valid_name(&s.stream) {
            return Err(invalid("stream name is required and can not contain '.', '*', '>'"));
        }
        if s.stream.contains(['/', '\\']) {
            return Err(JsError::api(400, 10128, "Stream name can not contain path separators"));
        }
        if s.stream.len() > 255 {
            return Err(invalid("stream name is too long, maximum allowed is 255"));
        }
        let neg = |v: Option<i64>| match v {
            None | Some(0) => -1,
            Some(n) => n,
        };
        let max_age_ms = s.max_age_ms.unwrap_or(0);
        let duplicate_window_ms = match s.duplicate_window_ms {
            None | Some(0) if max_age_ms != 0 && max_age_ms < 120_000 => max_age_ms,
            None | Some(0) => 120_000,
            Some(d) => d,
        };
        if max_age_ms > 0 && max_age_ms < 100 {
            return Err(invalid("max age needs to be >= 100ms"));
        }
        if max_age_ms != 0 && duplicate_window_ms > max_age_ms {
            return Err(invalid("duplicates window can not be larger then max age"));
        }
        if duplicate_window_ms > 0 && duplicate_window_ms < 100 {
            return Err(invalid("duplicates window needs to be >= 100ms"));
        }
        let subjects = match &s.subjects {
            Some(v) if !v.is_empty() => v.clone(),
            _ => vec![s.stream.clone()],
        };
        for x in &subjects {
            if !subject::valid_subject(x) {
                return Err(invalid(&format!("invalid subject {:?}", &**x)));
            }
        }
        for a in &subjects {
            for b in &subjects {
                if a != b && subject::collide(a, b) {
                    return Err(invalid(&format!("subject {:?} overlaps with {:?}", &**a, &**b)));
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for x in &subjects {
            if !seen.insert(x.clone()) {
                return Err(invalid("duplicate subjects detected"));
            }
        }
        Ok(StreamConfig {
            name: s.stream.clone(),
            subjects,
            retention: s.retention.unwrap_or(Retention::Limits),
            max_msgs: neg(s.max_msgs),
            max_bytes: neg(s.max_bytes),
            max_age_ms,
            max_msgs_per_subject: neg(s.max_msgs_per_subject),
            discard: s.discard.unwrap_or(Discard::Old),
            storage: s.storage.unwrap_or(Storage::File),
            duplicate_window_ms,
        })
    }

    /// Whether the stream captures `subj`.
    pub fn captures(&self, subj: &str) -> bool {
        self.subjects.iter().any(|f| subject::matches(f, subj))
    }
}

/// Why a store was refused or a message left.
pub enum StoreResult {
    /// Stored with this seq; the seqs removed by limits, with the limit's name.
    Stored(u64, Vec<(u64, &'static str)>),
    /// A duplicate of this seq.
    Duplicate(u64),
    /// Refused.
    Refused(JsError),
}

impl Stream {
    /// An empty stream.
    pub fn new(cfg: StreamConfig, now: SimTime) -> Stream {
        Stream {
            cfg,
            created: now,
            msgs: BTreeMap::new(),
            last_seq: 0,
            last_ts: 0,
            first_seq: 0,
            bytes: 0,
            per_subject: BTreeMap::new(),
            dedupe: HashMap::new(),
            age_gen: 0,
            lost: false,
        }
    }

    /// The stored size of a message (JS §2.4: file or memory accounting).
    pub fn size(&self, subject: &str, hdr_len: usize, data_len: usize) -> u64 {
        (match self.cfg.storage {
            Storage::Memory => subject.len() + hdr_len + data_len + 16,
            Storage::File if hdr_len == 0 => 22 + subject.len() + data_len + 8,
            Storage::File => 22 + subject.len() + 4 + hdr_len + data_len + 8,
        }) as u64
    }

    /// A live dedupe entry for `id`.
    pub fn duplicate_of(&self, id: &str, now: SimTime) -> Option<u64> {
        self.dedupe.get(id).filter(|(_, ts)| now.saturating_sub(*ts) < self.cfg.duplicate_window_ms).map(|(s, _)| *s)
    }

    /// Uses a sequence without storing anything (interest retention, no interest).
    pub fn skip(&mut self, now: SimTime, msg_id: Option<&Name>) -> u64 {
        self.last_seq += 1;
        self.last_ts = now;
        if self.msgs.is_empty() {
            self.first_seq = self.last_seq + 1;
        }
        if let Some(id) = msg_id {
            self.dedupe.insert(id.clone(), (self.last_seq, now));
        }
        self.last_seq
    }

    /// Stores a message under the stream's limits (discard new refuses; discard old evicts).
    pub fn store(&mut self, subject: &Name, data: &Arc<str>, msg_id: Option<&Name>, hdr_len: usize, now: SimTime) -> StoreResult {
        let per_subject_full = self.cfg.max_msgs_per_subject > 0 && self.per_subject.get(subject).copied().unwrap_or(0) >= self.cfg.max_msgs_per_subject as u64;
        if self.cfg.discard == Discard::New && !per_subject_full {
            if self.cfg.max_msgs > 0 && self.msgs.len() as u64 >= self.cfg.max_msgs as u64 {
                return StoreResult::Refused(JsError::api(503, 10077, "maximum messages exceeded"));
            }
            if self.cfg.max_bytes > 0 && self.bytes + (hdr_len + data.len()) as u64 >= self.cfg.max_bytes as u64 {
                return StoreResult::Refused(JsError::api(503, 10077, "maximum bytes exceeded"));
            }
        }
        self.last_seq += 1;
        let seq = self.last_seq;
        self.last_ts = now;
        if self.msgs.is_empty() {
            self.first_seq = seq;
        }
        self.bytes += self.size(subject, hdr_len, data.len());
        self.msgs.insert(seq, StoredMsg { subject: subject.clone(), data: data.clone(), hdr_len, ts: now });
        *self.per_subject.entry(subject.clone()).or_insert(0) += 1;
        if let Some(id) = msg_id {
            self.dedupe.insert(id.clone(), (seq, now));
        }
        let mut removed = Vec::new();
        if self.cfg.max_msgs_per_subject > 0 {
            while self.per_subject.get(subject).copied().unwrap_or(0) > self.cfg.max_msgs_per_subject as u64 {
                let Some(old) = self.msgs.iter().find(|(_, m)| m.subject == *subject).map(|(s, _)| *s) else { break };
                self.remove(old);
                removed.push((old, "max_msgs_per_subject"));
            }
        }
        while self.cfg.max_msgs > 0 && self.msgs.len() as u64 > self.cfg.max_msgs as u64 {
            let Some(&old) = self.msgs.keys().next() else { break };
            self.remove(old);
            removed.push((old, "max_msgs"));
        }
        while self.cfg.max_bytes > 0 && self.bytes > self.cfg.max_bytes as u64 {
            let Some(&old) = self.msgs.keys().next() else { break };
            self.remove(old);
            removed.push((old, "max_bytes"));
        }
        StoreResult::Stored(seq, removed)
    }

    /// The seq of the last message stored on `subject`, 0 if none is (`LoadLastMsg`).
    pub fn last_seq_of(&self, subject: &str) -> u64 {
        if !self.per_subject.contains_key(subject) {
            return 0;
        }
        self.msgs.iter().rev().find(|(_, m)| &*m.subject == subject).map_or(0, |(s, _)| *s)
    }

    /// Removes one message; returns it.
    pub fn remove(&mut self, seq: u64) -> Option<StoredMsg> {
        let m = self.msgs.remove(&seq)?;
        self.bytes -= self.size(&m.subject, m.hdr_len, m.data.len());
        if let Some(n) = self.per_subject.get_mut(&m.subject) {
            *n -= 1;
            if *n == 0 {
                self.per_subject.remove(&m.subject);
            }
        }
        self.first_seq = self.msgs.keys().next().copied().unwrap_or(self.last_seq + 1);
        Some(m)
    }

    /// Messages removed from the middle (`num_deleted`).
    pub fn num_deleted(&self) -> u64 {
        if self.msgs.is_empty() {
            0
        } else {
            (self.last_seq - self.first_seq + 1) - self.msgs.len() as u64
        }
    }
}
