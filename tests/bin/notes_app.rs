//! The notes test app as a binary: the framework's commands plus its own (`show`, `note`,
//! `count`, `hello`), configured like any app (`SHOPORAMA_APP_TOKEN`, `DATABASE_URL`, …)
//! and by `NOTES_FAIL_START` and `NOTES_BAD_MIGRATION`.

#[path = "../extensions_support/mod.rs"]
mod extensions_support;

use std::process::ExitCode;

fn main() -> ExitCode {
    shoporama_app::run_with_commands(
        extensions_support::Notes::from_env(),
        extensions_support::run,
    )
}
