//! Back to real code: what a learner would write for the real thing — a node-nats-streaming
//! TypeScript file per client, as the course writes it, the server's command line, and a
//! Kubernetes Deployment + Service like the course's. No web dependency: the generated
//! TypeScript of every lesson is type-checked against the published typings by
//! `scripts/test.sh` (`tsc --noEmit`).

use crate::engine::scenario::{AppKind, Handler, SubscribeSpec};
use crate::engine::{stanjs, Scenario, ServerConfig, ServerVersion, StartPosition, Verb};

/// Generated code for one client, and what the learner should know about it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientCode {
    /// `<client id>.ts`.
    pub file: String,
    /// The TypeScript.
    pub source: String,
    /// Where the playground's settings have no faithful stan.js equivalent.
    pub warnings: Vec<String>,
}

/// A TypeScript string literal (single quotes, escaped).
fn lit(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A comment line that cannot end the comment early.
fn comment(s: &str) -> String {
    s.replace("*/", "* /").replace('\n', " ")
}

/// The stan.js call that sets a start position (`None` for the default, new only).
pub fn start_call(start: &StartPosition) -> Option<String> {
    Some(match start {
        StartPosition::NewOnly => return None,
        StartPosition::LastReceived => "setStartWithLastReceived()".into(),
        StartPosition::All => "setDeliverAllAvailable()".into(),
        StartPosition::Seq(n) => format!("setStartAtSequence({n})"),
        StartPosition::TimeDelta(d) => format!("setStartAtTimeDelta({d})"),
    })
}

/// A subscription's options, borrowed from a scenario's `subscribe` or the inspector's edit.
pub struct SubOptions<'a> {
    /// `setManualAckMode(true)`.
    pub manual_ack: bool,
    /// `setAckWait(ms)`.
    pub ack_wait_ms: u64,
    /// `setMaxInFlight(n)`.
    pub max_inflight: i64,
    /// The start position.
    pub start: &'a StartPosition,
    /// `setDurableName(name)`.
    pub durable: Option<&'a str>,
}

impl<'a> SubOptions<'a> {
    /// The options of a scenario's `subscribe`.
    pub fn of(s: &'a SubscribeSpec) -> Self {
        SubOptions { manual_ack: s.manual_ack, ack_wait_ms: s.ack_wait_ms, max_inflight: s.max_inflight, start: &s.start, durable: s.durable.as_deref() }
    }

    /// The calls after `subscriptionOptions()` that differ from stan.js's defaults, in the
    /// course's order; `seconds` writes a whole-second ack wait as `5 * 1000`.
    pub fn calls(&self, seconds: bool) -> Vec<String> {
        let mut calls = Vec::new();
        if self.manual_ack {
            calls.push("setManualAckMode(true)".to_string());
        }
        if self.ack_wait_ms != stanjs::ACK_WAIT_MS {
            calls.push(match self.ack_wait_ms {
                ms if seconds && ms % 1000 == 0 => format!("setAckWait({} * 1000)", ms / 1000),
                ms => format!("setAckWait({ms})"),
            });
        }
        if self.max_inflight != stanjs::MAX_INFLIGHT {
            calls.push(format!("setMaxInFlight({})", self.max_inflight));
        }
        calls.extend(start_call(self.start));
        if let Some(d) = self.durable {
            calls.push(format!("setDurableName({})", lit(d)));
        }
        calls
    }
}

/// The whole `stan.subscribe(...)` call on one line, as the inspector shows it.
pub fn subscribe_line(channel: &str, queue: Option<&str>, o: &SubOptions) -> String {
    let queue = queue.map_or(String::new(), |q| format!(", {}", lit(q)));
    let calls: String = o.calls(false).iter().map(|c| format!(".{c}")).collect();
    format!("stan.subscribe({}{queue}, stan.subscriptionOptions(){calls})", lit(channel))
}

