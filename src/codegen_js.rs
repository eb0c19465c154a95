//! Back to real code for a JetStream run: the nats.js 2.x TypeScript of each process of the
//! scenario — `setup.ts` for the operator (`jetstreamManager()`: `streams.add`,
//! `consumers.add`), and one file per client with its `connect`, its `js.subscribe` bound to
//! its consumer with a callback that does what the scenario's listener does (the work, the
//! failure, `m.ack()` / `m.nak(delay)` / `m.term()` / `m.working()`), its `js.fetch` pull
//! requests and its `js.publish` calls. CI type-checks every generated file with `tsc`
//! against the published `nats` typings (`tests/codegen.rs`). Names and payloads are written
//! as JSON string literals, so nothing in them can end a string.

use crate::engine::jetstream::scenario::{
    AckMode, AckPolicy, ConsumerSpec, DeliverPolicy, Discard, JsScenario, JsVerb, Listener, Reply, Retention, Storage, StreamSpec,
};
use crate::engine::scenario::Handler;
use crate::json::write::quoted as lit;

/// One generated file.
#[derive(Clone, Debug, PartialEq)]
pub struct JsFile {
    /// File name (`setup.ts`, `<client>.ts`).
    pub file: String,
    /// TypeScript.
    pub source: String,
}

fn ident(s: &str) -> String {
    let mut out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'h');
    }
    out
}

/// A file name for a client id (its characters that are unsafe in a path replaced).
fn file_of(client: &str) -> String {
    let safe: String = client.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("{}.ts", if safe.is_empty() { "client".to_string() } else { safe })
}

const HEAD: &str = "import { connect, consumerOpts, nanos, StringCodec, AckPolicy, DeliverPolicy, RetentionPolicy, DiscardPolicy, StorageType, JsMsg } from \"nats\";\n\nconst servers = \"nats://127.0.0.1:4222\";\nconst sc = StringCodec();\n";

fn stream_add(s: &StreamSpec) -> String {
    let mut f = vec![format!("name: {}", lit(&s.stream))];
    if let Some(subj) = &s.subjects {
        f.push(format!("subjects: [{}]", subj.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", ")));
    }
    match s.retention {
        Some(Retention::Interest) => f.push("retention: RetentionPolicy.Interest".into()),
        Some(Retention::WorkQueue) => f.push("retention: RetentionPolicy.Workqueue".into()),
        Some(Retention::Limits) => f.push("retention: RetentionPolicy.Limits".into()),
        None => {}
    }
    match s.discard {
        Some(Discard::New) => f.push("discard: DiscardPolicy.New".into()),
        Some(Discard::Old) => f.push("discard: DiscardPolicy.Old".into()),
        None => {}
    }
    for (k, v) in [("max_msgs", s.max_msgs), ("max_bytes", s.max_bytes), ("max_msgs_per_subject", s.max_msgs_per_subject)] {
        if let Some(v) = v {
            f.push(format!("{k}: {v}"));
        }
    }
    if let Some(a) = s.max_age_ms {
        f.push(format!("max_age: nanos({a})"));
    }
    if let Some(d) = s.duplicate_window_ms {
        f.push(format!("duplicate_window: nanos({d})"));
    }
    match s.storage {
        Some(Storage::Memory) => f.push("storage: StorageType.Memory".into()),
        Some(Storage::File) => f.push("storage: StorageType.File".into()),
        None => {}
    }
    format!("  await jsm.streams.add({{ {} }});\n", f.join(", "))
}

