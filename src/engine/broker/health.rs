//! Client registration and health: connect (with the duplicate-id check), the server's
//! heartbeat loop, client pings, and closing a client (`connectCB`, `isDuplicateConnect`,
//! `checkClientHealth`, `processClientPings`, `closeClient`; stan-semantics §3, §9, §10).

use super::client::ClientRec;
use super::{Broker, Effect, Fx, PendingReq, ServerTimer};
use crate::engine::config::ServerConfig;
use crate::engine::errors as e;
use crate::engine::ids::{Name, ProcId};
use crate::engine::trace::{CloseReason, SubCloseReason, TraceKind};

/// How a connect request ends right away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectOutcome {
    /// Registered (`connected` traced).
    Connected,
    /// Refused with the server's error text.
    Refused(Name),
    /// The id is registered: the old owner is being pinged; the answer comes as
    /// [`Effect::ConnectDone`].
    Checking,
}

impl Broker {
    /// A connect request from process `proc` (`connectCB`).
    pub fn connect(&mut self, fx: &mut Fx, proc: ProcId, client: &Name, hb_inbox: String) -> ConnectOutcome {
        if !e::client_id_valid(client) {
            fx.log(format!("[ERR] STREAM: [Client:{client}] Invalid ClientID, only alphanumeric and `-` or `_` characters allowed"));
            return ConnectOutcome::Refused(e::INVALID_CLIENT_ID.into());
        }
        let Some(old) = self.clients.get(client) else {
            self.register(fx, proc, client, hb_inbox, false);
            return ConnectOutcome::Connected;
        };
        if self.dup_checking.contains(client) {
            fx.log(format!("[DBG] STREAM: [Client:{client}] Connect failed; already connected"));
            return ConnectOutcome::Refused(e::CLIENT_ID_REGISTERED.into());
        }
        let (old_proc, reg) = (old.proc, old.reg);
        self.dup_checking.insert(client.clone());
        let req = self.new_req(PendingReq::DupCheck { client: client.clone(), reg, proc, hb_inbox });
        fx.out.push(Effect::HbRequest { proc: old_proc, req });
        fx.timer(ServerConfig::DUP_CID_TIMEOUT_MS, ServerTimer::RequestTimeout { req });
        ConnectOutcome::Checking
    }

    fn register(&mut self, fx: &mut Fx, proc: ProcId, client: &Name, hb_inbox: String, replaced: bool) {
        let reg = self.next_reg;
        self.next_reg += 1;
        let line = if replaced { "Replaced old client" } else { "Connected" };
        fx.log(format!("[DBG] STREAM: [Client:{client}] {line} (Inbox={hb_inbox})"));
        self.clients.insert(
            client.clone(),
            ClientRec { id: client.clone(), reg, proc, hb_inbox, subs: Vec::new(), fhb: 0, hb_gen: 1, hb_inflight: None, since: fx.now },
        );
        fx.trace(TraceKind::Connected { client: client.clone(), replaced });
        fx.timer(self.cfg.hb_interval_ms, ServerTimer::Heartbeat { client: client.clone(), gen: 1 });
    }

    pub(super) fn on_heartbeat_timer(&mut self, fx: &mut Fx, client: &Name, gen: u64) {
        let Some(rec) = self.clients.get(client) else { return };
        if rec.hb_gen != gen || rec.hb_inflight.is_some() {
            return;
        }
        let (proc, reg) = (rec.proc, rec.reg);
        let req = self.new_req(PendingReq::Heartbeat { client: client.clone(), reg });
        self.clients.get_mut(client).expect("client").hb_inflight = Some(req);
        fx.out.push(Effect::HbRequest { proc, req });
        fx.timer(self.cfg.hb_timeout_ms, ServerTimer::RequestTimeout { req });
    }

