//! JetStream mode against the measurements of jetstream-semantics.md (nats-server 2.9.10):
//! each test names the times, sequences and counters the real server showed. The model's
//! timers carry the server's own +1 ms per ack-timer round, not the measured 1–3 ms of
//! scheduling on a loaded machine.

use natsim::engine::jetstream::{JsScenario, JsSim};
use natsim::output::run_js_to_string;
use serde_json::{json, Value};

fn run(s: Value) -> (Vec<Value>, Value) {
    let sc = JsScenario::from_value(&s).expect("valid scenario");
    let mut sim = JsSim::new(sc);
    let out = run_js_to_string(&mut sim).expect("runs");
    let v: Value = serde_json::from_str(&out).expect("json");
    (v["trace"].as_array().unwrap().clone(), v["monitor"]["jsz"].clone())
}

fn scenario(until: u64, actions: Value) -> Value {
    json!({"seed": 1, "until_ms": until, "server": {"kind": "jetstream"}, "actions": actions})
}

fn events<'a>(t: &'a [Value], kind: &str) -> Vec<&'a Value> {
    t.iter().filter(|e| e["event"] == kind).collect()
}

/// (t, seq, num_delivered, consumer_seq) of every delivery.
fn deliveries(t: &[Value]) -> Vec<(u64, u64, u64, u64)> {
    events(t, "delivered")
        .iter()
        .map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap(), e["num_delivered"].as_u64().unwrap(), e["consumer_seq"].as_u64().unwrap()))
        .collect()
}

fn consumer(jsz: &Value, i: usize) -> Value {
    jsz["account_details"][0]["stream_detail"][0]["consumer_detail"][i].clone()
}

#[test]
fn an_unacked_message_comes_back_after_each_ack_wait_with_a_new_consumer_seq() {
    // JS §6.1, p01: ack_wait 1 s, three messages 300 ms apart, never acked.
    let (t, jsz) = run(scenario(
        3500,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "AW", "subjects": ["aw.>"]},
            {"at_ms": 0, "do": "add_consumer", "stream": "AW", "consumer": "c", "deliver_subject": "dlv.aw", "ack_wait_ms": 1000},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s", "stream": "AW", "consumer": "c", "ack": "none"},
            {"at_ms": 0, "do": "publish", "client": "a", "subject": "aw.1", "data": "m", "count": 3, "every_ms": 300}
        ]),
    ));
    let d = deliveries(&t);
    assert_eq!(&d[..6], &[(0, 1, 1, 1), (300, 2, 1, 2), (600, 3, 1, 3), (1001, 1, 2, 4), (1301, 2, 2, 5), (1601, 3, 2, 6)]);
    assert_eq!(d[6], (2002, 1, 3, 7), "the timer re-arms for the next deadline + 1 ms");
    let c = consumer(&jsz, 0);
    assert_eq!(c["num_ack_pending"], 3);
    assert_eq!(c["num_redelivered"], 3);
    assert_eq!(c["ack_floor"], json!({"consumer_seq": 0, "stream_seq": 0}));
    assert_eq!(c["push_bound"], true);
    assert_eq!(c["config"]["ack_wait"], 1_000_000_000u64);
    assert_eq!(c["config"]["max_ack_pending"], 1000);
}

#[test]
fn max_deliver_drops_the_message_at_the_redelivery_it_would_exceed() {
    // JS §6.5: max_deliver 3, ack_wait 1 s: deliveries 1..3 then the advisory, ack floor unmoved
    // (measured: 1, 1003, 2006 ms, advisory at 3007–3009 ms).
    let (t, jsz) = run(scenario(
        4500,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "MD"},
            {"at_ms": 0, "do": "add_consumer", "stream": "MD", "consumer": "c", "ack_wait_ms": 1000, "max_deliver": 3},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s", "stream": "MD", "consumer": "c", "ack": "none"},
            {"at_ms": 1, "do": "publish", "client": "a", "subject": "MD", "data": "x"}
        ]),
    ));
    assert_eq!(deliveries(&t), vec![(1, 1, 1, 1), (1002, 1, 2, 2), (2004, 1, 3, 3)], "with nothing else due the timer re-arms at ack_wait + 2 ms");
    let adv = events(&t, "max_deliveries");
    assert_eq!(adv.len(), 1);
    assert_eq!((adv[0]["t"].as_u64(), adv[0]["stream_seq"].as_u64(), adv[0]["deliveries"].as_u64()), (Some(3006), Some(1), Some(3)));
    let c = consumer(&jsz, 0);
    assert_eq!((c["num_ack_pending"].as_u64(), c["num_redelivered"].as_u64()), (Some(0), Some(1)));
    assert_eq!(c["ack_floor"], json!({"consumer_seq": 0, "stream_seq": 0}));
}

