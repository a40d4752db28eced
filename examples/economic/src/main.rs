//! `economic`: the e-conomic Shoporama app.
//!
//! ```text
//! economic [serve]                                  serve Shoporama's callbacks
//! economic retry | backfill | status …              see `economic help`
//! economic dev / economic demo                      run locally against the stand-ins
//! economic manifest [--sheet] | simulate … | doctor (the framework's commands)
//! ```
//!
//! Configured by the environment: the framework's `SHOPORAMA_*` and `DATABASE_URL` (SQLite,
//! or PostgreSQL with the `postgres` feature), and `ECONOMIC_APP_SECRET_TOKEN`,
//! `ECONOMIC_BASE_URL` (see `economic::app::AppConfig`).

use std::process::ExitCode;

use economic::app::{AppConfig, Economic, commands};

fn main() -> ExitCode {
    let config = AppConfig::from_lookup(|name| std::env::var(name).ok());
    let app = match config.and_then(Economic::new) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    // `serve` (the default command) must not start unable to sync; the other framework
    // commands (manifest, simulate, doctor) do not need e-conomic.
    let command = std::env::args().nth(1);
    let serves = command.is_none_or(|command| command == "serve");
    if serves && let Err(error) = app.config.require_secret() {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    shoporama_app::cli::run_with(app, commands::run)
}
