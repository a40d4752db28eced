//! `<app> dev` and `<app> serve --console`: the server with the dev console at `/console`.

use std::process::ExitCode;

use clap::Args;

use crate::app::ShoporamaApp;
use crate::config::Config;
use crate::console::{Console, ConsoleOptions};
use crate::server::{serve_router_on, shutdown_signal};

/// Where `dev` listens unless `SHOPORAMA_LISTEN` says otherwise: this machine only.
pub(super) const DEV_LISTEN: &str = "127.0.0.1:3000";

#[derive(Args, Debug, Clone, Copy, Default)]
pub(super) struct ConsoleArgs {
    /// Answer console requests from other machines too (default: this machine only). Only
    /// behind a proxy that authenticates: whoever signs in can change shops' settings.
    #[arg(long)]
    console_remote: bool,
}

impl ConsoleArgs {
    fn options(self) -> ConsoleOptions {
        ConsoleOptions::local().allow_remote(self.console_remote)
    }
}

/// `dev`'s configuration: the environment's, with development defaults for what it leaves
/// unset: listening on 127.0.0.1:3000, every callback through the inbox, and a random app
/// token for this run when `SHOPORAMA_APP_TOKEN` is not set.
pub(super) fn dev_config() -> Result<(Config, bool), crate::config::ConfigError> {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let given = set("SHOPORAMA_APP_TOKEN");
    let generated = given.is_none();
    let token = given.unwrap_or_else(crate::console::random_hex);
    let config = Config::from_lookup(|name| match name {
        "SHOPORAMA_APP_TOKEN" => Some(token.clone()),
        "SHOPORAMA_LISTEN" => set(name).or_else(|| Some(DEV_LISTEN.to_owned())),
        "SHOPORAMA_INBOX" => set(name).or_else(|| Some("all".to_owned())),
        _ => set(name),
    })?;
    Ok((config, generated))
}

/// `<app> dev`.
pub(super) async fn dev<A: ShoporamaApp>(app: A, args: ConsoleArgs) -> ExitCode {
    let (config, generated) = match dev_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if generated {
        eprintln!(
            "note: SHOPORAMA_APP_TOKEN is not set: this run uses a random app token (sign in with the link below)"
        );
    }
    serve_console(app, Some(config), args).await
}

/// `<app> serve --console` (`config` from the environment) and `<app> dev`.
pub(super) async fn serve_console<A: ShoporamaApp>(
    app: A,
    config: Option<Config>,
    args: ConsoleArgs,
) -> ExitCode {
    let (runtime, logs) = match super::start_serving(app, config).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    let addr = runtime.config().listen;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            drop(logs);
            eprintln!("error: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let console = Console::new(runtime.clone(), args.options());
    if !local.ip().is_loopback() && !args.console_remote {
        eprintln!(
            "note: listening on {local}; the console answers only browsers on this machine (--console-remote to change that)"
        );
    }
    eprintln!(
        "dev console: open {} (works once; or sign in with the app token)",
        console.login_url(local)
    );
    let served = serve_router_on(
        runtime,
        console.merged_router(),
        listener,
        shutdown_signal(),
    )
    .await;
    super::exit_after_serving(served, logs)
}

#[cfg(test)]
mod tests {
    use super::super::{Command, NoCommands, Parsed, parse};

    #[derive(clap::Subcommand, Debug)]
    enum WithDev {
        /// The app's own `dev`.
        Dev,
    }

    #[test]
    fn dev_is_built_in_unless_the_app_has_its_own() {
        assert!(matches!(
            parse::<NoCommands, _, _>(["app", "dev", "--console-remote"]),
            Ok(Parsed::Dev(args)) if args.console_remote
        ));
        assert!(matches!(
            parse::<WithDev, _, _>(["app", "dev"]),
            Ok(Parsed::Cli(cli)) if matches!(cli.command, Some(Command::App(WithDev::Dev)))
        ));
        assert!(matches!(
            parse::<NoCommands, _, _>(["app", "serve", "--console"]),
            Ok(Parsed::Cli(cli)) if matches!(cli.command, Some(Command::Serve { console: true, .. }))
        ));
        assert!(parse::<NoCommands, _, _>(["app", "dev", "--nope"]).is_err());
    }
}