#[test]
fn max_ack_pending_stalls_new_messages_until_acks_come() {
    // JS §4.3: limit 2, six published at once, each acked 500 ms after receipt.
    let (t, jsz) = run(scenario(
        1200,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "MP"},
            {"at_ms": 0, "do": "add_consumer", "stream": "MP", "consumer": "c", "max_ack_pending": 2},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s", "stream": "MP", "consumer": "c", "process_ms": 500},
            {"at_ms": 0, "do": "publish", "client": "a", "subject": "MP", "count": 6}
        ]),
    ));
    let d: Vec<(u64, u64)> = deliveries(&t).iter().map(|x| (x.0, x.1)).collect();
    assert_eq!(d, vec![(0, 1), (0, 2), (500, 3), (500, 4), (1000, 5), (1000, 6)]);
    let c = consumer(&jsz, 0);
    assert_eq!(c["num_ack_pending"], 2);
    assert_eq!(c["ack_floor"]["stream_seq"], 4);
}

#[test]
fn a_nak_with_delay_comes_back_after_the_delay_and_a_plain_nak_at_once() {
    // JS §5.5: ack_wait 1 s; nak at 100 ms with 500 ms → redelivered at 601; plain nak → at once.
    let (t, _) = run(scenario(
        900,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "NK"},
            {"at_ms": 0, "do": "add_consumer", "stream": "NK", "consumer": "c", "ack_wait_ms": 1000},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s", "stream": "NK", "consumer": "c", "ack": "none"},
            {"at_ms": 0, "do": "publish", "client": "a", "subject": "NK"},
            {"at_ms": 100, "do": "ack_msg", "sub": "s", "seq": 1, "reply": {"nak_delay_ms": 500}},
            {"at_ms": 700, "do": "ack_msg", "sub": "s", "seq": 1, "reply": "nak"},
            {"at_ms": 800, "do": "ack_msg", "sub": "s", "seq": 1}
        ]),
    ));
    assert_eq!(deliveries(&t), vec![(0, 1, 1, 1), (601, 1, 2, 2), (700, 1, 3, 3)]);
    let naks = events(&t, "msg_naked");
    assert_eq!(
        naks.iter().map(|e| (e["t"].as_u64().unwrap(), e["consumer_seq"].as_u64().unwrap(), e["deliveries"].as_u64().unwrap())).collect::<Vec<_>>(),
        vec![(100, 1, 1), (700, 2, 2)]
    );
    assert_eq!(events(&t, "naked")[0]["delay_ms"], 500);
    assert_eq!(events(&t, "naked")[1]["delay_ms"], Value::Null);
    assert_eq!(events(&t, "acked").len(), 1);
}

#[test]
fn a_killed_group_member_keeps_its_messages_until_the_ack_wait_then_they_move() {
    // JS §3.6: deliver group, ack_wait 2 s; a never-acking member killed at 500 ms.
    let (t, jsz) = run(scenario(
        3000,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "G", "subjects": ["g.>"]},
            {"at_ms": 0, "do": "add_consumer", "stream": "G", "consumer": "c", "deliver_group": "q", "ack_wait_ms": 2000},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "connect", "client": "b"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "sa", "stream": "G", "consumer": "c", "queue": "q", "ack": "none"},
            {"at_ms": 0, "do": "subscribe", "client": "b", "sub": "sb", "stream": "G", "consumer": "c", "queue": "q"},
            {"at_ms": 100, "do": "publish", "client": "b", "subject": "g.x", "count": 20},
            {"at_ms": 500, "do": "kill", "client": "a"}
        ]),
    ));
    let held: Vec<u64> = events(&t, "delivered").iter().filter(|e| e["client"] == "a").map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(!held.is_empty() && held.len() < 20, "a random member per message: a got {held:?}");
    let moved: Vec<(u64, u64, u64)> = events(&t, "delivered")
        .iter()
        .filter(|e| e["num_delivered"] == 2)
        .map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap(), e["client"].as_str().unwrap().len() as u64))
        .collect();
    assert_eq!(moved.iter().map(|m| m.1).collect::<Vec<_>>(), held, "redelivered in stream-seq order");
    assert!(moved.iter().all(|m| m.0 == 2101), "all at original delivery + ack_wait + 1 ms: {moved:?}");
    assert!(events(&t, "delivered").iter().filter(|e| e["num_delivered"] == 2).all(|e| e["client"] == "b"));
    let kill = events(&t, "client_closed");
    assert_eq!((kill[0]["t"].as_u64(), kill[0]["reason"].as_str()), (Some(500), Some("killed")));
    assert_eq!(consumer(&jsz, 0)["num_ack_pending"], 0);
}

