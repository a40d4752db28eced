//! HTTP hardening: slow, idle, lying and hostile clients cannot hold the server, and every
//! refusal is a 4xx JSON error naming the problem. Real HTTP over loopback; the clients that
//! misbehave are raw TCP streams. The open-file-limit runs start the `http-app` binary under
//! `ulimit -n 256`.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use shoporama_app::inbox::InboxConfig;
use shoporama_app::server::AppRuntime;
use shoporama_app_tests::{APP_TOKEN, Recorder, RunningServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const HEADER: Duration = Duration::from_millis(600);
const BODY: Duration = Duration::from_millis(700);
const IDLE: Duration = Duration::from_millis(1500);
/// Room for a loaded machine.
const SLACK: Duration = Duration::from_secs(3);
/// Timers fire a little early or late.
const EARLY: Duration = Duration::from_millis(50);

struct Server {
    running: RunningServer,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

async fn start_with(inbox: bool, tweak: impl FnOnce(&mut shoporama_app::Config)) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let mut config = shoporama_app_tests::config(&url);
    config.header_timeout = HEADER;
    config.body_timeout = BODY;
    config.idle_timeout = IDLE;
    if inbox {
        config.inbox = InboxConfig::default();
    }
    tweak(&mut config);
    let runtime = AppRuntime::connect(Recorder::default(), config)
        .await
        .expect("store opens");
    let server = RunningServer::start_runtime(runtime).await;
    let addr = server
        .base_url
        .trim_start_matches("http://")
        .parse()
        .expect("server address");
    Server {
        running: server,
        addr,
        _dir: dir,
    }
}

async fn start(inbox: bool) -> Server {
    start_with(inbox, |_| {}).await
}

/// An HTTP answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    raw: String,
}

impl Answer {
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// A JSON error with `status` whose message contains `needle`.
    fn assert_error(&self, status: u16, needle: &str, case: &str) {
        assert_eq!(self.status, status, "{case}: {}", self.raw);
        assert!(
            self.content_type.starts_with("application/json"),
            "{case}: not JSON: {}",
            self.raw
        );
        assert!(
            self.error().contains(needle),
            "{case}: {:?} lacks {needle:?}",
            self.error()
        );
    }
}

/// Reads one answer (head and `content-length` body); `None` when the connection closed first.
async fn read_answer(stream: &mut TcpStream) -> Option<Answer> {
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 8192];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_string();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(usize::MAX);
            if bytes.len() >= end + 4 + length {
                break;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    if bytes.is_empty() {
        return None;
    }
    let raw = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    Some(Answer {
        status,
        content_type,
        body,
        raw,
    })
}

/// Sends `request` on a new connection and reads the answer.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    tokio::time::timeout(Duration::from_secs(15), async {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.write_all(request).await.expect("sends");
        read_answer(&mut stream).await.expect("an answer")
    })
    .await
    .expect("answered in time")
}

