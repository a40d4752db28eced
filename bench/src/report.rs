//! Per-round figures, their medians, the ratios between targets measured in the same rounds,
//! the table and the JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::target::LogSummary;

/// One target in one round.
#[derive(Clone, Debug, Default)]
pub struct RoundResult {
    /// The target's name (`pixel-sqlite`, `peer`, …).
    pub target: String,
    /// The round, from 1.
    pub round: usize,
    /// Whether the target queues webhooks (then `handled` counts its done jobs).
    pub queues: bool,
    /// Seconds of load: from the first request to the last answer.
    pub load_s: f64,
    /// Requests answered 200.
    pub acknowledged: u64,
    /// Requests not answered 200.
    pub errors: u64,
    /// The first few errors.
    pub error_samples: Vec<String>,
    /// Latency percentiles of the acknowledged requests.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The slowest.
    pub max_ms: f64,
    /// Seconds from the last answer until the queue was empty (or the wait gave up).
    pub drain_s: f64,
    /// Jobs done (queueing targets) or requests acknowledged (the others).
    pub handled: u64,
    /// Jobs done when the load stopped (queueing targets).
    pub handled_during_load: u64,
    /// Jobs still queued when the wait gave up.
    pub leftover: u64,
    /// Dead-lettered jobs.
    pub dead: u64,
    /// Resident memory after start (and install), the most seen during the round, at its end.
    pub rss_start_kib: u64,
    /// The most.
    pub rss_max_kib: u64,
    /// At the end of the drain.
    pub rss_end_kib: u64,
    /// The server's CPU time (user and system) from the load's start to the drain's end.
    pub cpu_s: f64,
    /// The server's log.
    pub log: LogSummary,
    /// How the server exited on SIGTERM.
    pub exit: String,
}

impl RoundResult {
    /// The server's CPU time per request handled, in microseconds: steadier than requests per
    /// second on a shared machine, since it does not count time the server was not running.
    pub fn cpu_us_per_request(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let handled = self.handled.max(1) as f64;
        self.cpu_s.max(0.0) * 1e6 / handled
    }

    /// Acknowledged per second of load.
    pub fn acknowledged_per_s(&self) -> f64 {
        ratio(self.acknowledged, self.load_s)
    }

    /// Handled per second, counted until the queue was empty: the jobs done (at most the
    /// acknowledged ones) over load time plus drain time.
    pub fn handled_per_s(&self) -> f64 {
        ratio(
            self.handled.min(self.acknowledged),
            self.load_s + self.drain_s,
        )
    }

    /// Whether every acknowledged webhook was handled, once, and nothing else was.
    pub fn all_handled(&self) -> bool {
        self.handled == self.acknowledged && self.leftover == 0 && self.dead == 0
    }

    /// The figures as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "target": self.target,
            "round": self.round,
            "load_s": round3(self.load_s),
            "acknowledged": self.acknowledged,
            "acknowledged_per_s": round1(self.acknowledged_per_s()),
            "handled": self.handled,
            "handled_per_s": round1(self.handled_per_s()),
            "drain_s": round3(self.drain_s),
            "handled_during_load": self.handled_during_load,
            "handled_per_s_during_load": round1(ratio(self.handled_during_load, self.load_s)),
            "handled_per_s_during_drain": round1(ratio(
                self.handled.saturating_sub(self.handled_during_load),
                self.drain_s,
            )),
            "all_handled": self.all_handled(),
            "leftover": self.leftover,
            "dead": self.dead,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "p50_ms": round3(self.p50_ms),
            "p99_ms": round3(self.p99_ms),
            "max_ms": round3(self.max_ms),
            "rss_kib_start": self.rss_start_kib,
            "rss_kib_max": self.rss_max_kib,
            "rss_kib_end": self.rss_end_kib,
            "cpu_s": round3(self.cpu_s),
            "cpu_us_per_request": round3(self.cpu_us_per_request()),
            "log_bytes": self.log.bytes,
            "log_lines": self.log.lines,
            "log_problems": self.log.problems,
            "log_problem_samples": self.log.samples,
            "exit": self.exit,
        })
    }
}

fn ratio(count: u64, seconds: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let count = count as f64;
    if seconds > 0.0 { count / seconds } else { 0.0 }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The median of `values` (0 when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

/// A ratio between two targets over the rounds both ran in.
#[derive(Clone, Debug)]
pub struct Ratio {
    /// What it compares.
    pub name: String,
    /// The target it is held to (e.g. "≥ 1.5").
    pub goal: Option<f64>,
    /// A note printed with it.
    pub note: String,
    /// Per round.
    pub per_round: Vec<f64>,
}

impl Ratio {
    /// `metric(numerator) / metric(denominator)` for each round where both ran.
    pub fn between(
        name: &str,
        goal: Option<f64>,
        note: &str,
        results: &[RoundResult],
        numerator: &str,
        denominator: &str,
        metric: fn(&RoundResult) -> f64,
    ) -> Option<Self> {
        let rounds = results.iter().map(|r| r.round).max().unwrap_or(0);
        let per_round: Vec<f64> = (1..=rounds)
            .filter_map(|round| {
                let find = |t: &str| results.iter().find(|r| r.round == round && r.target == t);
                let (a, b) = (find(numerator)?, find(denominator)?);
                let (a, b) = (metric(a), metric(b));
                (b > 0.0).then(|| a / b)
            })
            .collect();
        (!per_round.is_empty()).then(|| Self {
            name: name.to_owned(),
            goal,
            note: note.to_owned(),
            per_round,
        })
    }

    /// The median over the rounds.
    pub fn median(&self) -> f64 {
        median(&self.per_round)
    }

    /// Whether the median meets the goal.
    pub fn met(&self) -> Option<bool> {
        self.goal.map(|goal| self.median() >= goal)
    }

    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "median": round3(self.median()),
            "per_round": self.per_round.iter().map(|r| round3(*r)).collect::<Vec<_>>(),
            "goal_at_least": self.goal,
            "met": self.met(),
            "note": self.note,
        })
    }
}