#[test]
fn a_deliver_group_consumer_delivers_nothing_to_a_plain_subscriber_and_nats_js_refuses_the_mismatch() {
    // JS §3.5 / nats.js binding checks.
    let (t, jsz) = run(scenario(
        500,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "B"},
            {"at_ms": 0, "do": "add_consumer", "stream": "B", "consumer": "grouped", "deliver_group": "g"},
            {"at_ms": 0, "do": "add_consumer", "stream": "B", "consumer": "plain"},
            {"at_ms": 0, "do": "add_consumer", "stream": "B", "consumer": "pull", "pull": true},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s1", "stream": "B", "consumer": "grouped"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s2", "stream": "B", "consumer": "plain", "queue": "g"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s3", "stream": "B", "consumer": "pull"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s4", "stream": "B", "consumer": "nope"},
            {"at_ms": 10, "do": "publish", "client": "a", "subject": "B"}
        ]),
    ));
    let errs: Vec<(&str, &Value)> = events(&t, "subscribe_failed").iter().map(|e| (e["error"].as_str().unwrap(), &e["err_code"])).collect();
    assert_eq!(
        errs,
        vec![
            ("durable requires queue group 'g'", &Value::Null),
            ("durable requires no queue group", &Value::Null),
            ("push consumer requires deliver_subject", &Value::Null),
            ("consumer not found", &json!(10014))
        ]
    );
    assert!(events(&t, "delivered").is_empty());
    assert_eq!(consumer(&jsz, 0)["num_pending"], 1);
    assert!(consumer(&jsz, 0).get("push_bound").is_none());
}

#[test]
fn a_pull_request_gets_what_there_is_then_408_at_its_expiry_and_no_wait_gets_404() {
    // JS §7.3–7.4: batch 5, expires 1.5 s, 2 available → 2 at once, 408 with Pending 3 at 1.5 s.
    let (t, _) = run(scenario(
        2000,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "P"},
            {"at_ms": 0, "do": "add_consumer", "stream": "P", "consumer": "w", "pull": true},
            {"at_ms": 0, "do": "add_consumer", "stream": "P", "consumer": "e", "pull": true, "filter_subject": "P"},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "publish", "client": "a", "subject": "P", "count": 2},
            {"at_ms": 10, "do": "fetch", "client": "a", "sub": "f", "stream": "P", "consumer": "w", "batch": 5, "expires_ms": 1500},
            {"at_ms": 20, "do": "fetch", "client": "a", "sub": "g", "stream": "P", "consumer": "e", "batch": 5, "no_wait": true, "expires_ms": 0},
            {"at_ms": 30, "do": "fetch", "client": "a", "sub": "g", "stream": "P", "consumer": "e", "batch": 5, "no_wait": true, "expires_ms": 0}
        ]),
    ));
    let f: Vec<(u64, u64)> =
        events(&t, "delivered").iter().filter(|e| e["sub"] == "f").map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap())).collect();
    assert_eq!(f, vec![(10, 1), (10, 2)]);
    let st: Vec<(u64, &str, u64, &str, &Value)> = events(&t, "pull_status")
        .iter()
        .map(|e| {
            (e["t"].as_u64().unwrap(), e["sub"].as_str().unwrap(), e["code"].as_u64().unwrap(), e["description"].as_str().unwrap(), &e["pending_messages"])
        })
        .collect();
    assert_eq!(
        st,
        vec![(20, "g", 408, "Request Timeout", &json!(3)), (30, "g", 404, "No Messages", &Value::Null), (1510, "f", 408, "Request Timeout", &json!(3))]
    );
}

