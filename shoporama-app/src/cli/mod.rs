//! The command line every app binary gets from [`run`]:
//!
//! ```text
//! <app> [serve]                       serve callbacks (the default)
//! <app> manifest [--sheet]            print the manifest as JSON, or the setup sheet as Markdown
//! <app> simulate <type> --url URL --webshop-id N [--field k=v …] [--body FILE]
//!                                     send a realistic callback to a running app
//! <app> doctor                        check the configuration, the store and the manifest
//! ```

mod doctor;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::ShoporamaApp;
use crate::config::Config;
use crate::server::{AppRuntime, serve};
use crate::settings::AppSettings;

#[derive(Parser, Debug)]
#[command(version, about = "A Shoporama app", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve Shoporama's callbacks (the default). Configured by the environment:
    /// SHOPORAMA_APP_TOKEN (required), DATABASE_URL, SHOPORAMA_LISTEN, …
    Serve,
    /// Print the app manifest: JSON, or with --sheet the Markdown setup sheet for Shoporama's app form.
    Manifest {
        /// Print the setup sheet (Markdown) instead of JSON.
        #[arg(long)]
        sheet: bool,
        /// The callback URL to put on the setup sheet when the manifest fixes none.
        #[arg(long, default_value = "https://your-app.example.com/callback")]
        callback_url: String,
    },
    /// Send a realistic callback to a running app, as Shoporama would.
    Simulate(simulate::SimulateArgs),
    /// Check the configuration, the install store and the manifest.
    Doctor,
}

/// Runs the app's command line on a new Tokio runtime: `fn main() -> ExitCode { run(MyApp) }`.
pub fn run<A: ShoporamaApp>(app: A) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run_async(app)),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the app's command line inside an existing Tokio runtime.
pub async fn run_async<A: ShoporamaApp>(app: A) -> ExitCode {
    run_with_args(app, std::env::args_os()).await
}

/// Runs the command line with explicit arguments (the first is the program name).
pub async fn run_with_args<A: ShoporamaApp, I, T>(app: A, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with success; mistakes to stderr with failure.
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve_command(app).await,
        Command::Manifest { sheet, callback_url } => manifest_command::<A::Settings>(sheet, &callback_url),
        Command::Simulate(args) => simulate::run::<A::Settings>(args).await,
        Command::Doctor => doctor::run::<A::Settings>().await,
    }
}

/// Installs a `tracing` subscriber reading `RUST_LOG` (default `info`), once.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

async fn serve_command<A: ShoporamaApp>(app: A) -> ExitCode {
    init_tracing();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let problems = manifest_problems(&A::Settings::manifest());
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if !problems.is_empty() {
        return ExitCode::FAILURE;
    }
    let url = crate::store::mask_url(&config.database_url);
    let runtime = match AppRuntime::connect(app, config).await {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot open the install store {url}: {error}");
            return ExitCode::FAILURE;
        }
    };
    match serve(runtime).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn manifest_command<S: AppSettings>(sheet: bool, callback_url: &str) -> ExitCode {
    let manifest = S::manifest();
    let text = if sheet { manifest.setup_sheet(callback_url) } else { manifest.to_json_pretty() };
    print_stdout(&text);
    let problems = manifest_problems(&manifest);
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Problems in a manifest that the compiler could not catch (e.g. an invalid default colour).
pub fn manifest_problems(manifest: &crate::manifest::AppManifest) -> Vec<String> {
    manifest.fields.iter().filter_map(|f| f.invalid_default.clone()).collect()
}

/// Prints to stdout with a final newline; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}

/// Reads a file argument, naming it in the error.
fn read_file(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