fn get(target: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: test\r\nx-app-token: {APP_TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

fn request(method: &str, target: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {target} HTTP/1.1\r\nHost: test\r\nx-app-token: {APP_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn post(target: &str, body: &str) -> Vec<u8> {
    request("POST", target, body)
}

/// Waits until the server closes `stream`; how long it took. Whatever it sends first is
/// ignored.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut chunk = [0_u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the connection is still open after {limit:?}"));
    started.elapsed()
}

const INSTALL_7: &str = r#"{"app_token": "rest-token", "fields": {"api_key": "k"}}"#;

#[tokio::test]
async fn every_refusal_is_json_naming_the_problem() {
    let s = start(true).await;
    exchange(
        s.addr,
        &post("/callback?type=install&webshop_id=7", INSTALL_7),
    )
    .await
    .assert_status_ok();

    let big = "9223372036854775808"; // 2^63: a u64, not an i64
    let max = "9223372036854775807";
    let huge_body = format!("{{\"pad\":\"{}\"}}", " ".repeat(70 * 1024));
    let cases: Vec<(&str, Vec<u8>, u16, String)> = vec![
        // Malformed percent-escapes in the path and the query.
        (
            "bad escape in the callback path",
            post("/callback%zz?type=paid&webshop_id=7", "{}"),
            404,
            "no route for /callback%zz".into(),
        ),
        (
            "bad escape in the path, GET",
            get("/callback%zz"),
            404,
            "no route".into(),
        ),
        (
            "invalid UTF-8 list name",
            get("/lists/%ff%fe"),
            400,
            "invalid list name in the path".into(),
        ),
        (
            "bad escape in the list name",
            get("/lists/%zz"),
            404,
            "unknown external list `%zz`".into(),
        ),
        (
            "bad escape in the type",
            post("/callback?type=%zz&webshop_id=7", "{}"),
            400,
            "invalid query parameter `type`".into(),
        ),
        (
            "bad escape in the type, GET",
            get("/callback?type=%zz"),
            405,
            "callbacks are POSTed".into(),
        ),
        (
            "bad escape in the webshop id",
            post("/callback?type=paid&webshop_id=%zz", "{}"),
            400,
            "invalid query parameter `webshop_id`".into(),
        ),
        // Integers beyond what the store keeps.
        (
            "webshop id 2^63 in the query",
            post(&format!("/callback?type=paid&webshop_id={big}"), "{}"),
            400,
            "invalid query parameter `webshop_id`".into(),
        ),
        (
            "webshop id 2^63 on a list",
            get(&format!("/lists/warehouses?webshop_id={big}")),
            400,
            "invalid query parameter `webshop_id`".into(),
        ),
        (
            "install with a daily limit of 2^63",
            post(
                "/callback?type=install&webshop_id=8",
                &format!(r#"{{"app_token": "x", "app_token_daily_limit": {big}}}"#),
            ),
            400,
            format!("`app_token_daily_limit` in the body must be at most {max}, got {big}"),
        ),
        (
            "install with a usage of 2^64 - 1 (as a string)",
            post(
                "/callback?type=install&webshop_id=8",
                r#"{"app_token": "x", "app_token_current_usage": "18446744073709551615"}"#,
            ),
            400,
            format!("`app_token_current_usage` in the body must be at most {max}"),
        ),
        (
            "update with a daily limit of 2^63",
            post(
                "/callback?type=update&webshop_id=7",
                &format!(r#"{{"app_token_daily_limit": "{big}", "fields": {{"api_key": "k"}}}}"#),
            ),
            400,
            format!("`app_token_daily_limit` in the body must be at most {max}"),
        ),
        (
            "update with a usage of 2^63",
            post(
                "/callback?type=update&webshop_id=7",
                &format!(r#"{{"app_token_current_usage": {big}}}"#),
            ),
            400,
            format!("`app_token_current_usage` in the body must be at most {max}"),
        ),
        (
            "install for webshop 2^63 in the body",
            post(
                "/callback?type=install&webshop_id=8",
                &format!(r#"{{"app_token": "x", "webshop_id": {big}}}"#),
            ),
            400,
            "does not match".into(),
        ),
        (
            "installed at 2^63",
            post(
                "/callback?type=install&webshop_id=8",
                &format!(r#"{{"app_token": "x", "installed": {big}}}"#),
            ),
            400,
            "`installed`".into(),
        ),
        (
            "dead letters of webshop 2^63",
            get(&format!("/inbox/dead-letters?webshop_id={big}")),
            400,
            "invalid query parameter `webshop_id`".into(),
        ),
        (
            "dead letters of webshop %zz",
            get("/inbox/dead-letters?webshop_id=%zz"),
            400,
            "invalid query parameter `webshop_id`".into(),
        ),
        (
            "dead letters with a negative limit",
            get("/inbox/dead-letters?limit=-1"),
            400,
            "invalid query parameter `limit`".into(),
        ),
        // Routes, methods, bodies.
        ("unknown route", get("/nowhere"), 404, "no route for /nowhere".into()),
        (
            "wrong method",
            request("DELETE", "/healthz", ""),
            405,
            "method DELETE is not allowed on /healthz".into(),
        ),
        (
            "invalid JSON",
            post("/callback?type=paid&webshop_id=7", "{\"order_id\": "),
            400,
            "invalid JSON body".into(),
        ),
        (
            "oversize body",
            post("/callback?type=paid&webshop_id=7", &huge_body),
            413,
            "larger than the limit of 65536 bytes".into(),
        ),
        (
            "oversize declared length, no body sent",
            format!(
                "POST /callback?type=paid&webshop_id=7 HTTP/1.1\r\nHost: t\r\nx-app-token: {APP_TOKEN}\r\nContent-Length: 100000000\r\n\r\n"
            )
            .into_bytes(),
            413,
            "larger than the limit".into(),
        ),
        (
            "oversize chunked body",
            format!(
                "POST /callback?type=paid&webshop_id=7 HTTP/1.1\r\nHost: t\r\nx-app-token: {APP_TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{huge_body}\r\n0\r\n\r\n",
                huge_body.len()
            )
            .into_bytes(),
            413,
            "larger than the limit".into(),
        ),
    ];
    for (case, raw, status, needle) in cases {
        let answer = exchange(s.addr, &raw).await;
        answer.assert_error(status, &needle, case);
    }

    // The field is named in a detail too, and the largest storable numbers are accepted.
    let answer = exchange(
        s.addr,
        &post(
            "/callback?type=install&webshop_id=8",
            &format!(r#"{{"app_token": "x", "app_token_daily_limit": {big}}}"#),
        ),
    )
    .await;
    assert_eq!(answer.body["field"], "app_token_daily_limit");
    exchange(
        s.addr,
        &post(
            &format!("/callback?type=install&webshop_id={max}"),
            &format!(
                r#"{{"app_token": "x", "app_token_daily_limit": {max}, "app_token_current_usage": {max}, "fields": {{"api_key": "k"}}}}"#
            ),
        ),
    )
    .await
    .assert_status_ok();
    let answer = exchange(
        s.addr,
        &get(&format!("/inbox/dead-letters?webshop_id={max}&limit=5")),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.raw);
    assert_eq!(answer.body["count"], 0);
    s.running.stop().await;
}

trait AssertOk {
    fn assert_status_ok(&self);
}

impl AssertOk for Answer {
    fn assert_status_ok(&self) {
        assert_eq!(self.status, 200, "{}", self.raw);
    }
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_answered_408() {
    let s = start(false).await;
    for (case, head, partial) in [
        (
            "content-length",
            "Content-Type: application/json\r\nContent-Length: 100\r\n",
            "{\"order_id\":",
        ),
        (
            "chunked, never finished",
            "Transfer-Encoding: chunked\r\n",
            "5\r\n{\"a\":\r\n",
        ),
    ] {
        let mut stream = TcpStream::connect(s.addr).await.expect("connects");
        let started = Instant::now();
        stream
            .write_all(
                format!(
                    "POST /callback?type=paid&webshop_id=7 HTTP/1.1\r\nHost: t\r\nx-app-token: {APP_TOKEN}\r\n{head}\r\n{partial}"
                )
                .as_bytes(),
            )
            .await
            .expect("sends");
        let answer = tokio::time::timeout(BODY + SLACK, read_answer(&mut stream))
            .await
            .unwrap_or_else(|_| panic!("{case}: no answer within the body timeout"))
            .unwrap_or_else(|| panic!("{case}: closed without an answer"));
        let elapsed = started.elapsed();
        assert!(
            elapsed >= BODY.saturating_sub(EARLY),
            "{case}: answered after {elapsed:?}"
        );
        answer.assert_error(408, "the body was not received within 700 ms", case);
        assert_eq!(answer.body["timeout_ms"], 700, "{case}");
        // The rest of the body will never come: the connection is closed.
        closed_after(&mut stream, SLACK).await;
    }
    s.running.stop().await;
}

#[tokio::test]
async fn a_slow_head_is_closed_within_the_header_timeout() {
    let s = start(false).await;
    // Half a request line, then nothing.
    let mut stalled = TcpStream::connect(s.addr).await.expect("connects");
    stalled.write_all(b"GET /heal").await.expect("sends");
    let elapsed = closed_after(&mut stalled, HEADER + SLACK).await;
    assert!(
        elapsed >= HEADER.saturating_sub(EARLY),
        "closed after {elapsed:?}"
    );
    assert!(
        elapsed < IDLE,
        "the idle timeout, not the header timeout, closed it"
    );

    // A head dripped a byte at a time: activity does not extend the header timeout.
    let mut drip = TcpStream::connect(s.addr).await.expect("connects");
    drip.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .expect("sends");
    let started = Instant::now();
    let dripping = async {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if drip.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    let closed = tokio::time::timeout(HEADER + SLACK, dripping).await;
    assert!(closed.is_ok(), "a dripping head was never closed");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= HEADER.saturating_sub(EARLY),
        "closed after {elapsed:?}"
    );

    // A head over 32 KiB is refused whole.
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    let answer = exchange(s.addr, big.as_bytes()).await;
    assert_eq!(answer.status, 431, "{}", answer.raw);

    // Other clients were answered all along.
    exchange(s.addr, &get("/healthz")).await.assert_status_ok();
    s.running.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_within_the_idle_timeout() {
    let s = start(false).await;
    // A connection that never sends anything.
    let mut silent = TcpStream::connect(s.addr).await.expect("connects");
    let elapsed = closed_after(&mut silent, IDLE + SLACK).await;
    assert!(
        elapsed >= IDLE.saturating_sub(EARLY),
        "closed after {elapsed:?}"
    );

    // A kept-alive connection stays usable while used, and is closed once idle.
    let mut kept = TcpStream::connect(s.addr).await.expect("connects");
    for _ in 0..3 {
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .expect("sends");
        let answer = read_answer(&mut kept).await.expect("an answer");
        assert_eq!(answer.status, 200, "{}", answer.raw);
        tokio::time::sleep(IDLE / 2).await;
    }
    let elapsed = closed_after(&mut kept, IDLE + SLACK).await;
    assert!(
        elapsed >= (IDLE / 2).saturating_sub(EARLY),
        "closed after {elapsed:?}"
    );
    s.running.stop().await;
}

#[tokio::test]
async fn shutdown_closes_idle_connections_at_once_and_waits_at_most_the_grace() {
    // Idle connections, new or kept alive, do not hold a stop (the grace here is long).
    let s = start_with(false, |config| {
        config.idle_timeout = Duration::from_mins(1);
        config.shutdown_grace = Duration::from_secs(20);
    })
    .await;
    let mut fresh = TcpStream::connect(s.addr).await.expect("connects");
    let mut kept = TcpStream::connect(s.addr).await.expect("connects");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("sends");
    assert_eq!(read_answer(&mut kept).await.expect("an answer").status, 200);
    let mut partial = TcpStream::connect(s.addr).await.expect("connects");
    partial.write_all(b"GET /heal").await.expect("sends");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::time::timeout(SLACK, s.running.stop())
        .await
        .expect("idle connections did not hold the stop");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for stream in [&mut fresh, &mut kept, &mut partial] {
        closed_after(stream, SLACK).await;
    }

    // A request in progress gets the grace, then its connection is dropped.
    let s = start_with(false, |config| {
        config.body_timeout = Duration::from_mins(1);
        config.shutdown_grace = Duration::from_millis(500);
    })
    .await;
    let mut stalled = TcpStream::connect(s.addr).await.expect("connects");
    stalled
        .write_all(
            format!(
                "POST /callback?type=paid&webshop_id=7 HTTP/1.1\r\nHost: t\r\nx-app-token: {APP_TOKEN}\r\nContent-Length: 100\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .expect("sends");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let addr = s.addr;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_millis(500) + SLACK, s.running.stop())
        .await
        .expect("the server stopped within its grace");
    assert!(started.elapsed() >= Duration::from_millis(450));
    closed_after(&mut stalled, SLACK).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

/// The `http-app` binary under `ulimit -n 256`, on a loopback port. Killed when dropped; it
/// also ends itself when this process goes away (its standard input closes) or after two
/// minutes.
struct LimitedApp {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl LimitedApp {
    async fn start(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let child = Command::new("bash")
            .arg("-c")
            .arg("ulimit -n 256 && exec \"$0\"")
            .arg(env!("CARGO_BIN_EXE_http-app"))
            .env("SHOPORAMA_APP_TOKEN", APP_TOKEN)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join("app.db").display()),
            )
            .env("SHOPORAMA_LISTEN", addr.to_string())
            .env("SHOPORAMA_REST_BASE_URL", "http://127.0.0.1:9/REST/")
            .env("HTTP_APP_LIFETIME_MS", "120000")
            .env(
                "RUST_LOG",
                std::env::var("HTTP_TEST_LOG").unwrap_or_else(|_| "error".to_owned()),
            )
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(output())
            .stderr(output())
            .spawn()
            .expect("the http-app binary starts");
        let mut app = Self {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Ok(answer)) =
                tokio::time::timeout(Duration::from_secs(2), app.try_get("/healthz")).await
                && answer.status == 200
            {
                break;
            }
            if let Ok(Some(status)) = app.child.try_wait() {
                panic!("http-app exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "http-app did not become healthy");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", app.child.id()))
            .expect("the child's limits");
        let files = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .expect("an open-file limit");
        assert!(
            files.split_whitespace().nth(3) == Some("256"),
            "not limited: {files}"
        );
        app
    }

    async fn try_get(&self, target: &str) -> std::io::Result<Answer> {
        let mut stream = TcpStream::connect(self.addr).await?;
        stream.write_all(&get(target)).await?;
        read_answer(&mut stream)
            .await
            .ok_or_else(|| std::io::Error::other("closed without an answer"))
    }

    /// CPU time used so far, in clock ticks.
    fn cpu_ticks(&self) -> u64 {
        shoporama_app_tests::cpu_ticks(self.child.id())
    }

    fn assert_running(&mut self) {
        assert!(matches!(self.child.try_wait(), Ok(None)), "http-app exited");
    }
}

impl Drop for LimitedApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app's log (on standard output) is shown with `HTTP_TEST_LOG=<filter>`.
fn output() -> Stdio {
    if std::env::var_os("HTTP_TEST_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

async fn open_connections(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(TcpStream::connect(addr).await.expect("connects"));
    }
    streams
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_with_300_idle_connections_under_ulimit_256() {
    // The default idle timeout (30 s) is far away: the connection limit, derived from the
    // open-file limit, and closing the longest-idle connection for a new one make room.
    let mut app = LimitedApp::start(&[]).await;
    let idle = open_connections(app.addr, 300).await;
    for round in 0..3 {
        let started = Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(10), app.try_get("/healthz"))
            .await
            .unwrap_or_else(|_| panic!("round {round}: /healthz did not answer in 10 s"))
            .expect("answers");
        assert_eq!(answer.status, 200, "round {round}: {}", answer.raw);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "round {round}: /healthz took {:?}",
            started.elapsed()
        );
    }
    app.assert_running();
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_files_neither_spins_nor_stops_the_server() {
    // More connections allowed than the process has files, every one holding a request whose
    // body never comes: accept fails with EMFILE until the bodies time out.
    let mut app = LimitedApp::start(&[
        ("SHOPORAMA_MAX_CONNECTIONS", "1000"),
        ("SHOPORAMA_BODY_TIMEOUT_MS", "3000"),
    ])
    .await;
    let head = format!(
        "POST /callback?type=paid&webshop_id=7 HTTP/1.1\r\nHost: t\r\nx-app-token: {APP_TOKEN}\r\nContent-Length: 100\r\n\r\n{{"
    );
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(app.addr).await.expect("connects");
        stream.write_all(head.as_bytes()).await.expect("sends");
        stalled.push(stream);
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = app.cpu_ticks();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let used = app.cpu_ticks() - before;
    // 150 ticks would be a core spinning the whole time.
    assert!(
        used < 60,
        "the server used {used} ticks of CPU in 1.5 s while out of files"
    );
    app.assert_running();

    let answer = tokio::time::timeout(Duration::from_secs(15), app.try_get("/healthz"))
        .await
        .expect("/healthz answered once the stalled bodies timed out")
        .expect("answers");
    assert_eq!(answer.status, 200, "{}", answer.raw);
    assert!(started.elapsed() < Duration::from_secs(12));
    // The stalled requests were answered 408.
    let first = tokio::time::timeout(SLACK, read_answer(&mut stalled[0]))
        .await
        .expect("answered")
        .expect("an answer");
    first.assert_error(408, "the body was not received within 3000 ms", "stalled");
    app.assert_running();
}