#[test]
fn stream_limits_discard_old_and_new_and_dedupe_as_measured() {
    // JS §2.3–2.4 (file storage: 22 + subject + data + 8 bytes; with the Nats-Msg-Id header more).
    let (t, jsz) = run(scenario(
        2000,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "LN", "subjects": ["ln.>"], "max_msgs": 3},
            {"at_ms": 0, "do": "add_stream", "stream": "LB", "subjects": ["lb.>"], "max_bytes": 200, "discard": "new"},
            {"at_ms": 0, "do": "add_stream", "stream": "DD", "subjects": ["dd.>"], "duplicate_window_ms": 1000},
            {"at_ms": 0, "do": "add_stream", "stream": "X", "subjects": ["ln.a"]},
            {"at_ms": 0, "do": "connect", "client": "p"},
            {"at_ms": 10, "do": "publish", "client": "p", "subject": "ln.x", "count": 5},
            {"at_ms": 20, "do": "publish", "client": "p", "subject": "lb.x", "data": "012345678901234567890123456789", "count": 4},
            {"at_ms": 30, "do": "publish", "client": "p", "subject": "dd.x", "msg_id": "id-1", "count": 2},
            {"at_ms": 1400, "do": "publish", "client": "p", "subject": "dd.x", "msg_id": "id-1"},
            {"at_ms": 1500, "do": "publish", "client": "p", "subject": "nothing.here"}
        ]),
    ));
    let dropped: Vec<u64> = events(&t, "msg_dropped").iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(dropped, vec![1, 2]);
    let fails: Vec<(&str, &str, &Value, &Value)> =
        events(&t, "publish_failed").iter().map(|e| (e["subject"].as_str().unwrap(), e["error"].as_str().unwrap(), &e["code"], &e["err_code"])).collect();
    assert_eq!(fails, vec![("lb.x", "maximum bytes exceeded", &json!(503), &json!(10077)), ("nothing.here", "no responders", &json!(503), &Value::Null)]);
    let dd: Vec<(u64, bool)> =
        events(&t, "published").iter().filter(|e| e["stream"] == "DD").map(|e| (e["seq"].as_u64().unwrap(), e["duplicate"].as_bool().unwrap())).collect();
    assert_eq!(dd, vec![(1, false), (1, true), (2, false)]);
    let af = &events(&t, "action_failed")[0];
    assert_eq!((af["index"].as_u64(), af["error"].as_str(), af["err_code"].as_u64()), (Some(3), Some("subjects overlap with an existing stream"), Some(10065)));
    let streams = jsz["account_details"][0]["stream_detail"].as_array().unwrap();
    assert_eq!(streams[0]["state"]["first_seq"], 3);
    assert_eq!(streams[0]["state"]["messages"], 3);
    assert_eq!(streams[1]["state"]["bytes"], 192);
    assert_eq!(streams[1]["state"]["messages"], 3);
    assert_eq!(streams[2]["config"]["duplicate_window"], 1_000_000_000u64);
    assert_eq!(streams[0]["config"]["duplicate_window"], 120_000_000_000u64);
}

#[test]
fn an_expected_last_subject_sequence_stores_only_on_the_subjects_last_seq_after_the_dedupe_check() {
    // JS §2.2 step 4: 400/10071 "wrong last sequence: <the subject's last stored seq>"; a
    // duplicate msg id answers before the expectation is looked at; another subject's seqs do
    // not count; the header is counted by file storage.
    let (t, jsz) = run(scenario(
        600,
        json!([
            {"at_ms": 0, "do": "connect", "client": "p"},
            {"at_ms": 0, "do": "add_stream", "stream": "T", "subjects": ["t.>"], "max_msgs_per_subject": 2},
            {"at_ms": 100, "do": "publish", "client": "p", "subject": "t.a", "expected_last_subject_seq": 0},
            {"at_ms": 110, "do": "publish", "client": "p", "subject": "t.a", "expected_last_subject_seq": 0},
            {"at_ms": 120, "do": "publish", "client": "p", "subject": "t.b", "expected_last_subject_seq": 0},
            {"at_ms": 130, "do": "publish", "client": "p", "subject": "t.a", "expected_last_subject_seq": 1},
            {"at_ms": 140, "do": "publish", "client": "p", "subject": "t.a", "expected_last_subject_seq": 1},
            {"at_ms": 150, "do": "publish", "client": "p", "subject": "t.a", "msg_id": "m", "expected_last_subject_seq": 3},
            {"at_ms": 160, "do": "publish", "client": "p", "subject": "t.a", "msg_id": "m", "expected_last_subject_seq": 3}
        ]),
    ));
    let ok: Vec<(u64, u64, bool)> =
        events(&t, "published").iter().map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap(), e["duplicate"].as_bool().unwrap())).collect();
    assert_eq!(ok, vec![(100, 1, false), (120, 2, false), (130, 3, false), (150, 4, false), (160, 4, true)]);
    let refused: Vec<(u64, &str, &Value, &Value)> =
        events(&t, "publish_failed").iter().map(|e| (e["t"].as_u64().unwrap(), e["error"].as_str().unwrap(), &e["code"], &e["err_code"])).collect();
    assert_eq!(refused, vec![(110, "wrong last sequence: 1", &json!(400), &json!(10071)), (140, "wrong last sequence: 3", &json!(400), &json!(10071))]);
    // max_msgs_per_subject 2 removed seq 1 of t.a at seq 4; stored: 2 (t.b), 3, 4 (t.a).
    let st = &jsz["account_details"][0]["stream_detail"][0]["state"];
    assert_eq!((st["messages"].as_u64(), st["first_seq"].as_u64(), st["last_seq"].as_u64()), (Some(3), Some(2), Some(4)));
    // file storage: 22 + subject + 4 + headers + data + 8; "NATS/1.0\r\n" + a line per header + "\r\n"
    // (the expectation's line is 40 bytes, the msg id's 16): 89 + 89 + 105.
    assert_eq!(st["bytes"], 283);
}

