//! Keep-alive HTTP/1.1 clients on loopback that send Shoporama-like callbacks and time each
//! answer.
//!
//! Written on a bare `TcpStream` (one request in flight per connection, answers parsed with
//! `httparse`) rather than with a full HTTP client: on a 2-core machine the load generator
//! shares the CPU with the server under test, and the cheaper it is per request, the less it
//! flattens the differences between the targets.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::{TOKEN, WEBSHOP_ID};

/// The number put where a callback body's id goes, then replaced per request.
const ID_PLACEHOLDER: u64 = 987_654_321_012_345;

/// A callback body with a distinct id per request: Shoporama's sample body for the type
/// ([`shoporama_app::testing::sample_body`], or for a webhook
/// [`shoporama_app::testing::sample_webhook_body`], which an app subscribed to the name both
/// as event and webhook, like the pixel to `paid`, takes as the webhook) with its `order_id`
/// (or `basket_id`) replaced.
#[derive(Clone, Debug)]
pub struct Body {
    prefix: String,
    suffix: String,
}

impl Body {
    /// The body of callback type `kind`, sent as a webhook when `webhook` is set, else as a
    /// storefront event.
    pub fn sample(kind: &str, webhook: bool) -> Self {
        let mut value = if webhook {
            shoporama_app::testing::sample_webhook_body(kind, WEBSHOP_ID)
        } else {
            shoporama_app::testing::sample_body(kind, WEBSHOP_ID)
        };
        let object = value
            .as_object_mut()
            .expect("sample bodies are JSON objects");
        let field = ["order_id", "basket_id", "product_id"]
            .into_iter()
            .find(|f| object.contains_key(*f))
            .unwrap_or_else(|| panic!("the `{kind}` sample body has no id to vary"));
        object.insert(field.to_owned(), ID_PLACEHOLDER.into());
        let text = value.to_string();
        let (prefix, suffix) = text
            .split_once(&ID_PLACEHOLDER.to_string())
            .expect("the placeholder id is in the body");
        Self {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        }
    }

    /// The body for id `id`, appended to `out`.
    fn write(&self, id: u64, out: &mut String) {
        out.push_str(&self.prefix);
        let _ = write!(out, "{id}");
        out.push_str(&self.suffix);
    }
}

/// What to send, to whom, for how long.
#[derive(Clone, Debug)]
pub struct LoadSpec {
    /// The server.
    pub addr: SocketAddr,
    /// The callback type (`paid`, `add_to_basket`): `/callback?type=…&webshop_id=…`.
    pub kind: String,
    /// The body.
    pub body: Body,
    /// Connections, each with one request in flight.
    pub concurrency: usize,
    /// Stop sending after this long (with or without `requests`).
    pub duration: Option<Duration>,
    /// Stop after this many requests (with or without `duration`).
    pub requests: Option<u64>,
    /// Requests per second over all connections (none: as fast as answered).
    pub rate: Option<f64>,
    /// A request not answered within this counts as an error (and its connection is dropped).
    pub timeout: Duration,
}

/// What a load run observed.
#[derive(Clone, Debug, Default)]
pub struct LoadOutcome {
    /// Requests answered 200.
    pub acknowledged: u64,
    /// Requests answered otherwise, not answered in time, or lost with their connection.
    pub errors: u64,
    /// The first few distinct errors.
    pub error_samples: Vec<String>,
    /// The latencies of the acknowledged requests, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// From the first request to the last answer.
    pub elapsed: Duration,
}

impl LoadOutcome {
    /// The `p`-th percentile (0–100) of the acknowledged latencies, in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((self.latencies_us.len() as f64 * p / 100.0) as usize)
            .min(self.latencies_us.len() - 1);
        f64::from(self.latencies_us[index]) / 1000.0
    }

    /// Acknowledged requests per second of load.
    pub fn acknowledged_per_s(&self) -> f64 {
        per_second(self.acknowledged, self.elapsed)
    }
}

/// `count` per second over `time`.
pub fn per_second(count: u64, time: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let count = count as f64;
    if time.is_zero() {
        0.0
    } else {
        count / time.as_secs_f64()
    }
}

/// Runs `spec`. Ids come from `ids` (shared by every run, so no two requests of a benchmark
/// carry the same order); `acknowledged` counts as answers arrive (for progress reports).
pub async fn run(
    spec: &LoadSpec,
    ids: &Arc<AtomicU64>,
    acknowledged: &Arc<AtomicU64>,
) -> LoadOutcome {
    assert!(
        spec.duration.is_some() || spec.requests.is_some(),
        "a load run needs a duration or a request count"
    );
    let next = Arc::new(AtomicU64::new(0));
    let samples = Arc::new(Mutex::new(Vec::new()));
    // Every connection is opened and has answered a `GET /healthz` before the clock starts:
    // the timed requests measure answers, not handshakes (a server that is busy accepting
    // late leaves a first request waiting for the handshake's retransmission, 1 s or 3 s).
    let warmed = Arc::new(tokio::sync::Barrier::new(spec.concurrency + 1));
    let go = Arc::new(tokio::sync::Barrier::new(spec.concurrency + 1));
    let start = Arc::new(std::sync::OnceLock::new());
    let mut tasks = Vec::with_capacity(spec.concurrency);
    for _ in 0..spec.concurrency {
        let (spec, ids, next, acknowledged, samples) = (
            spec.clone(),
            Arc::clone(ids),
            Arc::clone(&next),
            Arc::clone(acknowledged),
            Arc::clone(&samples),
        );
        let (warmed, go, start) = (Arc::clone(&warmed), Arc::clone(&go), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            let connection = warm_up(spec.addr).await;
            warmed.wait().await;
            go.wait().await;
            let started = *start.get().expect("the start is set before the go");
            client(
                &spec,
                connection,
                started,
                &ids,
                &next,
                &acknowledged,
                &samples,
            )
            .await
        }));
    }
    warmed.wait().await;
    let started = Instant::now();
    start.set(started).expect("the start is set once");
    go.wait().await;
    let mut outcome = LoadOutcome::default();
    for task in tasks {
        let (latencies, errors) = task.await.expect("a load client panicked");
        outcome.acknowledged += latencies.len() as u64;
        outcome.errors += errors;
        outcome.latencies_us.extend(latencies);
    }
    outcome.elapsed = started.elapsed();
    outcome.latencies_us.sort_unstable();
    outcome.error_samples = std::mem::take(&mut *samples.lock().expect("error samples"));
    outcome
}

