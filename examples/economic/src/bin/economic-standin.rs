//! A local e-conomic for development: `economic-standin --listen 127.0.0.1:4100`.
//!
//! Point the app at it with `ECONOMIC_BASE_URL=http://127.0.0.1:4100` and use the printed
//! tokens (or `demo`/`demo` for read-only calls). Data lives in memory until the process stops.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use economic::standin::{StandIn, StandInConfig};

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "economic-standin",
    version,
    about = "A local, in-memory e-conomic REST API for developing the e-conomic app"
)]
struct Options {
    /// Address to listen on.
    #[arg(
        long,
        env = "ECONOMIC_STANDIN_LISTEN",
        default_value = "127.0.0.1:4100"
    )]
    listen: SocketAddr,
    /// The accepted X-AppSecretToken.
    #[arg(
        long,
        env = "ECONOMIC_APP_SECRET_TOKEN",
        default_value = "standin-app-secret"
    )]
    app_secret_token: String,
    /// The accepted X-AgreementGrantToken.
    #[arg(
        long,
        env = "ECONOMIC_STANDIN_GRANT_TOKEN",
        default_value = "standin-grant"
    )]
    agreement_grant_token: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    let config = StandInConfig {
        app_secret_token: options.app_secret_token,
        agreement_grant_token: options.agreement_grant_token,
        ..StandInConfig::default()
    };
    let stand_in = match StandIn::bind(options.listen, config).await {
        Ok(stand_in) => stand_in,
        Err(error) => {
            eprintln!(
                "economic-standin: cannot listen on {}: {error}",
                options.listen
            );
            return ExitCode::FAILURE;
        }
    };
    println!("e-conomic stand-in listening on {}", stand_in.base_url());
    println!(
        "  X-AppSecretToken:      {}",
        stand_in.config().app_secret_token
    );
    println!(
        "  X-AgreementGrantToken: {}",
        stand_in.config().agreement_grant_token
    );
    println!("  (or `demo` for both: read-only)");
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("economic-standin: cannot wait for Ctrl-C: {error}");
    }
    stand_in.shutdown().await;
    ExitCode::SUCCESS
}