#[test]
fn interest_retention_skips_a_seq_nobody_wants_and_removes_what_every_consumer_acked() {
    // JS §2.6: no consumer → seq 1 used, nothing stored; with c1, c2 the message goes after both acks.
    let (t, jsz) = run(scenario(
        1000,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "IN", "retention": "interest"},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "publish", "client": "a", "subject": "IN"},
            {"at_ms": 10, "do": "add_consumer", "stream": "IN", "consumer": "c1"},
            {"at_ms": 10, "do": "add_consumer", "stream": "IN", "consumer": "c2"},
            {"at_ms": 10, "do": "subscribe", "client": "a", "sub": "s1", "stream": "IN", "consumer": "c1", "process_ms": 100},
            {"at_ms": 10, "do": "subscribe", "client": "a", "sub": "s2", "stream": "IN", "consumer": "c2", "process_ms": 300},
            {"at_ms": 20, "do": "publish", "client": "a", "subject": "IN"}
        ]),
    ));
    assert_eq!(events(&t, "published")[0]["seq"], 1);
    assert_eq!(events(&t, "published")[1]["seq"], 2);
    let st = &jsz["account_details"][0]["stream_detail"][0]["state"];
    assert_eq!((st["messages"].as_u64(), st["first_seq"].as_u64(), st["last_seq"].as_u64()), (Some(0), Some(3), Some(2)));
    assert_eq!(events(&t, "acked").len(), 2);
}

#[test]
fn the_server_judges_bad_consumer_configs_with_its_own_errors() {
    let (t, _) = run(scenario(
        10,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "S", "subjects": ["s.>"]},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "b", "backoff_ms": [1000, 2000]},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "p", "deliver_policy": "by_start_sequence"},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "l", "deliver_policy": "last_per_subject"},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "y", "deliver_subject": "s.loop"},
            {"at_ms": 0, "do": "add_consumer", "stream": "NOPE", "consumer": "c"},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "ok"},
            {"at_ms": 0, "do": "add_consumer", "stream": "S", "consumer": "ok", "ack_policy": "all"},
            {"at_ms": 0, "do": "add_stream", "stream": "a.b"}
        ]),
    ));
    let errs: Vec<(u64, &str, u64)> =
        events(&t, "action_failed").iter().map(|e| (e["index"].as_u64().unwrap(), e["error"].as_str().unwrap(), e["err_code"].as_u64().unwrap())).collect();
    assert_eq!(
        errs,
        vec![
            (1, "max deliver is required to be > length of backoff values", 10116),
            (2, "consumer delivery policy is deliver by start sequence, but optional start sequence is not set", 10094),
            (3, "consumer delivery policy is deliver last per subject, but optional filter subject is not set", 10094),
            (4, "consumer deliver subject forms a cycle", 10081),
            (5, "stream not found", 10059),
            (7, "ack policy can not be updated", 10012),
            (8, "stream name is required and can not contain '.', '*', '>'", 10052),
        ]
    );
}

