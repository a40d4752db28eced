//! `serve-bench`: what users run (`pixel serve` with its default configuration) against an
//! Express + better-sqlite3 peer at equal durability and a bare axum handler, in alternating
//! rounds of one run. `bash scripts/bench-serve.sh` builds everything and runs it; see
//! `BENCHMARKS.md`.
//!
//! ```text
//! serve-bench [--rounds 3] [--seconds 10] [--concurrency 64] [--targets pixel-sqlite,peer,…]
//! serve-bench --requests 1000000 --rate 1000 [--database sqlite|postgres]   # long-run RSS check
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use clap::{Parser, ValueEnum};
use serde_json::{Value, json};
use shoporama_app_bench::load::{self, Body, LoadSpec};
use shoporama_app_bench::queue::{Queue, Table};
use shoporama_app_bench::report::{self, Ratio, RoundResult, mib};
use shoporama_app_bench::target::{Program, Programs, Server};

#[derive(Parser, Debug)]
#[command(about = "End-to-end benchmark of `pixel serve` against an Express peer and bare axum")]
struct Args {
    /// Rounds; each runs every target once (in an order rotated per round).
    #[arg(long, env = "BENCH_ROUNDS", default_value_t = 3)]
    rounds: usize,
    /// Seconds of load per target and round.
    #[arg(long, env = "BENCH_SECONDS", default_value_t = 10.0)]
    seconds: f64,
    /// Concurrent keep-alive connections.
    #[arg(long, env = "BENCH_CONCURRENCY", default_value_t = 64)]
    concurrency: usize,
    /// The longest wait, in seconds, for a target's queue to empty after the load.
    #[arg(long, env = "BENCH_DRAIN_TIMEOUT", default_value_t = 120.0)]
    drain_timeout: f64,
    /// The targets (comma-separated).
    #[arg(
        long,
        env = "BENCH_TARGETS",
        value_delimiter = ',',
        default_value = "pixel-sqlite,pixel-postgres,peer,bare,pixel-event,bare-event"
    )]
    targets: Vec<TargetName>,
    /// PostgreSQL for `pixel-postgres` (a fresh schema per round); without it that target
    /// is skipped.
    #[arg(long, env = "SHOPORAMA_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// The pixel binary (default: `pixel` next to this one).
    #[arg(long)]
    pixel: Option<PathBuf>,
    /// The bare axum binary (default: `bare-axum` next to this one).
    #[arg(long)]
    bare: Option<PathBuf>,
    /// The Express peer's directory, with its `node_modules`.
    #[arg(long, default_value = "bench/express-peer")]
    peer_dir: PathBuf,
    /// Node.js.
    #[arg(long, env = "NODE", default_value = "node")]
    node: PathBuf,
    /// Where the JSON report goes.
    #[arg(long, env = "BENCH_OUT", default_value = "bench-serve.json")]
    out: PathBuf,
    /// Keep the servers' logs (in a directory printed at the end).
    #[arg(long, env = "BENCH_KEEP_LOGS")]
    keep_logs: bool,
    /// Extra environment for the pixel, as NAME=VALUE (comma-separated or repeated): for
    /// diagnostics, e.g. `SHOPORAMA_INBOX_WORKERS=16` or `RUST_LOG=warn`. The figures are
    /// then not those of the default configuration; the report says so.
    #[arg(long, env = "BENCH_PIXEL_ENV", value_delimiter = ',')]
    pixel_env: Vec<String>,
    /// Threads of the load generator.
    #[arg(long, env = "BENCH_CLIENT_THREADS", default_value_t = 1)]
    client_threads: usize,
    /// Long-run mode: send this many `paid` webhooks to one pixel at `--rate`, sampling its
    /// memory each second.
    #[arg(long, env = "BENCH_REQUESTS")]
    requests: Option<u64>,
    /// Long-run mode: requests per second.
    #[arg(long, env = "BENCH_RATE", default_value_t = 1000.0)]
    rate: f64,
    /// Long-run mode: the callback type: `paid` (a webhook, through the inbox) or
    /// `add_to_basket` (a storefront event, handled inline).
    #[arg(long, env = "BENCH_KIND", default_value = "paid")]
    kind: String,
    /// Long-run mode: the pixel's database.
    #[arg(long, env = "BENCH_DATABASE", value_enum, default_value_t = Database::Sqlite)]
    database: Database,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TargetName {
    /// `pixel serve`, default config, SQLite: `paid` webhooks through the inbox.
    PixelSqlite,
    /// The same on PostgreSQL.
    PixelPostgres,
    /// The Express peer: `paid` webhooks recorded in SQLite, a worker marks them done.
    Peer,
    /// Bare axum: `paid` webhooks parsed and dropped.
    Bare,
    /// `pixel serve`, SQLite: `add_to_basket` events, handled inline.
    PixelEvent,
    /// Bare axum: `add_to_basket` events parsed and dropped.
    BareEvent,
}

