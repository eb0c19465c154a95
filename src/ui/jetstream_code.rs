//! The nats.js 2.x code behind each node of the JetStream board (tested natively): the
//! stream and consumer as `jetstreamManager()` creates them, the same consumer as
//! `consumerOpts()` would make it from a subscriber, and the subscriber or pull worker with
//! its handler. Names and payloads come from the scenario: they are quoted as JSON strings,
//! so nothing in them can end a string.

use crate::engine::jetstream::consumer::ConsumerConfig;
use crate::engine::jetstream::scenario::{AckMode, AckPolicy, DeliverPolicy, Discard, Listener, Reply, Retention, Storage};
use crate::engine::jetstream::stream::StreamConfig;
use crate::engine::scenario::Handler;
use crate::json::write::quoted as q;

/// `await jsm.streams.add({ … })` with the fields that differ from the server's defaults.
pub fn stream_code(c: &StreamConfig) -> String {
    let mut f = vec![format!("name: {}", q(&c.name)), format!("subjects: [{}]", c.subjects.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))];
    match c.retention {
        Retention::Limits => {}
        Retention::Interest => f.push("retention: RetentionPolicy.Interest".into()),
        Retention::WorkQueue => f.push("retention: RetentionPolicy.Workqueue".into()),
    }
    if c.discard == Discard::New {
        f.push("discard: DiscardPolicy.New".into());
    }
    for (k, v) in [("max_msgs", c.max_msgs), ("max_bytes", c.max_bytes), ("max_msgs_per_subject", c.max_msgs_per_subject)] {
        if v != -1 {
            f.push(format!("{k}: {v}"));
        }
    }
    if c.max_age_ms > 0 {
        f.push(format!("max_age: nanos({})", c.max_age_ms));
    }
    if c.storage == Storage::Memory {
        f.push("storage: StorageType.Memory".into());
    }
    format!("const jsm = await nc.jetstreamManager();\nawait jsm.streams.add({{\n  {},\n}});", f.join(",\n  "))
}

fn ack_policy(p: AckPolicy) -> &'static str {
    match p {
        AckPolicy::Explicit => "AckPolicy.Explicit",
        AckPolicy::All => "AckPolicy.All",
        AckPolicy::None => "AckPolicy.None",
    }
}

/// The consumer as the operator adds it, and the same as a subscriber's `consumerOpts()`.
pub fn consumer_code(stream: &str, c: &ConsumerConfig) -> String {
    let name = c.durable_name.clone().or_else(|| c.name.clone()).unwrap_or_default();
    let mut f = vec![if c.durable_name.is_some() { format!("durable_name: {}", q(&name)) } else { format!("name: {}", q(&name)) }];
    if let Some(d) = &c.deliver_subject {
        f.push(format!("deliver_subject: {}", q(d)));
    }
    if let Some(g) = &c.deliver_group {
        f.push(format!("deliver_group: {}", q(g)));
    }
    f.push(format!("ack_policy: {}", ack_policy(c.ack_policy)));
    if let Some(w) = c.ack_wait_ms {
        f.push(format!("ack_wait: nanos({w})"));
    }
    if c.max_deliver > 0 {
        f.push(format!("max_deliver: {}", c.max_deliver));
    }
    if let Some(m) = c.max_ack_pending {
        f.push(format!("max_ack_pending: {m}"));
    }
    if let Some(s) = &c.filter_subject {
        f.push(format!("filter_subject: {}", q(s)));
    }
    let mut out = format!("await jsm.consumers.add({}, {{\n  {},\n}});", q(stream), f.join(",\n  "));
    if c.deliver_subject.is_some() {
        // What a subscriber's options would create instead.
        let mut o = vec!["consumerOpts()".to_string()];
        o.push(format!(".durable({})", q(&name)));
        if let Some(d) = &c.deliver_subject {
            o.push(format!(".deliverTo({})", q(d)));
        }
        if let Some(g) = &c.deliver_group {
            o.push(format!(".queue({})", q(g)));
        }
        o.push(
            match c.deliver_policy {
                DeliverPolicy::All => ".deliverAll()".into(),
                DeliverPolicy::Last => ".deliverLast()".into(),
                DeliverPolicy::New => ".deliverNew()".into(),
                DeliverPolicy::ByStartSequence => format!(".startSequence({})", c.opt_start_seq.unwrap_or(0)),
                DeliverPolicy::ByStartTime => ".startTime(date)".into(),
                DeliverPolicy::LastPerSubject => ".deliverLastPerSubject()".into(),
            }
            .to_string(),
        );
        o.push(
            match c.ack_policy {
                AckPolicy::Explicit => ".ackExplicit().manualAck()",
                AckPolicy::All => ".ackAll().manualAck()",
                AckPolicy::None => ".ackNone()",
            }
            .into(),
        );
        if let Some(w) = c.ack_wait_ms {
            o.push(format!(".ackWait({w})"));
        }
        if let Some(m) = c.max_ack_pending {
            o.push(format!(".maxAckPending({m})"));
        }
        if c.max_deliver > 0 {
            o.push(format!(".maxDeliver({})", c.max_deliver));
        }
        out.push_str(&format!("\n// or made by the first subscriber:\nconst opts = {};", o.join("\n  ")));
    }
    out
}