#[test]
fn deliver_policies_pick_their_start_as_measured() {
    // JS §3.4: dp.a=1, dp.b=2, dp.a=3, dp.b=4, dp.a=5, then dp.b=6 after the consumers exist.
    let mut actions = vec![json!({"at_ms": 0, "do": "add_stream", "stream": "DP", "subjects": ["dp.>"]}), json!({"at_ms": 0, "do": "connect", "client": "a"})];
    for (i, s) in ["dp.a", "dp.b", "dp.a", "dp.b", "dp.a"].iter().enumerate() {
        actions.push(json!({"at_ms": 10 + i as u64 * 10, "do": "publish", "client": "a", "subject": s}));
    }
    let consumers = [
        ("all", json!({})),
        ("last", json!({"deliver_policy": "last"})),
        ("lastb", json!({"deliver_policy": "last", "filter_subject": "dp.b"})),
        ("new", json!({"deliver_policy": "new"})),
        ("seq3", json!({"deliver_policy": "by_start_sequence", "opt_start_seq": 3})),
        ("seq99", json!({"deliver_policy": "by_start_sequence", "opt_start_seq": 99})),
        ("time", json!({"deliver_policy": "by_start_time", "opt_start_time_delta_ms": 75})),
        ("lps", json!({"deliver_policy": "last_per_subject", "filter_subject": "dp.>"})),
        ("fa", json!({"filter_subject": "dp.a"})),
    ];
    for (n, extra) in &consumers {
        let mut c = json!({"at_ms": 100, "do": "add_consumer", "stream": "DP", "consumer": n});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        actions.push(c);
        actions.push(json!({"at_ms": 100, "do": "subscribe", "client": "a", "sub": format!("s-{n}"), "stream": "DP", "consumer": n}));
    }
    actions.push(json!({"at_ms": 200, "do": "publish", "client": "a", "subject": "dp.b"}));
    let (t, _) = run(scenario(300, Value::Array(actions)));
    let got = |n: &str| -> Vec<u64> { events(&t, "delivered").iter().filter(|e| e["consumer"] == n).map(|e| e["seq"].as_u64().unwrap()).collect() };
    assert_eq!(got("all"), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(got("last"), vec![5, 6]);
    assert_eq!(got("lastb"), vec![4, 6]);
    assert_eq!(got("new"), vec![6]);
    assert_eq!(got("seq3"), vec![3, 4, 5, 6]);
    assert_eq!(got("seq99"), vec![6]);
    assert_eq!(got("time"), vec![3, 4, 5, 6]);
    assert_eq!(got("lps"), vec![4, 5, 6]);
    assert_eq!(got("fa"), vec![1, 3, 5]);
}

#[test]
fn auto_ack_acks_before_the_async_work_fails_and_a_manual_listener_naks_on_failure() {
    let (t, _) = run(scenario(
        3000,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "A"},
            {"at_ms": 0, "do": "add_consumer", "stream": "A", "consumer": "auto", "ack_wait_ms": 1000},
            {"at_ms": 0, "do": "add_consumer", "stream": "A", "consumer": "man", "ack_wait_ms": 1000},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "au", "stream": "A", "consumer": "auto", "ack": "auto", "process_ms": 200, "fail_seqs": [1]},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "ma", "stream": "A", "consumer": "man", "process_ms": 200, "fail_seqs": [1], "fail_times": 1, "on_fail": "nak"},
            {"at_ms": 10, "do": "publish", "client": "a", "subject": "A"}
        ]),
    ));
    let au: Vec<(u64, &str)> = t.iter().filter(|e| e["sub"] == "au").map(|e| (e["t"].as_u64().unwrap(), e["event"].as_str().unwrap())).collect();
    assert_eq!(au, vec![(0, "subscribed"), (10, "delivered"), (10, "acked"), (210, "processed")]);
    let ma: Vec<(u64, &str, u64)> = t
        .iter()
        .filter(|e| e["sub"] == "ma" && e["event"] != "subscribed")
        .map(|e| (e["t"].as_u64().unwrap(), e["event"].as_str().unwrap(), e["num_delivered"].as_u64().unwrap()))
        .collect();
    assert_eq!(ma, vec![(10, "delivered", 1), (210, "processed", 1), (210, "naked", 1), (210, "delivered", 2), (410, "processed", 2), (410, "acked", 2)]);
}

