//! The recorder test app as a server process, for the HTTP hardening suite's runs under a
//! lowered open-file limit. Configured like any app (`SHOPORAMA_APP_TOKEN`, `DATABASE_URL`,
//! `SHOPORAMA_LISTEN`, `SHOPORAMA_*_TIMEOUT_MS`, `SHOPORAMA_MAX_CONNECTIONS`, …).
//!
//! It ends itself: when its standard input closes (the test that started it with a pipe is
//! gone, however it ended) and at the latest after `HTTP_APP_LIFETIME_MS` (default 120 s).

use std::process::ExitCode;
use std::time::Duration;

use shoporama_app_tests::Recorder;

fn main() -> ExitCode {
    let lifetime = std::env::var("HTTP_APP_LIFETIME_MS")
        .ok()
        .and_then(|ms| ms.trim().parse().ok())
        .map_or(Duration::from_mins(2), Duration::from_millis);
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    std::thread::spawn(move || {
        std::thread::sleep(lifetime);
        eprintln!("http-app: lifetime of {lifetime:?} over, exiting");
        std::process::exit(3);
    });
    shoporama_app::run(Recorder::default())
}