fn consumer_add(c: &ConsumerSpec) -> String {
    let mut f = vec![if c.durable { format!("durable_name: {}", lit(&c.consumer)) } else { format!("name: {}", lit(&c.consumer)) }];
    if !c.pull {
        let d = c.deliver_subject.clone().map(|d| d.to_string()).unwrap_or_else(|| format!("_deliver.{}.{}", c.stream, c.consumer));
        f.push(format!("deliver_subject: {}", lit(&d)));
    }
    if let Some(g) = &c.deliver_group {
        f.push(format!("deliver_group: {}", lit(g)));
    }
    f.push(
        match c.deliver_policy {
            DeliverPolicy::All => "deliver_policy: DeliverPolicy.All",
            DeliverPolicy::Last => "deliver_policy: DeliverPolicy.Last",
            DeliverPolicy::New => "deliver_policy: DeliverPolicy.New",
            DeliverPolicy::ByStartSequence => "deliver_policy: DeliverPolicy.StartSequence",
            DeliverPolicy::ByStartTime => "deliver_policy: DeliverPolicy.StartTime",
            DeliverPolicy::LastPerSubject => "deliver_policy: DeliverPolicy.LastPerSubject",
        }
        .into(),
    );
    if let Some(n) = c.opt_start_seq {
        f.push(format!("opt_start_seq: {n}"));
    }
    if let Some(d) = c.opt_start_time_delta_ms {
        f.push(format!("opt_start_time: new Date(Date.now() - {d}).toISOString()"));
    }
    f.push(
        match c.ack_policy {
            AckPolicy::Explicit => "ack_policy: AckPolicy.Explicit",
            AckPolicy::All => "ack_policy: AckPolicy.All",
            AckPolicy::None => "ack_policy: AckPolicy.None",
        }
        .into(),
    );
    if let Some(w) = c.ack_wait_ms {
        f.push(format!("ack_wait: nanos({w})"));
    }
    if let Some(m) = c.max_deliver {
        f.push(format!("max_deliver: {m}"));
    }
    if let Some(b) = &c.backoff_ms {
        f.push(format!("backoff: [{}]", b.iter().map(|x| format!("nanos({x})")).collect::<Vec<_>>().join(", ")));
    }
    if let Some(m) = c.max_ack_pending {
        f.push(format!("max_ack_pending: {m}"));
    }
    if let Some(s) = &c.filter_subject {
        f.push(format!("filter_subject: {}", lit(s)));
    }
    if let Some(t) = c.inactive_threshold_ms {
        f.push(format!("inactive_threshold: nanos({t})"));
    }
    format!("  await jsm.consumers.add({}, {{ {} }});\n", lit(&c.stream), f.join(", "))
}

/// The operator's file, or `None` when the scenario adds nothing.
pub fn setup_ts(s: &JsScenario) -> Option<JsFile> {
    let mut body = String::new();
    for a in &s.actions {
        match &a.verb {
            JsVerb::AddStream(st) => body.push_str(&stream_add(st)),
            JsVerb::AddConsumer(c) => body.push_str(&consumer_add(c)),
            JsVerb::DeleteConsumer { stream, consumer } => body.push_str(&format!("  await jsm.consumers.delete({}, {});\n", lit(stream), lit(consumer))),
            _ => {}
        }
    }
    if body.is_empty() {
        return None;
    }
    let source = format!(
        "{HEAD}\n// The operator (what `nats stream add` / `nats consumer add` do), over its own connection.\nasync function main(): Promise<void> {{\n  const nc = await connect({{ servers, name: \"setup\" }});\n  const jsm = await nc.jetstreamManager();\n{body}  await nc.close();\n}}\n\nmain().catch((e) => {{\n  console.error(e);\n  process.exit(1);\n}});\n"
    );
    Some(JsFile { file: "setup.ts".into(), source })
}

fn reply_call(r: Reply) -> String {
    match r {
        Reply::Ack => "m.ack()".into(),
        Reply::Nak => "m.nak()".into(),
        Reply::NakDelay(ms) => format!("m.nak({ms})"),
        Reply::Term => "m.term()".into(),
        Reply::InProgress => "m.working()".into(),
    }
}

