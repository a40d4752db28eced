//! Streams products from a `FakeShoporama` with the REST client, and with a plain `reqwest` +
//! `serde_json` loop over the same pages, in the same run; prints the time ratio and the peak
//! RSS after 10,000 and after every 100,000-item run.
//!
//! ```text
//! cargo bench -p shoporama-app --bench rest_stream
//! REST_STREAM_ITEMS=20000 REST_STREAM_ROUNDS=5 cargo bench -p shoporama-app --bench rest_stream
//! ```
//!
//! The fake runs in a child process (this binary, re-run with `--serve-fake N`), so the
//! peak RSS measured (`VmHWM` of `/proc/self/status`) is the client's alone. Both sides
//! parse pages into the same `Product` model (and, in a second row, into
//! `serde_json::Value`); each figure is the best of the rounds, the two sides alternating.

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use shoporama_app::rest::{Budget, Product, RestConfig, ShopClient};
use shoporama_app::secret::AppToken;
use shoporama_app::testing::fake_shoporama::FakeShoporama;

const TOKEN: &str = "bench-token";
const PAGE: u64 = 100;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak and current resident set size in KiB, from `/proc/self/status`.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The child: serve `items` products until stdin closes.
fn serve(items: u64) -> BenchResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let fake = FakeShoporama::builder()
            .token(TOKEN)
            .daily_limit(u64::MAX)
            .seed_products(items)
            .start()
            .await?;
        println!("{}", fake.base_url());
        // The parent closes our stdin when it is done (or dies).
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await;
        fake.shutdown().await;
        Ok(())
    })
}

fn spawn_fake(items: u64) -> BenchResult<(Child, String)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve-fake", &items.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout from the fake")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let base = line.trim().to_owned();
    if !base.starts_with("http://") {
        let _ = child.kill();
        return Err(format!("the fake did not start: {base:?}").into());
    }
    Ok((child, base))
}

async fn client_stream(
    client: &ShopClient,
    items: u64,
    typed: bool,
) -> BenchResult<(u64, Duration)> {
    let started = Instant::now();
    let mut count = 0u64;
    if typed {
        let mut stream = client.products().all();
        while let Some(product) = stream.try_next().await? {
            black_box(&product);
            count += 1;
        }
    } else {
        let mut stream = client
            .resource(shoporama_app::rest::ResourceKind::Product)
            .all();
        while let Some(product) = stream.try_next().await? {
            black_box(&product);
            count += 1;
        }
    }
    let elapsed = started.elapsed();
    if count != items {
        return Err(format!("the client streamed {count} of {items}").into());
    }
    Ok((count, elapsed))
}

#[derive(Deserialize)]
struct PlainPaging {
    total: u64,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct PlainPage<T> {
    paging: PlainPaging,
    products: Vec<T>,
}

/// The baseline: `reqwest` + `serde_json`, page by page, stopping on `total`.
async fn plain_loop<T: DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    items: u64,
) -> BenchResult<(u64, Duration)> {
    let started = Instant::now();
    let (mut offset, mut count) = (0u64, 0u64);
    loop {
        let bytes = http
            .get(format!("{base}product?limit={PAGE}&offset={offset}"))
            .header("Authorization", format!("Shoporama {TOKEN}"))
            .header("Accept", "application/json")
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let page: PlainPage<T> = serde_json::from_slice(&bytes)?;
        let n = page.products.len() as u64;
        for product in page.products {
            black_box(&product);
        }
        count += n;
        offset += n;
        if n == 0 || offset >= page.paging.total {
            break;
        }
    }
    let elapsed = started.elapsed();
    if count != items {
        return Err(format!("the plain loop streamed {count} of {items}").into());
    }
    Ok((count, elapsed))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(items: u64, rounds: u64) -> BenchResult<()> {
    let (mut child, base) = spawn_fake(items)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let client = ShopClient::new(
            RestConfig::new(&base).user_agent("rest_stream bench"),
            AppToken::new(TOKEN),
            Arc::new(Budget::new(100_000_000, 0)),
        );
        let http = reqwest::Client::new();

        // Warm up both (connections, allocator), then the 10k-item memory mark.
        let small = items.min(10_000);
        let small_client = ShopClient::new(
            RestConfig::new(&base).user_agent("rest_stream bench"),
            AppToken::new(TOKEN),
            Arc::new(Budget::new(100_000_000, 0)),
        );
        let mut stream = small_client.products().all();
        let mut seen = 0u64;
        while seen < small {
            if stream.try_next().await?.is_none() {
                break;
            }
            seen += 1;
        }
        drop(stream);
        let (hwm_small, _) = memory_kib();
        plain_loop::<Product>(&http, &base, items).await?;

        let mut best = [Duration::MAX; 4];
        for round in 0..rounds {
            let mut measure = async |slot: usize| -> BenchResult<()> {
                let (_, elapsed) = match slot {
                    0 => client_stream(&client, items, true).await?,
                    1 => plain_loop::<Product>(&http, &base, items).await?,
                    2 => client_stream(&client, items, false).await?,
                    _ => plain_loop::<Value>(&http, &base, items).await?,
                };
                best[slot] = best[slot].min(elapsed);
                Ok(())
            };
            let order: [usize; 4] = if round % 2 == 0 { [0, 1, 2, 3] } else { [1, 0, 3, 2] };
            for slot in order {
                measure(slot).await?;
            }
        }
        let (hwm_large, rss) = memory_kib();

        println!("rest_stream: {items} products, {PAGE} per page, best of {rounds} rounds (fake in a child process)");
        println!("| model             | client (ms) | plain reqwest+serde_json (ms) | ratio |");
        println!("|-------------------|------------:|------------------------------:|------:|");
        for (name, client_slot, plain_slot) in [("Product (typed)", 0, 1), ("serde_json::Value", 2, 3)] {
            println!(
                "| {name:<17} | {:>11.1} | {:>29.1} | {:>5.3} |",
                ms(best[client_slot]),
                ms(best[plain_slot]),
                best[client_slot].as_secs_f64() / best[plain_slot].as_secs_f64()
            );
        }
        println!(
            "peak RSS (VmHWM): {hwm_small} KiB after {small} items; {hwm_large} KiB after {} runs of {items} items (growth {} KiB); VmRSS now {rss} KiB",
            rounds * 4 + 1,
            hwm_large.saturating_sub(hwm_small)
        );
        BenchResult::Ok(())
    });
    if let Some(stdin) = child.stdin.take() {
        drop(stdin);
    }
    let _ = child.wait();
    outcome
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.iter().position(|a| a == "--serve-fake") {
        Some(at) => {
            let items = args
                .get(at + 1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(100_000);
            serve(items)
        }
        None => run(
            env_number("REST_STREAM_ITEMS", 100_000),
            env_number("REST_STREAM_ROUNDS", 3).max(1),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rest_stream: {error}");
            ExitCode::FAILURE
        }
    }
}
