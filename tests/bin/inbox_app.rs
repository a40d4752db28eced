//! The ledger test app as a server process, for the inbox's crash, scale-out and load runs.
//! Configured like any app (`SHOPORAMA_APP_TOKEN`, `DATABASE_URL`, `SHOPORAMA_LISTEN`,
//! `SHOPORAMA_INBOX*`), plus `LEDGER_DELAY_MS` (a pause in each handler run).

#[path = "../inbox_support/mod.rs"]
mod inbox_support;

use std::process::ExitCode;
use std::time::Duration;

use shoporama_app::Config;
use shoporama_app::config::DEFAULT_DATABASE_URL;

fn main() -> ExitCode {
    // The ledger keeps its tables in the install store's database: the URL as `run` reads it.
    let url =
        Config::from_env().map_or_else(|_| DEFAULT_DATABASE_URL.to_owned(), |c| c.database_url);
    let delay = Duration::from_millis(inbox_support::env_number("LEDGER_DELAY_MS", 0));
    shoporama_app::run(inbox_support::Ledger::new(url, delay))
}