/// The handler of one listener: the work as the scenario describes it, then its answer.
fn handler(l: &Listener, typed: bool) -> String {
    let mut fails = Vec::new();
    if !l.fail_seqs.is_empty() {
        let seqs = l.fail_seqs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ");
        fails.push(if l.fail_times > 0 {
            format!("([{seqs}].includes(m.seq) && m.info.deliveryCount <= {})", l.fail_times)
        } else {
            format!("[{seqs}].includes(m.seq)")
        });
    }
    if l.fail_rate > 0.0 {
        fails.push(format!("Math.random() < {}", l.fail_rate));
    }
    // The work, as lines without indentation.
    let mut work: Vec<String> = match (l.handler, l.process_ms) {
        (_, 0) => Vec::new(),
        (Handler::Async, ms) => vec![format!("await new Promise((r) => setTimeout(r, {ms})); // the work")],
        (Handler::Sync, ms) => vec![format!("const until = Date.now() + {ms};"), "while (Date.now() < until) {} // the work blocks the event loop".into()],
    };
    if !fails.is_empty() {
        work.push(format!("if ({}) throw new Error(\"the work failed\");", fails.join(" || ")));
    }
    let asyn = if l.handler == Handler::Async { "async " } else { "" };
    let mut lines = vec![
        "if (err || !m) return;".to_string(),
        "console.log(`Received seq ${m.seq} (delivery ${m.info.deliveryCount}): ${sc.decode(m.data)}`);".to_string(),
    ];
    match l.ack {
        AckMode::Manual => {
            if l.progress_ms > 0 {
                lines.push(format!("const progress = setInterval(() => m.working(), {});", l.progress_ms));
            }
            lines.push("try {".into());
            lines.extend(work.iter().map(|w| format!("  {w}")));
            lines.push("  m.ack();".into());
            lines.push("} catch (e) {".into());
            lines.push(match l.on_fail {
                Some(r) => format!("  {};", reply_call(r)),
                None => "  // no answer: the message comes back after the ack wait".into(),
            });
            if l.progress_ms > 0 {
                lines.push("} finally {".into());
                lines.push("  clearInterval(progress);".into());
            }
            lines.push("}".into());
        }
        AckMode::Auto => {
            lines.extend(work);
            lines.push("// nats.js acks when this callback returns".into());
        }
        AckMode::None => {
            lines.extend(work);
            lines.push("// never answers".into());
        }
    }
    let params = if typed { "(err: Error | null, m: JsMsg | null)" } else { "(err, m)" };
    format!("{asyn}{params} => {{\n{}\n}}", lines.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"))
}

/// The file of one client, or `None` when the scenario never connects it.
pub fn client_ts(s: &JsScenario, client: &str) -> Option<JsFile> {
    if !s.actions.iter().any(|a| matches!(&a.verb, JsVerb::Connect { client: c } if &**c == client)) {
        return None;
    }
    let mut body = String::new();
    let mut published: Vec<(String, String, Option<String>, Option<u64>)> = Vec::new();
    let mut fetched: Vec<String> = Vec::new();
    for a in &s.actions {
        match &a.verb {
            JsVerb::Subscribe { client: c, sub, stream, consumer, queue, listener } if &**c == client => {
                let o = format!("opts_{}", ident(sub));
                body.push_str(&format!(
                    "\n  // {}: bound to the push consumer {} of {}\n  const {o} = consumerOpts();\n  {o}.bind({}, {});\n",
                    comment(sub),
                    comment(consumer),
                    comment(stream),
                    lit(stream),
                    lit(consumer)
                ));
                if let Some(q) = queue {
                    body.push_str(&format!("  {o}.queue({});\n", lit(q)));
                }
                if listener.ack != AckMode::Auto {
                    body.push_str(&format!("  {o}.manualAck();\n"));
                }
                body.push_str(&format!("  {o}.callback({});\n", indent(&handler(listener, false))));
                body.push_str(&format!("  await js.subscribe(\">\", {o});\n"));
            }
            JsVerb::Fetch { client: c, sub, stream, consumer, batch, expires_ms, no_wait, listener } if &**c == client => {
                if let Some(l) = listener {
                    let f = format!("handle_{}", ident(sub));
                    body.push_str(&format!(
                        "\n  // {}: a worker pulling from {} of {}\n  const {f} = {};\n",
                        comment(sub),
                        comment(consumer),
                        comment(stream),
                        indent(&handler(l, true))
                    ));
                    fetched.push(sub.to_string());
                }
                let f = format!("handle_{}", ident(sub));
                let mut opts = vec![format!("batch: {batch}")];
                if *expires_ms > 0 {
                    opts.push(format!("expires: {expires_ms}"));
                }
                if *no_wait {
                    opts.push("no_wait: true".into());
                }
                let call = if fetched.contains(&sub.to_string()) { format!("await {f}(null, m)") } else { "m.ack()".into() };
                body.push_str(&format!(
                    "  for await (const m of js.fetch({}, {}, {{ {} }})) {{\n    {call};\n  }}\n",
                    lit(stream),
                    lit(consumer),
                    opts.join(", ")
                ));
            }
            JsVerb::Publish { client: c, subject, data, msg_id, expected_last_subject_seq, .. } if &**c == client => {
                let key = (subject.to_string(), data.to_string(), msg_id.as_ref().map(|m| m.to_string()), *expected_last_subject_seq);
                if !published.contains(&key) {
                    let mut o = Vec::new();
                    if let Some(m) = msg_id {
                        o.push(format!("msgID: {}", lit(m)));
                    }
                    if let Some(n) = expected_last_subject_seq {
                        o.push(format!("expect: {{ lastSubjectSequence: {n} }}"));
                    }
                    let opts = if o.is_empty() { String::new() } else { format!(", {{ {} }}", o.join(", ")) };
                    // the server refuses a stale expectation: 400 "wrong last sequence: <actual>"
                    let guarded = expected_last_subject_seq.is_some();
                    let ind = if guarded { "    " } else { "  " };
                    let publish = format!("{ind}const ack{} = await js.publish({}, sc.encode({}){opts});\n{ind}console.log(`stored in ${{ack{0}.stream}} as seq ${{ack{0}.seq}}${{ack{0}.duplicate ? \" (a duplicate)\" : \"\"}}`);\n", published.len() + 1, lit(subject), lit(data));
                    if guarded {
                        body.push_str(&format!("\n  try {{\n{publish}  }} catch (e) {{\n    console.log(`refused: ${{(e as Error).message}}`);\n  }}\n"));
                    } else {
                        body.push_str(&format!("\n{publish}"));
                    }
                    published.push(key);
                }
            }
            _ => {}
        }
    }
    let source = format!(
        "{HEAD}\nasync function main(): Promise<void> {{\n  const nc = await connect({{ servers, name: {} }});\n  const js = nc.jetstream();\n{body}\n  process.on(\"SIGTERM\", () => nc.drain());\n}}\n\nmain().catch((e) => {{\n  console.error(e);\n  process.exit(1);\n}});\n",
        lit(client)
    );
    Some(JsFile { file: file_of(client), source })
}

fn comment(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().replace("*/", "* /")
}

fn indent(s: &str) -> String {
    s.replace('\n', "\n  ")
}

/// Every file of the run: the operator's first, then one per client in first-connect order.
pub fn files(s: &JsScenario) -> Vec<JsFile> {
    let mut out: Vec<JsFile> = setup_ts(s).into_iter().collect();
    let mut seen: Vec<&str> = Vec::new();
    for a in &s.actions {
        if let JsVerb::Connect { client } = &a.verb {
            if !seen.contains(&&**client) {
                seen.push(client);
                out.extend(client_ts(s, client));
            }
        }
    }
    // Two client ids that make the same file name: number the later ones.
    let mut names: Vec<String> = Vec::new();
    for f in &mut out {
        let mut name = f.file.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{}_{k}.ts", f.file.trim_end_matches(".ts"));
            k += 1;
        }
        f.file = name.clone();
        names.push(name);
    }
    out
}