/// A connection that has answered `GET /healthz`, or none after a few tries (the timed loop
/// then connects, and counts what fails).
async fn warm_up(addr: SocketAddr) -> Option<TcpStream> {
    let request = format!("GET /healthz HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    let mut answer = Vec::new();
    for _ in 0..3 {
        if let Ok(mut stream) = connect(addr).await
            && let Ok(Ok((200, true))) = tokio::time::timeout(
                Duration::from_secs(10),
                exchange(&mut stream, request.as_bytes(), &mut answer),
            )
            .await
        {
            return Some(stream);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// One connection's loop: the latencies of its acknowledged requests, and its error count.
#[allow(clippy::too_many_arguments)]
async fn client(
    spec: &LoadSpec,
    mut connection: Option<TcpStream>,
    started: Instant,
    ids: &AtomicU64,
    next: &AtomicU64,
    acknowledged: &AtomicU64,
    samples: &Mutex<Vec<String>>,
) -> (Vec<u32>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0_u64;
    let mut request = String::with_capacity(1024);
    let mut body = String::with_capacity(1024);
    let mut answer = Vec::with_capacity(4096);
    let path = format!("/callback?type={}&webshop_id={WEBSHOP_ID}", spec.kind);
    let note = |error: String| {
        let mut samples = samples.lock().expect("error samples");
        if samples.len() < 5 && !samples.contains(&error) {
            samples.push(error);
        }
    };
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if spec.requests.is_some_and(|n| index >= n) {
            break;
        }
        if let Some(rate) = spec.rate {
            #[allow(clippy::cast_precision_loss)]
            let due = started + Duration::from_secs_f64(index as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        if spec.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        body.clear();
        spec.body
            .write(ids.fetch_add(1, Ordering::Relaxed), &mut body);
        request.clear();
        let _ = write!(
            request,
            "POST {path} HTTP/1.1\r\nhost: {}\r\nx-app-token: {TOKEN}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n",
            spec.addr,
            body.len()
        );
        request.push_str(&body);

        let stream = match connection.as_mut() {
            Some(stream) => stream,
            None => match connect(spec.addr).await {
                Ok(stream) => connection.insert(stream),
                Err(error) => {
                    errors += 1;
                    note(format!("connect: {error}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        match tokio::time::timeout(
            spec.timeout,
            exchange(stream, request.as_bytes(), &mut answer),
        )
        .await
        {
            Ok(Ok((200, keep_alive))) => {
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                acknowledged.fetch_add(1, Ordering::Relaxed);
                if !keep_alive {
                    connection = None;
                }
            }
            Ok(Ok((status, keep_alive))) => {
                errors += 1;
                let text = String::from_utf8_lossy(&answer);
                let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
                note(format!(
                    "HTTP {status}: {}",
                    body.chars().take(200).collect::<String>()
                ));
                if !keep_alive {
                    connection = None;
                }
            }
            Ok(Err(error)) => {
                errors += 1;
                note(error);
                connection = None;
            }
            Err(_) => {
                errors += 1;
                note(format!("no answer within {:?}", spec.timeout));
                connection = None;
            }
        }
    }
    (latencies, errors)
}

async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `request` and reads one answer into `answer`: its status and whether the
/// connection stays open.
async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    answer: &mut Vec<u8>,
) -> Result<(u16, bool), String> {
    stream
        .write_all(request)
        .await
        .map_err(|e| format!("send: {e}"))?;
    answer.clear();
    let (head, status, length, keep_alive) = loop {
        if stream
            .read_buf(answer)
            .await
            .map_err(|e| format!("receive: {e}"))?
            == 0
        {
            return Err("the server closed the connection".to_owned());
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(answer) {
            Ok(httparse::Status::Complete(head)) => {
                let status = response.code.unwrap_or(0);
                let header = |name: &str| {
                    response
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
                };
                let length = header("content-length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or_else(|| {
                        format!(
                            "HTTP {status} without a content-length (chunked answers are not read)"
                        )
                    })?;
                let keep_alive = header("connection").is_none_or(|v| v != "close");
                break (head, status, length, keep_alive);
            }
            Ok(httparse::Status::Partial) => {}
            Err(error) => return Err(format!("unreadable answer: {error}")),
        }
    };
    while answer.len() < head + length {
        if stream
            .read_buf(answer)
            .await
            .map_err(|e| format!("receive: {e}"))?
            == 0
        {
            return Err("the server closed the connection mid-answer".to_owned());
        }
    }
    Ok((status, keep_alive))
}