fn options_chain(s: &SubscribeSpec, warnings: &mut Vec<String>) -> String {
    let mut chain = String::from("stan\n      .subscriptionOptions()");
    for call in SubOptions::of(s).calls(true) {
        chain.push_str(&format!("\n      .{call}"));
    }
    if s.ack_wait_ms % 1000 != 0 {
        warnings.push(format!(
            "{}: setAckWait({}) — stan.js sends the ack wait to the server in whole seconds (ackWaitInSecs, an int32), so {} ms is not a value it can send; use a multiple of 1000",
            s.sub, s.ack_wait_ms, s.ack_wait_ms
        ));
    }
    if s.ack_wait_ms < 1000 {
        warnings.push(format!("{}: the server refuses an ack wait under 1 s (stan: invalid ack wait time, should be >= 1s)", s.sub));
    }
    chain
}

fn handler(s: &SubscribeSpec, var: &str) -> String {
    let b = &s.behaviour;
    let mut notes = Vec::new();
    if b.handler == Handler::Sync {
        notes.push("a synchronous handler: it blocks the event loop while it works".to_string());
    }
    if b.process_ms > 0 {
        notes.push(format!("the work takes {} ms", b.process_ms));
    }
    if !b.fail_seqs.is_empty() {
        let times = if b.fail_times == 0 { "always".to_string() } else { format!("{} time(s)", b.fail_times) };
        notes.push(format!("it fails on #{} ({times})", b.fail_seqs.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", #")));
    }
    if b.fail_rate > 0.0 {
        notes.push(format!("it fails {} % of the time", crate::fixed::fixed(b.fail_rate * 100.0, 0)));
    }
    if b.app != AppKind::None {
        let mut fixes = Vec::new();
        if b.version_check {
            fixes.push("applies only version = last + 1");
        }
        if b.idempotent {
            fixes.push("skips event ids it applied");
        }
        if b.ordered {
            fixes.push("holds an event while an earlier one of its record is unwritten");
        }
        notes.push(format!("it runs the {} app{}", b.app.as_str(), if fixes.is_empty() { String::new() } else { format!(" and {}", fixes.join(", ")) }));
    }
    let mut out = format!("  {var}.on('message', {}(msg: Message) => {{\n", if b.handler == Handler::Async { "async " } else { "" });
    for n in &notes {
        out.push_str(&format!("    // In the playground: {}.\n", comment(n)));
    }
    out.push_str("    const data = msg.getData();\n");
    out.push_str("    if (typeof data === 'string') {\n");
    out.push_str("      console.log(`Received event #${msg.getSequence()}, with data: ${data}`);\n");
    out.push_str("    }\n");
    if s.manual_ack {
        out.push_str("    // ...do the work, then:\n    msg.ack();\n");
    }
    out.push_str("  });\n");
    out
}

/// The TypeScript for `client` in `scenario` (its connect, subscriptions and publishes), or
/// `None` when the scenario never connects it.
pub fn client_ts(scenario: &Scenario, client: &str) -> Option<ClientCode> {
    let mut connect = None;
    let (mut subs, mut pubs) = (Vec::new(), Vec::new());
    for a in &scenario.actions {
        match &a.verb {
            Verb::Connect { client: c, ping_interval_ms, ping_max_out, cluster_id } if &**c == client => {
                connect = Some((*ping_interval_ms, *ping_max_out, cluster_id.clone()))
            }
            Verb::Subscribe(s) if &*s.client == client && !subs.iter().any(|x: &&SubscribeSpec| x.sub == s.sub) => subs.push(s),
            Verb::Publish { client: c, channel, data, .. } if &**c == client && !pubs.iter().any(|(ch, _): &(String, String)| ch == &**channel) => {
                pubs.push((channel.to_string(), data.to_string()))
            }
            _ => {}
        }
    }
    let (ping_interval, ping_max_out, cluster) = connect?;
    let cluster = cluster.map_or_else(|| scenario.server.cluster_id.to_string(), |c| c.to_string());
    let mut warnings = Vec::new();
    let mut opts = vec!["url: 'http://localhost:4222'".to_string()];
    if ping_interval != stanjs::PING_INTERVAL_MS {
        opts.push(format!("stanPingInterval: {ping_interval}"));
    }
    if ping_max_out != stanjs::PING_MAX_OUT {
        opts.push(format!("stanMaxPingOut: {ping_max_out}"));
    }
    let role = match (subs.is_empty(), pubs.is_empty()) {
        (false, true) => "Listener",
        (true, false) => "Publisher",
        _ => "Client",
    };
    let mut src = String::from("import nats, { Message, Stan } from 'node-nats-streaming';\n\n");
    src.push_str(&format!("const stan: Stan = nats.connect({}, {}, {{ {} }});\n\n", lit(&cluster), lit(client), opts.join(", ")));
    src.push_str(&format!("stan.on('connect', () => {{\n  console.log({});\n", lit(&format!("{role} connected to NATS"))));
    src.push_str("\n  stan.on('close', () => {\n    console.log('NATS connection closed!');\n    process.exit();\n  });\n");
    for (i, s) in subs.iter().enumerate() {
        let (o, sub) =
            if subs.len() == 1 { ("options".to_string(), "subscription".to_string()) } else { (format!("options{}", i + 1), format!("subscription{}", i + 1)) };
        src.push_str(&format!("\n  const {o} = {};\n", options_chain(s, &mut warnings)));
        match &s.queue {
            Some(q) => src.push_str(&format!("  const {sub} = stan.subscribe({}, {}, {o});\n\n", lit(&s.channel), lit(q))),
            None => src.push_str(&format!("  const {sub} = stan.subscribe({}, {o});\n\n", lit(&s.channel))),
        }
        src.push_str(&handler(s, &sub));
    }
    for (i, (channel, data)) in pubs.iter().enumerate() {
        let var = if pubs.len() == 1 { "data".to_string() } else { format!("data{}", i + 1) };
        src.push_str(&format!("\n  const {var} = {};\n", lit(data)));
        src.push_str(&format!("  stan.publish({}, {var}, () => {{\n    console.log('Event published');\n  }});\n", lit(channel)));
    }
    src.push_str("});\n\nprocess.on('SIGINT', () => stan.close());\nprocess.on('SIGTERM', () => stan.close());\n");
    Some(ClientCode { file: format!("{client}.ts"), source: src, warnings })
}