/// The server the run needs, as files beside the TypeScript: `nats-server.conf` (JetStream on,
/// its store on disk) and `nats-js.yaml`, a Kubernetes StatefulSet and Service like the
/// course's `nats-depl.yaml`. A StatefulSet, not a Deployment: file storage (a stream's
/// default) survives a restart only if the store outlives the pod, so the store is a
/// persistent volume claim. The image is the server the simulation models, 2.9.10.
pub fn server_files(s: &JsScenario) -> Vec<JsFile> {
    let memory: Vec<&str> = s
        .actions
        .iter()
        .filter_map(|a| match &a.verb {
            JsVerb::AddStream(st) if st.storage == Some(Storage::Memory) => Some(&*st.stream),
            _ => None,
        })
        .collect();
    let lost = if memory.is_empty() {
        String::new()
    } else {
        format!("# Memory streams ({}) live in the server process only: any restart loses them.\n", memory.join(", "))
    };
    let conf = format!(
        "# nats-server 2.9 with JetStream, as the simulation runs it: one server, streams on disk\n\
         # (nats-server -c nats-server.conf). File streams and their consumers survive a restart\n\
         # as long as store_dir does.\n{lost}port: 4222\nhttp_port: 8222\n\njetstream {{\n  store_dir: \"/data/jetstream\"\n}}\n"
    );
    let yaml = format!(
        "# nats-server 2.9 with JetStream on Kubernetes (kubectl apply -f nats-js.yaml).\n\
         # A StatefulSet with a volume claim, not the course's Deployment: the store must outlive\n\
         # the pod, or deleting the pod (the course's way to restart the server) loses every\n\
         # stream, as the memory store did.\n{lost}apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: nats\nspec:\n  serviceName: nats-srv\n  replicas: 1\n  selector:\n    matchLabels:\n      app: nats\n  template:\n    metadata:\n      labels:\n        app: nats\n    spec:\n      containers:\n        - name: nats\n          image: nats:2.9.10\n          args: [\"-js\", \"-sd\", \"/data/jetstream\", \"-m\", \"8222\"]\n          volumeMounts:\n            - name: store\n              mountPath: /data\n  volumeClaimTemplates:\n    - metadata:\n        name: store\n      spec:\n        accessModes: [\"ReadWriteOnce\"]\n        resources:\n          requests:\n            storage: 1Gi\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: nats-srv\nspec:\n  selector:\n    app: nats\n  ports:\n    - name: client\n      protocol: TCP\n      port: 4222\n      targetPort: 4222\n    - name: monitoring\n      protocol: TCP\n      port: 8222\n      targetPort: 8222\n"
    );
    vec![JsFile { file: "nats-server.conf".into(), source: conf }, JsFile { file: "nats-js.yaml".into(), source: yaml }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_a_config_and_a_stateful_set_whose_store_outlives_the_pod() {
        let s = JsScenario::parse(include_str!("../tests/jetstream/scenarios/server-restart.json")).unwrap();
        let f = server_files(&s);
        assert_eq!(f.iter().map(|x| x.file.as_str()).collect::<Vec<_>>(), ["nats-server.conf", "nats-js.yaml"]);
        assert!(f[0].source.contains("jetstream {\n  store_dir: \"/data/jetstream\"\n}\n"), "{}", f[0].source);
        assert!(f[0].source.contains("# Memory streams (M) live in the server process only: any restart loses them.\n"), "{}", f[0].source);
        let y = &f[1].source;
        assert!(y.contains("kind: StatefulSet\n") && y.contains("image: nats:2.9.10\n"), "{y}");
        assert!(y.contains("args: [\"-js\", \"-sd\", \"/data/jetstream\", \"-m\", \"8222\"]\n"), "{y}");
        assert!(y.contains("volumeMounts:\n            - name: store\n              mountPath: /data\n"), "{y}");
        assert!(y.contains("volumeClaimTemplates:\n    - metadata:\n        name: store\n"), "{y}");
        let g = server_files(&JsScenario::parse(include_str!("../tests/jetstream/scenarios/group-kill.json")).unwrap());
        assert!(!g[0].source.contains("Memory streams"), "no memory stream, no warning");
    }

    #[test]
    fn the_group_kill_run_as_nats_js_code() {
        let s = JsScenario::parse(include_str!("../tests/jetstream/scenarios/group-kill.json")).unwrap();
        let f = files(&s);
        assert_eq!(f.iter().map(|x| x.file.as_str()).collect::<Vec<_>>(), vec!["setup.ts", "l1.ts", "l2.ts"]);
        assert!(f[0].source.contains("  await jsm.streams.add({ name: \"ticket\", subjects: [\"ticket.>\"] });\n"), "{}", f[0].source);
        assert!(
            f[0].source.contains("  await jsm.consumers.add(\"ticket\", { durable_name: \"orders\", deliver_subject: \"_deliver.ticket.orders\", deliver_group: \"orders-service\", deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.Explicit, ack_wait: nanos(2000) });\n"),
            "{}",
            f[0].source
        );
        let l2 = &f[2].source;
        assert!(l2.contains("  opts_s2.bind(\"ticket\", \"orders\");\n  opts_s2.queue(\"orders-service\");\n  opts_s2.manualAck();\n"), "{l2}");
        assert!(l2.contains("await new Promise((r) => setTimeout(r, 100)); // the work"), "{l2}");
        assert!(l2.contains("js.publish(\"ticket.created\", sc.encode(\"{\\\"id\\\":\\\"123\\\"}\"))"), "{l2}");
        assert!(f[1].source.contains("// never answers"), "{}", f[1].source);
    }
}