/// The per-round table.
pub fn rounds_table(results: &[RoundResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>5} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7} {:>6} {:>8}",
        "target",
        "round",
        "acked/s",
        "handled/s",
        "p50 ms",
        "p99 ms",
        "drain s",
        "RSS0 MiB",
        "RSSmax",
        "errors",
        "logerr",
        "handled?"
    );
    for r in results {
        let _ = writeln!(
            out,
            "{:<16} {:>5} {:>10.0} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>9.1} {:>9.1} {:>7} {:>6} {:>8}",
            r.target,
            r.round,
            r.acknowledged_per_s(),
            r.handled_per_s(),
            r.p50_ms,
            r.p99_ms,
            r.drain_s,
            mib(r.rss_start_kib),
            mib(r.rss_max_kib),
            r.errors,
            r.log.problems,
            if r.all_handled() { "all" } else { "MISSING" },
        );
    }
    out
}

/// The medians per target, in the order the targets first appear.
pub fn summary(results: &[RoundResult]) -> Vec<Value> {
    let mut names: Vec<&str> = Vec::new();
    for r in results {
        if !names.contains(&r.target.as_str()) {
            names.push(&r.target);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let rounds: Vec<&RoundResult> = results.iter().filter(|r| r.target == name).collect();
            let of = |f: fn(&RoundResult) -> f64| median(&rounds.iter().map(|r| f(r)).collect::<Vec<_>>());
            json!({
                "target": name,
                "rounds": rounds.len(),
                "acknowledged_per_s": round1(of(RoundResult::acknowledged_per_s)),
                "handled_per_s": round1(of(RoundResult::handled_per_s)),
                "p50_ms": round3(of(|r| r.p50_ms)),
                "p99_ms": round3(of(|r| r.p99_ms)),
                "drain_s": round3(of(|r| r.drain_s)),
                "rss_kib_start": rounds.iter().map(|r| r.rss_start_kib).max(),
                "rss_kib_max": rounds.iter().map(|r| r.rss_max_kib).max(),
                "errors": rounds.iter().map(|r| r.errors).sum::<u64>(),
                "log_problems": rounds.iter().map(|r| r.log.problems).sum::<u64>(),
                "unhandled": rounds.iter().map(|r| r.acknowledged.saturating_sub(r.handled)).sum::<u64>(),
                "all_handled": rounds.iter().all(|r| r.all_handled()),
            })
        })
        .collect()
}

/// The summary as a table.
pub fn summary_table(summary: &[Value]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7} {:>6} {:>9}",
        "median of",
        "acked/s",
        "handled/s",
        "p50 ms",
        "p99 ms",
        "drain s",
        "RSS0 MiB",
        "RSSmax",
        "errors",
        "logerr",
        "unhandled"
    );
    for s in summary {
        let f = |k: &str| s[k].as_f64().unwrap_or(0.0);
        let u = |k: &str| s[k].as_u64().unwrap_or(0);
        let _ = writeln!(
            out,
            "{:<16} {:>10.0} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>9.1} {:>9.1} {:>7} {:>6} {:>9}",
            s["target"].as_str().unwrap_or_default(),
            f("acknowledged_per_s"),
            f("handled_per_s"),
            f("p50_ms"),
            f("p99_ms"),
            f("drain_s"),
            mib(u("rss_kib_start")),
            mib(u("rss_kib_max")),
            u("errors"),
            u("log_problems"),
            u("unhandled"),
        );
    }
    out
}

/// The ratios as lines.
pub fn ratios_text(ratios: &[Ratio]) -> String {
    let mut out = String::new();
    for ratio in ratios {
        let rounds: Vec<String> = ratio.per_round.iter().map(|r| format!("{r:.2}")).collect();
        let verdict = match (ratio.goal, ratio.met()) {
            (Some(goal), Some(true)) => format!("  goal ≥ {goal}: met"),
            (Some(goal), _) => format!("  goal ≥ {goal}: NOT met"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<52} {:>6.2}  (rounds: {}){verdict}{}",
            ratio.name,
            ratio.median(),
            rounds.join(", "),
            if ratio.note.is_empty() {
                String::new()
            } else {
                format!("\n    {}", ratio.note)
            }
        );
    }
    out
}

/// KiB as MiB.
pub fn mib(kib: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let kib = kib as f64;
    kib / 1024.0
}