#[test]
fn the_same_file_gives_the_same_output_and_stan_only_verbs_are_refused() {
    let s = scenario(
        3000,
        json!([
            {"at_ms": 0, "do": "add_stream", "stream": "R"},
            {"at_ms": 0, "do": "add_consumer", "stream": "R", "consumer": "c", "deliver_group": "q", "ack_wait_ms": 500},
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 0, "do": "connect", "client": "b"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "sa", "stream": "R", "consumer": "c", "queue": "q", "fail_rate": 0.3},
            {"at_ms": 0, "do": "subscribe", "client": "b", "sub": "sb", "stream": "R", "consumer": "c", "queue": "q", "process_ms": 50},
            {"at_ms": 10, "do": "publish", "client": "a", "subject": "R", "count": 50, "every_ms": 7}
        ]),
    );
    let once = run_js_to_string(&mut JsSim::new(JsScenario::from_value(&s).unwrap())).unwrap();
    let twice = run_js_to_string(&mut JsSim::new(JsScenario::from_value(&s).unwrap())).unwrap();
    assert_eq!(once, twice);
    let bad = |a: Value| JsScenario::from_value(&scenario(10, a)).unwrap_err().to_string();
    assert_eq!(
        bad(json!([{"at_ms": 0, "do": "close_sub"}])),
        "actions[0].do: unknown verb \"close_sub\" in a JetStream scenario (expected one of: connect, close, kill, pause, add_stream, add_consumer, delete_consumer, publish, subscribe, fetch, behave, ack_msg, unsubscribe, restart_server)"
    );
    // restart_server is both servers' verb (it takes no fields)
    assert!(JsScenario::from_value(&scenario(10, json!([{"at_ms": 0, "do": "restart_server"}]))).is_ok());
    assert!(bad(json!([{"at_ms": 0, "do": "restart_server", "down_ms": 5}])).starts_with("actions[0].down_ms: unknown field"));
    assert_eq!(bad(json!([{"at_ms": 0, "do": "publish", "client": "x", "subject": "a"}])), "actions[0].client: unknown client \"x\": no earlier connect");
    assert!(bad(json!([{"at_ms": 0, "do": "connect", "client": "x", "channel": "c"}])).starts_with("actions[0].channel: unknown field"));
    let e = JsScenario::from_value(&json!({"until_ms": 1, "server": {"kind": "jetstream", "cluster_id": "x"}, "actions": []})).unwrap_err().to_string();
    assert_eq!(e, "server.cluster_id: unknown field (expected one of: kind, server_version)");
}