/// Every client the scenario connects, in first-connect order.
pub fn clients(scenario: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &scenario.actions {
        if let Verb::Connect { client, .. } = &a.verb {
            if !out.iter().any(|c| c == &**client) {
                out.push(client.to_string());
            }
        }
    }
    out
}

fn image(v: ServerVersion) -> &'static str {
    match v {
        ServerVersion::V0_17 => "nats-streaming:0.17.0",
        ServerVersion::V0_25 => "nats-streaming:0.25.6",
    }
}

/// A Kubernetes Deployment + Service for the server, like the course's `nats-depl.yaml`.
pub fn k8s_yaml(c: &ServerConfig) -> String {
    // Each argument one YAML scalar: single-quoted as in the course (`'` doubled), or, with a
    // control character, a JSON string (a valid YAML double-quoted scalar).
    let yaml = |a: &str| {
        if a.chars().any(char::is_control) {
            crate::json::write::quoted(a)
        } else {
            format!("'{}'", a.replace('\'', "''"))
        }
    };
    let args: Vec<String> = c.args().iter().map(|a| format!("              {},", yaml(a))).collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nats-depl\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: nats\n  template:\n    metadata:\n      labels:\n        app: nats\n    spec:\n      containers:\n        - name: nats\n          image: {}\n          args:\n            [\n{}\n            ]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: nats-srv\nspec:\n  selector:\n    app: nats\n  ports:\n    - name: client\n      protocol: TCP\n      port: 4222\n      targetPort: 4222\n    - name: monitoring\n      protocol: TCP\n      port: 8222\n      targetPort: 8222\n",
        image(c.version),
        args.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        Scenario::parse(include_str!("../www/scenarios/course-queue-kill-0.17.json")).unwrap()
    }

    #[test]
    fn a_listener_reads_like_the_course() {
        let s = scenario();
        let code = client_ts(&s, "l1").unwrap();
        assert_eq!(code.file, "l1.ts");
        assert!(code.source.starts_with("import nats, { Message, Stan } from 'node-nats-streaming';\n\nconst stan: Stan = nats.connect('ticketing', 'l1', { url: 'http://localhost:4222' });"), "{}", code.source);
        assert!(
            code.source.contains("  const options = stan\n      .subscriptionOptions()\n      .setManualAckMode(true)\n      .setAckWait(5 * 1000)\n      .setDeliverAllAvailable()\n      .setDurableName('orders-service');\n  const subscription = stan.subscribe('ticket:created', 'orders-service-queue-group', options);"),
            "{}",
            code.source
        );
        assert!(code.source.contains("    msg.ack();\n"));
        assert!(code.source.ends_with("process.on('SIGINT', () => stan.close());\nprocess.on('SIGTERM', () => stan.close());\n"));
        assert!(code.warnings.is_empty());
        assert_eq!(clients(&s)[0], "pub");
    }

    #[test]
    fn an_ack_wait_stan_js_cannot_send_is_flagged_and_text_is_escaped() {
        let s = Scenario::parse(
            r#"{"until_ms": 10, "actions": [
              {"at_ms": 0, "do": "connect", "client": "x"},
              {"at_ms": 0, "do": "subscribe", "client": "x", "sub": "s", "channel": "c", "ack_wait_ms": 1500},
              {"at_ms": 0, "do": "publish", "client": "x", "channel": "c", "data": "it's */ \n ${x}"}]}"#,
        )
        .unwrap();
        let code = client_ts(&s, "x").unwrap();
        assert!(code.source.contains(".setAckWait(1500)"));
        assert_eq!(code.warnings.len(), 1);
        assert!(code.warnings[0].starts_with("s: setAckWait(1500) — stan.js sends the ack wait to the server in whole seconds"));
        assert!(code.source.contains(r"const data = 'it\'s */ \n ${x}';"), "{}", code.source);
        assert!(client_ts(&s, "nobody").is_none());
    }

    #[test]
    fn every_generated_value_is_quoted_so_a_cluster_id_cannot_split_into_arguments() {
        let c = ServerConfig { cluster_id: "tick'eting\"; rm -rf /".into(), ..ServerConfig::default() };
        assert_eq!(c.command_line(), "nats-streaming-server -p 4222 -m 8222 -cid 'tick'\\''eting\"; rm -rf /' -hbi 30s -hbt 10s -hbf 10 -SD");
        let y = k8s_yaml(&c);
        assert!(y.contains("              '-cid',\n              'tick''eting\"; rm -rf /',\n              '-hbi',\n"), "{y}");
        let c = ServerConfig { cluster_id: "a\nb".into(), ..ServerConfig::default() };
        assert!(k8s_yaml(&c).contains("              \"a\\nb\",\n"), "{}", k8s_yaml(&c));
        assert_eq!(c.command_line().lines().count(), 2, "the shell keeps a quoted newline in the word");
        assert!(crate::engine::config::cluster_id_problem("tick'eting\"; rm -rf /").unwrap().ends_with("cannot contain white space"));
        assert!(crate::engine::config::cluster_id_problem("a.b").unwrap().ends_with("cannot contain '.'"));
        assert_eq!(crate::engine::config::cluster_id_problem("ticketing"), None);
    }

    #[test]
    fn the_deployment_carries_the_server_options() {
        let y = k8s_yaml(&scenario().server);
        assert!(y.contains("image: nats-streaming:0.17.0\n"));
        assert!(y.contains("              '-hbi',\n              '5s',\n"), "{y}");
        assert!(y.contains("              '-cid',\n              'ticketing',\n"));
        assert!(y.contains("              '-SD',\n"));
        assert!(y.contains("name: nats-srv"));
    }

    #[test]
    fn the_inspector_line_shows_only_options_off_their_defaults_with_names_escaped() {
        let all = StartPosition::All;
        let mut o = SubOptions {
            manual_ack: false,
            ack_wait_ms: stanjs::ACK_WAIT_MS,
            max_inflight: stanjs::MAX_INFLIGHT,
            start: &StartPosition::NewOnly,
            durable: None,
        };
        assert_eq!(subscribe_line("ticket:created", None, &o), "stan.subscribe('ticket:created', stan.subscriptionOptions())");
        o = SubOptions { manual_ack: true, ack_wait_ms: 5000, max_inflight: 1, start: &all, durable: Some("it's") };
        assert_eq!(
            subscribe_line("a'b", Some("q</script>"), &o),
            "stan.subscribe('a\\'b', 'q</script>', stan.subscriptionOptions().setManualAckMode(true).setAckWait(5000).setMaxInFlight(1).setDeliverAllAvailable().setDurableName('it\\'s'))"
        );
        assert_eq!(o.calls(true)[1], "setAckWait(5 * 1000)");
    }
}