impl TargetName {
    fn name(self) -> &'static str {
        match self {
            Self::PixelSqlite => "pixel-sqlite",
            Self::PixelPostgres => "pixel-postgres",
            Self::Peer => "peer",
            Self::Bare => "bare",
            Self::PixelEvent => "pixel-event",
            Self::BareEvent => "bare-event",
        }
    }

    fn program(self) -> Program {
        match self {
            Self::PixelSqlite | Self::PixelPostgres | Self::PixelEvent => Program::Pixel,
            Self::Peer => Program::Peer,
            Self::Bare | Self::BareEvent => Program::Bare,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Self::PixelEvent | Self::BareEvent => "add_to_basket",
            _ => "paid",
        }
    }

    fn queue(self) -> Option<Table> {
        match self {
            Self::PixelSqlite | Self::PixelPostgres => Some(Table::Inbox),
            Self::Peer => Some(Table::Peer),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Database {
    Sqlite,
    Postgres,
}

/// What every round shares.
struct Bench {
    args: Args,
    programs: Programs,
    work: PathBuf,
    ids: Arc<AtomicU64>,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    if args
        .postgres_url
        .as_deref()
        .is_some_and(|u| u.trim().is_empty())
    {
        args.postgres_url = None;
    }
    let here = std::env::current_exe().expect("the benchmark's own path");
    let programs = Programs {
        pixel: args
            .pixel
            .clone()
            .unwrap_or_else(|| here.with_file_name("pixel")),
        bare: args
            .bare
            .clone()
            .unwrap_or_else(|| here.with_file_name("bare-axum")),
        peer_dir: std::fs::canonicalize(&args.peer_dir).unwrap_or_else(|e| {
            panic!(
                "the Express peer's directory {}: {e}",
                args.peer_dir.display()
            )
        }),
        node: args.node.clone(),
        pixel_env: args
            .pixel_env
            .iter()
            .filter(|pair| !pair.trim().is_empty())
            .map(|pair| {
                let (name, value) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("--pixel-env expects NAME=VALUE, got `{pair}`"));
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect(),
    };
    if !programs.pixel_env.is_empty() {
        eprintln!(
            "NOTE: the pixel runs with extra environment {:?}: not the default configuration",
            programs.pixel_env
        );
    }
    for binary in [&programs.pixel, &programs.bare] {
        assert!(
            binary.exists(),
            "{} is missing: build it first (scripts/bench-serve.sh does)",
            binary.display()
        );
    }
    let work = std::env::temp_dir().join(format!("serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("a work directory in the temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
        .expect("the load generator's Tokio runtime");
    let keep_logs = args.keep_logs;
    let bench = Bench {
        args,
        programs,
        work: work.clone(),
        ids: Arc::new(AtomicU64::new(1_000_000)),
    };
    let code = if bench.args.requests.is_some() {
        runtime.block_on(long_run(&bench))
    } else {
        runtime.block_on(rounds(&bench))
    };
    if keep_logs {
        eprintln!("logs kept in {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    code
}

/// Alternating rounds of every target; the table, the ratios, the JSON.
async fn rounds(bench: &Bench) -> ExitCode {
    let args = &bench.args;
    let mut targets = args.targets.clone();
    targets.dedup();
    if args.postgres_url.is_none() && targets.contains(&TargetName::PixelPostgres) {
        eprintln!("pixel-postgres skipped: set SHOPORAMA_TEST_POSTGRES_URL");
        targets.retain(|t| *t != TargetName::PixelPostgres);
    }
    let started_at = unix_seconds();
    let load_before = loadavg();
    eprintln!(
        "serve-bench: {} round(s) × {} target(s) × {} s, {} connections; commit {}; {} cores; load average {load_before}",
        args.rounds,
        targets.len(),
        args.seconds,
        args.concurrency,
        commit(),
        cores()
    );
    let mut results = Vec::new();
    for round in 1..=args.rounds {
        let mut order = targets.clone();
        let shift = (round - 1) % order.len().max(1);
        order.rotate_left(shift);
        for target in order {
            let result = run_target(bench, target, round).await;
            eprintln!(
                "round {round} {:<15} acked/s {:>8.0}  handled/s {:>8.0}  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.0} ms  drain {:>6.2} s  RSS {:.1}→{:.1} MiB  CPU {:.1} µs/req  errors {}  {}",
                result.target,
                result.acknowledged_per_s(),
                result.handled_per_s(),
                result.p50_ms,
                result.p99_ms,
                result.max_ms,
                result.drain_s,
                mib(result.rss_start_kib),
                mib(result.rss_max_kib),
                result.cpu_us_per_request(),
                result.errors,
                if result.all_handled() {
                    String::new()
                } else {
                    format!(
                        "NOT ALL HANDLED: {} acked, {} done, {} queued, {} dead",
                        result.acknowledged, result.handled, result.leftover, result.dead
                    )
                }
            );
            results.push(result);
        }
    }
    // Listed in target order, then by round.
    results.sort_by_key(|r| (targets.iter().position(|t| t.name() == r.target), r.round));

    let peer_note = "the Express peer runs on SQLite only: this is the pixel on PostgreSQL over the peer's SQLite figure of the same round";
    let handled = |r: &RoundResult| r.handled_per_s();
    let acked = |r: &RoundResult| r.acknowledged_per_s();
    let ratios: Vec<Ratio> = [
        Ratio::between(
            "webhooks handled/s (until empty): pixel-sqlite / peer",
            Some(1.5),
            "",
            &results,
            "pixel-sqlite",
            "peer",
            handled,
        ),
        Ratio::between(
            "webhooks handled/s (until empty): pixel-postgres / peer",
            Some(2.0),
            peer_note,
            &results,
            "pixel-postgres",
            "peer",
            handled,
        ),
        Ratio::between(
            "event requests/s: pixel-event / bare-event",
            Some(0.85),
            "",
            &results,
            "pixel-event",
            "bare-event",
            acked,
        ),
        Ratio::between(
            "webhooks acknowledged/s: pixel-sqlite / peer",
            None,
            "",
            &results,
            "pixel-sqlite",
            "peer",
            acked,
        ),
        Ratio::between(
            "webhooks acknowledged/s: pixel-postgres / peer",
            None,
            "",
            &results,
            "pixel-postgres",
            "peer",
            acked,
        ),
        Ratio::between(
            "webhooks acknowledged/s: pixel-sqlite / bare",
            None,
            "",
            &results,
            "pixel-sqlite",
            "bare",
            acked,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();

    let summary = report::summary(&results);
    println!();
    println!("{}", report::rounds_table(&results));
    println!("{}", report::summary_table(&summary));
    println!("{}", report::ratios_text(&ratios));
    let lost: Vec<&RoundResult> = results.iter().filter(|r| !r.all_handled()).collect();
    for r in &lost {
        println!(
            "!!! {} round {}: {} acknowledged but {} handled ({} still queued, {} dead) — acknowledged webhooks were not handled",
            r.target, r.round, r.acknowledged, r.handled, r.leftover, r.dead
        );
    }
    for r in results.iter().filter(|r| r.errors > 0) {
        println!(
            "!!! {} round {}: {} requests not acknowledged: {:?}",
            r.target, r.round, r.errors, r.error_samples
        );
    }
    for r in results.iter().filter(|r| r.log.problems > 0) {
        println!(
            "!!! {} round {}: {} problem line(s) in its log, e.g. {:?}",
            r.target, r.round, r.log.problems, r.log.samples
        );
    }
    let report = json!({
        "benchmark": "serve-bench",
        "commit": commit(),
        "started_at_unix": started_at,
        "machine": {
            "cores": cores(),
            "load_average_start": load_before,
            "load_average_end": loadavg(),
        },
        "config": {
            "rounds": args.rounds,
            "seconds": args.seconds,
            "concurrency": args.concurrency,
            "drain_timeout_s": args.drain_timeout,
            "client_threads": args.client_threads,
            "pixel_env": args.pixel_env,
            "targets": targets.iter().map(|t| t.name()).collect::<Vec<_>>(),
        },
        "summary": summary,
        "ratios": ratios.iter().map(Ratio::to_json).collect::<Vec<_>>(),
        "rounds": results.iter().map(RoundResult::to_json).collect::<Vec<_>>(),
    });
    write_json(&args.out, &report);
    if lost.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Where a target keeps its data this round.
struct Storage {
    /// The pixel's `DATABASE_URL`, the peer's file, nothing for bare.
    database: String,
    /// The URL the benchmark reads the queue through.
    queue_url: String,
    /// Files to delete afterwards.
    files: Vec<PathBuf>,
    /// A PostgreSQL schema to drop afterwards.
    schema: Option<(String, String)>,
}

impl Storage {
    fn sqlite(path: &Path) -> Self {
        let url = format!("sqlite://{}", path.display());
        let mut files = vec![path.to_owned()];
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(name.into());
        }
        Self {
            database: url.clone(),
            queue_url: url,
            files,
            schema: None,
        }
    }

    fn postgres(base: &str) -> Self {
        let url = shoporama_app_tests::fresh_postgres_schema(base, "bench");
        let schema = url
            .rsplit_once("options[search_path]=")
            .map(|(_, s)| s.split('&').next().unwrap_or(s).to_owned())
            .expect("the schema is in the URL");
        Self {
            database: url.clone(),
            queue_url: url,
            files: Vec::new(),
            schema: Some((base.to_owned(), schema)),
        }
    }

    fn remove(&self) {
        for file in &self.files {
            let _ = std::fs::remove_file(file);
        }
        if let Some((base, schema)) = &self.schema {
            let dropped = Command::new("psql")
                .arg(base)
                .args([
                    "-q",
                    "-c",
                    &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
                ])
                .output();
            if !dropped.is_ok_and(|o| o.status.success()) {
                eprintln!("warning: could not drop schema {schema}");
            }
        }
    }
}

/// Samples a process's resident memory every `every` until stopped: the maximum, and every
/// sample with its time.
struct RssSampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<(f64, u64)>>,
}

impl RssSampler {
    fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(every);
            while !flag.load(Ordering::Relaxed) {
                tick.tick().await;
                samples.push((
                    started.elapsed().as_secs_f64(),
                    shoporama_app_tests::rss_kib(pid),
                ));
            }
            samples
        });
        Self { stop, task }
    }

    async fn finish(self) -> Vec<(f64, u64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("the RSS sampler")
    }
}

fn storage_for(bench: &Bench, target: TargetName, round: usize) -> Storage {
    let file = |name: &str| bench.work.join(format!("{name}-r{round}.db"));
    match target {
        TargetName::PixelPostgres => Storage::postgres(
            bench
                .args
                .postgres_url
                .as_deref()
                .expect("PostgreSQL is configured"),
        ),
        TargetName::Peer => {
            let mut storage = Storage::sqlite(&file(target.name()));
            storage.database = storage.files[0].display().to_string();
            storage
        }
        TargetName::Bare | TargetName::BareEvent => Storage {
            database: String::new(),
            queue_url: String::new(),
            files: Vec::new(),
            schema: None,
        },
        _ => Storage::sqlite(&file(target.name())),
    }
}

/// One target, one round: start it, load it, wait for its queue, stop it.
async fn run_target(bench: &Bench, target: TargetName, round: usize) -> RoundResult {
    let args = &bench.args;
    let storage = storage_for(bench, target, round);
    let log = bench.work.join(format!("{}-r{round}.log", target.name()));
    let mut server = Server::start(&bench.programs, target.program(), &storage.database, &log);
    if target.program() == Program::Pixel {
        server.install(&bench.programs);
    }
    let queue = match target.queue() {
        Some(table) => Some(Queue::open(table, &storage.queue_url).await),
        None => None,
    };
    let before = match &queue {
        Some(queue) => queue.counts().await.expect("the queue can be read"),
        None => shoporama_app_bench::queue::Counts::default(),
    };
    let rss_start = server.rss_kib();
    let cpu_start = server.cpu_seconds();
    let memory = RssSampler::start(server.pid(), Duration::from_millis(250));
    let spec = LoadSpec {
        addr: server.addr,
        kind: target.kind().to_owned(),
        body: Body::sample(target.kind(), queue.is_some()),
        concurrency: args.concurrency,
        duration: Some(Duration::from_secs_f64(args.seconds)),
        requests: None,
        rate: None,
        timeout: Duration::from_secs(30),
    };
    let outcome = load::run(&spec, &bench.ids, &Arc::new(AtomicU64::new(0))).await;
    let at_load_end = match &queue {
        Some(queue) => queue.counts().await.expect("the queue can be read"),
        None => before,
    };
    let (drain, after) = match &queue {
        Some(queue) => {
            queue
                .drain(
                    Duration::from_secs_f64(args.drain_timeout),
                    Duration::from_millis(50),
                )
                .await
        }
        None => (Duration::ZERO, before),
    };
    let rss_end = server.rss_kib();
    let cpu_s = server.cpu_seconds() - cpu_start;
    let samples = memory.finish().await;
    if !server.running() {
        eprintln!("!!! {} exited during round {round}", target.name());
    }
    let exit = match server.terminate(Duration::from_secs(30)) {
        Ok(status) if status.success() => "ok".to_owned(),
        Ok(status) => format!("exited with {status}"),
        Err(error) => error,
    };
    let log_summary = server.log_problems();
    drop(server);
    if let Some(queue) = queue {
        queue.close().await;
    }
    storage.remove();
    if !args.keep_logs {
        let _ = std::fs::remove_file(&log);
    }
    let queued = target.queue().is_some();
    RoundResult {
        target: target.name().to_owned(),
        round,
        queues: queued,
        load_s: outcome.elapsed.as_secs_f64(),
        acknowledged: outcome.acknowledged,
        errors: outcome.errors,
        error_samples: outcome.error_samples.clone(),
        p50_ms: outcome.percentile_ms(50.0),
        p99_ms: outcome.percentile_ms(99.0),
        max_ms: outcome.percentile_ms(100.0),
        drain_s: drain.as_secs_f64(),
        handled: if queued {
            after.done - before.done
        } else {
            outcome.acknowledged
        },
        handled_during_load: at_load_end.done - before.done,
        leftover: after.queued,
        dead: after.dead - before.dead,
        rss_start_kib: rss_start,
        rss_max_kib: samples
            .iter()
            .map(|(_, kib)| *kib)
            .chain([rss_start, rss_end])
            .max()
            .unwrap_or(0),
        rss_end_kib: rss_end,
        cpu_s,
        log: log_summary,
        exit,
    }
}

/// Long-run mode: one pixel, `--requests` callbacks of type `--kind` at `--rate`, memory
/// sampled each second.
async fn long_run(bench: &Bench) -> ExitCode {
    let args = &bench.args;
    let requests = args.requests.expect("long-run mode has a request count");
    let kind = args.kind.as_str();
    // Storefront events are handled before the answer; webhooks through the inbox.
    let inline = matches!(
        kind,
        "add_to_basket" | "update_basket" | "view_basket" | "view_thanks"
    );
    let storage = match args.database {
        Database::Sqlite => Storage::sqlite(&bench.work.join("long-run.db")),
        Database::Postgres => Storage::postgres(
            args.postgres_url
                .as_deref()
                .expect("--database postgres needs SHOPORAMA_TEST_POSTGRES_URL"),
        ),
    };
    let log = bench.work.join("long-run.log");
    let mut server = Server::start(&bench.programs, Program::Pixel, &storage.database, &log);
    server.install(&bench.programs);
    let queue = Queue::open(Table::Inbox, &storage.queue_url).await;
    let before = queue.counts().await.expect("the queue can be read");
    let rss_start = server.rss_kib();
    eprintln!(
        "long run: {requests} `{kind}` callbacks at {} /s over {} connections to pixel on {:?}; RSS at start {:.1} MiB; commit {}; load average {}",
        args.rate,
        args.concurrency,
        args.database,
        mib(rss_start),
        commit(),
        loadavg()
    );
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // Memory each second, with the acknowledged count at that moment; progress every 10 s.
    let progress = {
        let (acked, stop, pid) = (Arc::clone(&acked), Arc::clone(&stop), server.pid());
        tokio::spawn(async move {
            let started = Instant::now();
            let mut curve = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let (n, rss) = (
                    acked.load(Ordering::Relaxed),
                    shoporama_app_tests::rss_kib(pid),
                );
                curve.push((n, rss));
                let seconds = started.elapsed().as_secs();
                if seconds.is_multiple_of(10) && seconds > 0 {
                    eprintln!(
                        "  {seconds:>5} s: {n} acknowledged, RSS {:.1} MiB",
                        mib(rss)
                    );
                }
            }
            curve
        })
    };
    let spec = LoadSpec {
        addr: server.addr,
        kind: kind.to_owned(),
        body: Body::sample(kind, !inline),
        concurrency: args.concurrency,
        duration: None,
        requests: Some(requests),
        rate: Some(args.rate),
        timeout: Duration::from_secs(30),
    };
    let outcome = load::run(&spec, &bench.ids, &acked).await;
    let (drain, after) = queue
        .drain(
            Duration::from_secs_f64(args.drain_timeout),
            Duration::from_millis(200),
        )
        .await;
    let rss_after_drain = server.rss_kib();
    stop.store(true, Ordering::Relaxed);
    let curve = progress.await.expect("the memory sampler");
    let exit = match server.terminate(Duration::from_secs(30)) {
        Ok(status) if status.success() => "ok".to_owned(),
        Ok(status) => format!("exited with {status}"),
        Err(error) => error,
    };
    let log_summary = server.log_problems();
    let database_bytes: u64 = storage
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    drop(server);
    queue.close().await;
    storage.remove();
    if !args.keep_logs {
        let _ = std::fs::remove_file(&log);
    }
    let handled = if inline {
        outcome.acknowledged
    } else {
        after.done - before.done
    };
    // Memory when a fraction of the requests had been acknowledged.
    let at_fraction = |fraction: f64| -> u64 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let mark = (requests as f64 * fraction) as u64;
        curve
            .iter()
            .find(|(n, _)| *n >= mark)
            .or(curve.last())
            .map_or(0, |(_, rss)| *rss)
    };
    let marks: Vec<(String, u64)> = [0.1, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|f| (format!("{}%", f * 100.0), at_fraction(f)))
        .collect();
    let rss_max = curve.iter().map(|(_, kib)| *kib).max().unwrap_or(0);
    println!();
    println!(
        "long run: {} acknowledged ({} errors) in {:.1} s = {:.0}/s; p50 {:.2} ms, p99 {:.2} ms; drained in {:.1} s; {handled} handled, {} queued, {} dead",
        outcome.acknowledged,
        outcome.errors,
        outcome.elapsed.as_secs_f64(),
        outcome.acknowledged_per_s(),
        outcome.percentile_ms(50.0),
        outcome.percentile_ms(99.0),
        drain.as_secs_f64(),
        after.queued,
        after.dead
    );
    println!(
        "RSS MiB: start {:.1}; {}; after drain {:.1}; max {:.1}",
        mib(rss_start),
        marks
            .iter()
            .map(|(label, kib)| format!("at {label} of requests {:.1}", mib(*kib)))
            .collect::<Vec<_>>()
            .join("; "),
        mib(rss_after_drain),
        mib(rss_max)
    );
    println!(
        "log: {} lines, {} problem(s) {:?}; database {:.0} MiB; exit {exit}",
        log_summary.lines,
        log_summary.problems,
        log_summary.samples,
        mib(database_bytes / 1024)
    );
    let all_handled = handled == outcome.acknowledged && after.queued == 0 && after.dead == 0;
    if !all_handled {
        println!(
            "!!! {} acknowledged but {handled} handled ({} still queued, {} dead)",
            outcome.acknowledged, after.queued, after.dead
        );
    }
    let report = json!({
        "benchmark": "serve-bench long run",
        "commit": commit(),
        "started_at_unix": unix_seconds(),
        "machine": { "cores": cores(), "load_average_end": loadavg() },
        "config": {
            "requests": requests,
            "kind": kind,
            "rate_per_s": args.rate,
            "concurrency": args.concurrency,
            "pixel_env": args.pixel_env,
            "database": format!("{:?}", args.database).to_lowercase(),
        },
        "acknowledged": outcome.acknowledged,
        "errors": outcome.errors,
        "error_samples": outcome.error_samples,
        "load_s": outcome.elapsed.as_secs_f64(),
        "acknowledged_per_s": outcome.acknowledged_per_s(),
        "p50_ms": outcome.percentile_ms(50.0),
        "p99_ms": outcome.percentile_ms(99.0),
        "drain_s": drain.as_secs_f64(),
        "handled": handled,
        "leftover": after.queued,
        "dead": after.dead,
        "all_handled": all_handled,
        "rss_kib_start": rss_start,
        "rss_kib_at": marks.iter().map(|(label, kib)| (label.clone(), Value::from(*kib))).collect::<serde_json::Map<_, _>>(),
        "rss_kib_after_drain": rss_after_drain,
        "rss_kib_max": rss_max,
        "rss_kib_per_second": curve.iter().map(|(_, kib)| *kib).collect::<Vec<_>>(),
        "log_lines": log_summary.lines,
        "log_problems": log_summary.problems,
        "log_problem_samples": log_summary.samples,
        "database_bytes": database_bytes,
        "exit": exit,
    });
    write_json(&args.out, &report);
    if all_handled {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn write_json(path: &Path, report: &Value) {
    let text = serde_json::to_string_pretty(report).expect("the report serializes");
    std::fs::write(path, text + "\n")
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    eprintln!("report written to {}", path.display());
}

/// The commit under test: `BENCH_COMMIT`, else `git describe`.
fn commit() -> String {
    if let Ok(commit) = std::env::var("BENCH_COMMIT") {
        return commit;
    }
    Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