    /// The outcome of a request to a heartbeat inbox: answered (`ok`), timed out, or failed at
    /// once for lack of responders. Late or repeated outcomes are ignored.
    pub fn hb_result(&mut self, fx: &mut Fx, req: u64, ok: bool) {
        let Some(r) = self.reqs.remove(&req) else { return };
        match r {
            PendingReq::Heartbeat { client, reg } => self.heartbeat_done(fx, &client, reg, ok),
            PendingReq::DupCheck { client, reg, proc, hb_inbox } => {
                self.dup_checking.remove(&client);
                if ok {
                    fx.log(format!("[DBG] STREAM: [Client:{client}] Connect failed; already connected"));
                    fx.out.push(Effect::ConnectDone { proc, result: Err(e::CLIENT_ID_REGISTERED.into()) });
                    return;
                }
                let replaced = self.clients.get(&client).is_some_and(|c| c.reg == reg);
                if replaced {
                    self.close_client(fx, &client, CloseReason::Replaced);
                }
                self.register(fx, proc, &client, hb_inbox, replaced);
                fx.out.push(Effect::ConnectDone { proc, result: Ok(()) });
            }
        }
    }

    fn heartbeat_done(&mut self, fx: &mut Fx, client: &Name, reg: u64, ok: bool) {
        let hbf = self.cfg.hb_fail_count;
        let hbi = self.cfg.hb_interval_ms;
        let Some(rec) = self.clients.get_mut(client) else { return };
        if rec.reg != reg {
            return;
        }
        rec.hb_inflight = None;
        let had_failed = rec.fhb > 0;
        if ok {
            rec.fhb = 0;
        } else {
            rec.fhb += 1;
        }
        fx.trace(TraceKind::Heartbeat { client: client.clone(), ok, failures: rec.fhb });
        if rec.fhb > hbf {
            fx.log(format!("[ERR] STREAM: [Client:{client}] Timed out on heartbeats"));
            self.close_client(fx, client, CloseReason::Heartbeat);
            return;
        }
        rec.hb_gen += 1;
        fx.timer(hbi, ServerTimer::Heartbeat { client: client.clone(), gen: rec.hb_gen });
        let failed = rec.fhb > 0;
        if failed != had_failed {
            let ids = rec.subs.clone();
            for id in ids {
                if let Some(s) = self.subs.get_mut(id) {
                    s.has_failed_hb = failed;
                }
            }
        }
    }

    /// A client ping (`processClientPings`): `Err` when the connection is not registered. A
    /// client with failed heartbeats is re-checked at once.
    pub fn ping(&mut self, fx: &mut Fx, proc: ProcId, client: &Name) -> Result<(), Name> {
        match self.clients.get_mut(client) {
            Some(rec) if rec.proc == proc => {
                if rec.fhb > 0 && rec.hb_inflight.is_none() {
                    rec.hb_gen += 1;
                    fx.timer(1, ServerTimer::Heartbeat { client: client.clone(), gen: rec.hb_gen });
                }
                Ok(())
            }
            _ => Err(e::PING_UNKNOWN.into()),
        }
    }

    /// A close request (`processCloseRequest`). It names only the client id, so a replaced
    /// process closing late closes whoever holds that id now, as the real server does.
    pub fn close_request(&mut self, fx: &mut Fx, client: &Name) -> Result<(), Name> {
        if !self.clients.contains_key(client) {
            fx.log(format!("[ERR] STREAM: Unknown client {} in close request", crate::text::quote(client)));
            return Err(e::UNKNOWN_CLIENT.into());
        }
        self.close_client(fx, client, CloseReason::Close);
        Ok(())
    }

    /// `closeClient`: unregisters the client, then removes its subscriptions like a close
    /// (durables suspended, queue members' pending moved, last durable member → shadow).
    pub(super) fn close_client(&mut self, fx: &mut Fx, client: &Name, reason: CloseReason) {
        let Some(rec) = self.clients.remove(client) else { return };
        let mut channels: Vec<Name> = Vec::new();
        for id in &rec.subs {
            let Some(s) = self.subs.get(*id) else { continue };
            let (channel, handle) = (s.channel.clone(), s.handle_name.clone());
            let kept = self.remove_sub(fx, *id, false);
            fx.trace(TraceKind::SubClosed { client: client.clone(), sub: handle, channel: channel.clone(), reason: SubCloseReason::ClientClosed, kept });
            if !channels.contains(&channel) {
                channels.push(channel);
            }
        }
        for c in &channels {
            self.maybe_start_delete_timer(fx, c);
        }
        fx.log(format!("[DBG] STREAM: [Client:{client}] Closed (Inbox={})", rec.hb_inbox));
        fx.trace(TraceKind::ClientClosed { client: client.clone(), reason });
    }
}