fn answer(r: Reply) -> String {
    super::jetstream_gesture::reply_call(r)
}

/// The handler's body: the work, then the answer as the listener sends it.
fn handler_body(l: &Listener) -> String {
    let work = match (l.handler, l.process_ms) {
        (_, 0) => "handle(m.json());".to_string(),
        (Handler::Async, ms) => format!("await handle(m.json()); // about {ms} ms"),
        (Handler::Sync, ms) => format!("handleSync(m.json()); // blocks {ms} ms"),
    };
    let progress = if l.progress_ms > 0 { format!("\n    const t = setInterval(() => m.working(), {});", l.progress_ms) } else { String::new() };
    let stop = if l.progress_ms > 0 { "\n    clearInterval(t);" } else { "" };
    match l.ack {
        AckMode::Manual => {
            let fail = l
                .on_fail
                .map(|r| format!("\n  }} catch (e) {{\n    {};", answer(r)))
                .unwrap_or_else(|| "\n  } catch (e) {\n    // no answer: the message waits for ack wait".to_string());
            format!("  try {{{progress}\n    {work}{stop}\n    m.ack();{fail}\n  }}")
        }
        AckMode::Auto => format!("  {work} // nats.js acks when the callback returns"),
        AckMode::None => format!("  {work} // never answers"),
    }
}

/// A push subscriber bound to its consumer, or a pull worker's fetch.
pub fn listener_code(stream: &str, consumer: &str, queue: Option<&str>, pull: bool, l: &Listener) -> String {
    if pull {
        return format!(
            "const c = await js.consumers.get({}, {});\nconst iter = await c.fetch({{ max_messages: 1, expires: 30000 }});\nfor await (const m of iter) {{\n{}\n}}",
            q(stream),
            q(consumer),
            handler_body(l)
        );
    }
    let mut o = format!("const opts = consumerOpts();\nopts.bind({}, {});", q(stream), q(consumer));
    if let Some(g) = queue {
        o.push_str(&format!("\nopts.queue({});", q(g)));
    }
    if l.ack != AckMode::Auto {
        o.push_str("\nopts.manualAck();");
    }
    let asyn = if l.handler == Handler::Async { "async " } else { "" };
    format!("{o}\nopts.callback({asyn}(err, m) => {{\n{}\n}});\nconst sub = await js.subscribe(\">\", opts);", handler_body(l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jetstream::{JsScenario, JsSession};
    use crate::engine::RunLimits;

    #[test]
    fn the_group_kill_consumer_is_shown_as_jsm_and_as_consumer_opts() {
        let s = JsSession::new(JsScenario::parse(include_str!("../../tests/jetstream/scenarios/group-kill.json")).unwrap(), RunLimits::default());
        let sim = s.at(100);
        let c = &sim.server().consumers[0];
        let code = consumer_code("ticket", &c.cfg);
        assert!(code.starts_with("await jsm.consumers.add(\"ticket\", {\n  durable_name: \"orders\",\n  deliver_subject: \"_deliver.ticket.orders\",\n  deliver_group: \"orders-service\",\n  ack_policy: AckPolicy.Explicit,\n  ack_wait: nanos(2000),"), "{code}");
        assert!(code.contains("consumerOpts()\n  .durable(\"orders\")\n  .deliverTo(\"_deliver.ticket.orders\")\n  .queue(\"orders-service\")\n  .deliverAll()\n  .ackExplicit().manualAck()\n  .ackWait(2000)"), "{code}");
        let stream = stream_code(&sim.server().streams[0].cfg);
        assert_eq!(stream, "const jsm = await nc.jetstreamManager();\nawait jsm.streams.add({\n  name: \"ticket\",\n  subjects: [\"ticket.>\"],\n});");
    }

    #[test]
    fn a_manual_listener_that_naks_on_failure_says_so_and_names_are_quoted() {
        let l = Listener { process_ms: 100, on_fail: Some(Reply::NakDelay(1000)), ..Listener::default() };
        let code = listener_code("S", "c\"); evil(\"", Some("g"), false, &l);
        assert!(code.contains("opts.bind(\"S\", \"c\\\"); evil(\\\"\");"), "{code}");
        assert!(code.contains("opts.queue(\"g\");\nopts.manualAck();\nopts.callback(async (err, m) => {\n  try {\n    await handle(m.json()); // about 100 ms\n    m.ack();\n  } catch (e) {\n    m.nak(1000);\n  }\n});"), "{code}");
        let auto = Listener { ack: AckMode::Auto, ..Listener::default() };
        assert!(listener_code("S", "c", None, false, &auto).contains("handle(m.json()); // nats.js acks when the callback returns"));
        assert!(listener_code("S", "p", None, true, &Listener::default())
            .starts_with("const c = await js.consumers.get(\"S\", \"p\");\nconst iter = await c.fetch("));
    }
}