/// Every built-in example and every lesson variant translates into a JetStream scenario
/// the strict reader accepts, and it runs.
#[test]
fn every_example_and_lesson_variant_translates_into_a_jetstream_scenario_that_runs() {
    use natsim::engine::jetstream::translate::translate;
    use natsim::engine::Scenario;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www");
    let mut bodies: Vec<(String, serde_json::Value)> = Vec::new();
    for dir in ["scenarios", "lessons"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "json") || path.ends_with("index.json") {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            match v["variants"].as_array() {
                Some(vs) => bodies.extend(vs.iter().map(|x| (format!("{name} {}", x["name"]), x["scenario"].clone()))),
                None => bodies.push((name, v)),
            }
        }
    }
    assert!(bodies.len() >= 20, "{}", bodies.len());
    for (name, v) in bodies {
        if natsim::engine::jetstream::is_jetstream(&v) {
            continue;
        }
        let s = Scenario::parse(&v.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let t = translate(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        let acted = !s.actions.is_empty();
        let run = natsim::engine::jetstream::JsSession::new(t.scenario, natsim::engine::RunLimits::default());
        assert!(run.error().is_none(), "{name}: {:?}", run.error());
        assert_eq!(!run.history().is_empty(), acted, "{name}");
    }
}

/// The lesson's shape: a file stream and a memory stream, l1 acks everything on the file
/// stream but #4, and the server restarts at 5.5 s (measured on nats-server 2.9.10 with
/// nats.js 2.29: `tests/jetstream/recorded/server-restart.json`).
fn restart_run(extra: Value) -> (Vec<Value>, Value) {
    let mut actions = json!([
        {"at_ms": 0, "do": "add_stream", "stream": "F", "subjects": ["f.>"]},
        {"at_ms": 0, "do": "add_stream", "stream": "M", "subjects": ["m.>"], "storage": "memory"},
        {"at_ms": 0, "do": "add_consumer", "stream": "F", "consumer": "acc", "ack_wait_ms": 5000},
        {"at_ms": 0, "do": "add_consumer", "stream": "M", "consumer": "macc", "ack_wait_ms": 5000},
        {"at_ms": 0, "do": "connect", "client": "abc"},
        {"at_ms": 0, "do": "connect", "client": "l1"},
        {"at_ms": 0, "do": "subscribe", "client": "l1", "sub": "s1", "stream": "F", "consumer": "acc", "fail_seqs": [4]},
        {"at_ms": 0, "do": "subscribe", "client": "l1", "sub": "s2", "stream": "M", "consumer": "macc"},
        {"at_ms": 1000, "do": "publish", "client": "abc", "subject": "f.created", "data": "x", "count": 4, "every_ms": 1000},
        {"at_ms": 1500, "do": "publish", "client": "abc", "subject": "m.created", "data": "y", "count": 2, "every_ms": 1000},
        {"at_ms": 5500, "do": "restart_server"},
        {"at_ms": 11000, "do": "connect", "client": "def"},
        {"at_ms": 11000, "do": "publish", "client": "def", "subject": "f.created", "data": "x"},
        {"at_ms": 11100, "do": "publish", "client": "def", "subject": "m.created", "data": "y"}
    ]);
    actions.as_array_mut().unwrap().extend(extra.as_array().unwrap().iter().cloned());
    let mut s = scenario(15000, actions);
    s["seed"] = json!(2);
    run(s)
}

#[test]
fn a_restart_keeps_the_file_stream_and_its_consumer_loses_the_memory_stream_and_reconnects_clients_after_2_s() {
    let (t, jsz) = restart_run(json!([]));
    let at = |kind: &str| events(&t, kind).iter().map(|e| (e["t"].as_u64().unwrap(), e["client"].as_str().unwrap_or("").to_string())).collect::<Vec<_>>();
    assert_eq!(events(&t, "server_restarted").len(), 1);
    assert_eq!(events(&t, "server_restarted")[0]["t"], 5500);
    assert_eq!(at("disconnected"), [(5500, "abc".to_string()), (5500, "l1".to_string())]);
    // nats.js: reconnectTimeWait 2 s + up to 100 ms of jitter (the real ones: 7,546 and 7,620)
    assert_eq!(at("reconnected"), [(7535, "abc".to_string()), (7535, "l1".to_string())]);
    // #4 was delivered at 4.0 s and never acked: its stored delivery time is cut to the wall
    // clock's second (this seed's phase: 4,000 ms stored as 3,344), and the first check after
    // the start finds it 5 s after that, then every 5 s as usual.
    let f: Vec<_> = deliveries(&t).into_iter().filter(|d| d.1 == 4).collect();
    assert_eq!(f, [(4000, 4, 1, 4), (8344, 4, 2, 5), (13346, 4, 3, 7)]);
    // #5 after the restart: the stream kept seq 1–4 and the consumer its position.
    assert!(deliveries(&t).contains(&(11000, 5, 1, 6)));
    let failed = events(&t, "publish_failed");
    assert_eq!(
        (failed.len(), failed[0]["t"].as_u64(), failed[0]["error"].as_str(), failed[0]["code"].as_u64()),
        (1, Some(11100), Some("no responders"), Some(503))
    );
    assert_eq!((jsz["streams"].as_u64(), jsz["consumers"].as_u64(), jsz["messages"].as_u64()), (Some(1), Some(1), Some(5)));
    assert_eq!(jsz["api"], json!({"total": 0, "errors": 0}), "the API counters start again at the restart");
    let c = consumer(&jsz, 0);
    assert_eq!((c["name"].as_str(), c["num_ack_pending"].as_u64(), c["num_redelivered"].as_u64()), (Some("acc"), Some(1), Some(1)));
    assert_eq!(c["delivered"]["consumer_seq"], 7);
    assert_eq!((c["ack_floor"]["consumer_seq"].as_u64(), c["ack_floor"]["stream_seq"].as_u64()), (Some(3), Some(3)));
}

#[test]
fn while_the_connection_is_down_a_publish_times_out_after_5_s_and_an_ack_is_lost() {
    // Measured: a js.publish sent at 6.0 s, during the outage, fails with TIMEOUT at 11.0 s and
    // is never stored (nats.js drops what it buffered when the new connection starts).
    let (t, jsz) = restart_run(json!([
        {"at_ms": 6000, "do": "publish", "client": "abc", "subject": "f.created", "data": "lost"},
        {"at_ms": 6500, "do": "ack_msg", "sub": "s1", "seq": 4}
    ]));
    let failed: Vec<_> =
        events(&t, "publish_failed").iter().map(|e| (e["t"].as_u64().unwrap(), e["error"].as_str().unwrap().to_string(), e["code"].clone())).collect();
    assert_eq!(failed[0], (11000, "TIMEOUT".to_string(), Value::Null));
    assert_eq!(jsz["messages"], 5, "the timed-out publish was not stored: def's is still seq 5");
    let acked: Vec<_> = events(&t, "acked").iter().filter(|e| e["seq"] == 4).map(|e| e["t"].as_u64().unwrap()).collect();
    assert_eq!(acked, [6500], "the listener sent it");
    let f: Vec<_> = deliveries(&t).into_iter().filter(|d| d.1 == 4).map(|d| d.0).collect();
    assert_eq!(f, [4000, 8344, 13346], "the server never got the ack: #4 comes back anyway");
}
