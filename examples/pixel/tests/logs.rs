//! What `pixel serve` writes to a log file, as an operator reads it: one info line per
//! callback, no colour codes, the default text layout (or JSON lines with
//! `SHOPORAMA_LOG_FORMAT=json`), and every buffered line written by the time it exits.

use std::process::{Command, Stdio};

const TOKEN: &str = "log-test-token-123";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Serves with stderr to a file, installs shop 7, sends `events` `add_to_basket` events,
/// stops the server with SIGTERM and returns what it logged.
fn serve_and_log(format: Option<&str>, events: usize) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log_path = dir.path().join("pixel.log");
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_pixel"));
    command
        .arg("serve")
        .env_remove("RUST_LOG")
        .env_remove("SHOPORAMA_LOG_FORMAT")
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("pixel.db").display()),
        )
        .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"));
    if let Some(format) = format {
        command.env("SHOPORAMA_LOG_FORMAT", format);
    }
    let mut child = command.spawn().expect("pixel starts");
    shoporama_app_tests::wait_healthy("pixel", port, &mut child);
    let url = format!("http://127.0.0.1:{port}/callback");
    for kind in std::iter::once("install").chain(std::iter::repeat_n("add_to_basket", events)) {
        let output = Command::new(env!("CARGO_BIN_EXE_pixel"))
            .args(["simulate", kind, "--url", &url, "--webshop-id", "7"])
            .args(["--field", "measurement_id=G-LOG"])
            .env("SHOPORAMA_APP_TOKEN", TOKEN)
            .output()
            .expect("simulate runs");
        assert!(output.status.success(), "{kind}: {output:?}");
    }
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    let status = child.wait().expect("pixel exits");
    assert!(status.success(), "pixel exits 0 on SIGTERM: {status:?}");
    std::fs::read_to_string(&log_path).expect("the log is UTF-8 text")
}

#[test]
fn text_lines_one_per_callback_without_colours() {
    let log = serve_and_log(None, 3);
    assert!(!log.contains('\u{1b}'), "no ANSI escapes in a file:\n{log}");
    let handled: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("callback handled"))
        .collect();
    assert_eq!(
        handled.len(),
        4,
        "install and 3 events, one line each:\n{log}"
    );
    for line in &handled {
        let (time, rest) = line.split_once(' ').unwrap_or_default();
        assert!(
            time.len() == "2026-12-06T12:09:35.414304Z".len()
                && time.as_bytes()[10] == b'T'
                && time.ends_with('Z'),
            "an RFC 3339 UTC time first: {line}"
        );
        assert!(
            rest.starts_with(" INFO callback{kind=\""),
            "the level, then the callback's span: {line}"
        );
        assert!(
            rest.contains("webshop_id=7}: callback handled status=200"),
            "{line}"
        );
    }
    assert!(
        log.lines().last().unwrap_or_default().contains("stopped"),
        "the last lines are written at exit:\n{log}"
    );
}

#[test]
fn json_lines_with_shoporama_log_format_json() {
    let log = serve_and_log(Some("json"), 2);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let handled: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|line| line["message"] == "callback handled")
        .collect();
    assert_eq!(handled.len(), 3, "{log}");
    assert_eq!(handled[1]["span"]["kind"], "add_to_basket");
    assert_eq!(handled[1]["status"], 200);
}
