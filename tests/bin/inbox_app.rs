//! The ledger test app as a server process, for the inbox's crash, scale-out and load runs.
//! Configured like any app (`SHOPORAMA_APP_TOKEN`, `DATABASE_URL`, `SHOPORAMA_LISTEN`,
//! `SHOPORAMA_INBOX*`), plus `LEDGER_DELAY_MS` (a pause in each handler run).

#[path = "../inbox_support/ledger.rs"]
#[allow(dead_code, unreachable_pub)] // shared with the suites, which use the rest
mod ledger;

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| shoporama_app::config::DEFAULT_DATABASE_URL.to_owned());
    let delay = std::env::var("LEDGER_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    shoporama_app::run(ledger::Ledger::new(url, delay))
}
