//! The command line every app binary gets from [`run`]:
//!
//! ```text
//! <app> [serve] [--console]           serve callbacks (the default), with the dev console
//! <app> dev                           serve on 127.0.0.1:3000 with the dev console at /console
//!                                     (unless the app has a `dev` command of its own)
//! <app> manifest [--sheet]            print the manifest as JSON, or the setup sheet as Markdown
//! <app> manifest --lock | --check     write the upgrade lock, or check the manifest against it
//! <app> simulate <type> --url URL --webshop-id N [--field k=v …] [--body FILE]
//!                                     send a realistic callback to a running app
//! <app> doctor                        check the configuration, the store and the manifest
//! <app> inbox list|retry|purge        look at and repair the durable inbox
//! <app> effects list|retry            look at and repair keyed effects (`Shop::once`)
//! <app> budget --webshop-id N [--json] a shop's REST budget today: spent, reserved, left
//! <app> preview --page thanks [--field k=v …] [--out FILE]
//!                                     render the snippets of a page into a sample HTML page
//! ```
//!
//! plus, with [`run_with_commands`], the app's own subcommands: a `clap::Subcommand` enum
//! whose commands get a [`CommandContext`], which opens the runtime `serve` would run and
//! resolves `--webshop-id N` ([`ShopArg`]) to a ready [`Shop`](crate::Shop).

mod budget;
mod commands;
mod dev;
mod doctor;
mod effects;
mod inbox;
mod log_clock;
mod log_format;
mod logging;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::ShoporamaApp;
use crate::server::{AppRuntime, serve};
use crate::settings::AppSettings;

pub use commands::{CommandContext, CommandError, CommandOutput, ShopArg};
pub use logging::{LogGuard, init_tracing};

#[derive(Parser, Debug)]
#[command(version, about = "A Shoporama app", long_about = None)]
struct Cli<C: Subcommand> {
    #[command(subcommand)]
    command: Option<Command<C>>,
}

#[derive(Subcommand, Debug)]
enum Command<C: Subcommand> {
    /// Serve Shoporama's callbacks (the default). Configured by the environment:
    /// `SHOPORAMA_APP_TOKEN` (required), `DATABASE_URL`, `SHOPORAMA_LISTEN`, …
    Serve {
        /// Serve the dev console at `/console` too (never on by default).
        #[arg(long)]
        console: bool,
        #[command(flatten)]
        console_args: dev::ConsoleArgs,
    },
    /// Print the app manifest: JSON, or with --sheet the Markdown setup sheet for Shoporama's app form.
    Manifest {
        /// Print the setup sheet (Markdown) instead of JSON.
        #[arg(long)]
        sheet: bool,
        /// The callback URL to put on the setup sheet when the manifest fixes none (default:
        /// `SHOPORAMA_PUBLIC_URL` followed by `SHOPORAMA_CALLBACK_PATH`).
        #[arg(long)]
        callback_url: Option<String>,
        /// Where Shoporama reaches the app, e.g. `https://pixel.example.com` behind a TLS
        /// proxy: the sheet's callback URL is this followed by the callback path.
        #[arg(long, env = "SHOPORAMA_PUBLIC_URL")]
        public_url: Option<String>,
        /// Write the upgrade lock (`shoporama-app.lock.json`): what installed shops rely on.
        /// Run it when the app goes live, and after each release.
        #[arg(long, conflicts_with_all = ["sheet", "check"])]
        lock: bool,
        /// Check the manifest against the upgrade lock: fails, naming each change, when it
        /// would break shops that installed the app.
        #[arg(long, conflicts_with_all = ["sheet", "lock"])]
        check: bool,
        /// The lock file for --lock and --check.
        #[arg(long, default_value = crate::manifest::LOCK_FILE)]
        lock_file: PathBuf,
    },
    /// Send a realistic callback to a running app, as Shoporama would.
    Simulate(simulate::SimulateArgs),
    /// Check the configuration, the install store and the manifest.
    Doctor,
    /// Look at and repair the durable inbox: list jobs, retry dead ones, purge finished ones.
    Inbox(inbox::InboxArgs),
    /// Look at and repair keyed effects: list them, retry failed ones.
    Effects(effects::EffectsArgs),
    /// Show a shop's REST budget today, as every process of the app shares it: spent,
    /// reserved and left.
    Budget(budget::BudgetArgs),
    /// Render the snippets that apply to a page into a sample HTML page, with sample settings.
    Preview {
        /// The page, as the manifest names it (thanks, products, all, …) or as a route (/basket).
        #[arg(long)]
        page: String,
        /// A setting value, as name=value (repeatable). Other settings get samples.
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// Write the page to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    #[command(flatten)]
    App(C),
}

/// No app-specific commands (what [`run`] uses).
#[derive(Subcommand, Debug, Clone, Copy)]
pub enum NoCommands {}

/// Runs the app's command line on a new Tokio runtime: `fn main() -> ExitCode { run(MyApp) }`.
pub fn run<A: ShoporamaApp>(app: A) -> ExitCode {
    block_on(run_async(app))
}

/// Runs the app's command line inside an existing Tokio runtime.
pub async fn run_async<A: ShoporamaApp>(app: A) -> ExitCode {
    run_with_args(
        app,
        std::env::args_os(),
        |_, command: NoCommands| async move { match command {} },
    )
    .await
}

/// Runs the command line with the app's own subcommands `C` next to the built-in ones, on a
/// new Tokio runtime. `commands` runs an app command; it gets the app and can open the
/// runtime with [`AppRuntime::from_env`].
///
/// ```no_run
/// # use shoporama_app::prelude::*;
/// # #[shoporama_app(name = "X", access = read)] pub struct Settings { key: String }
/// # #[derive(Clone)] struct MyApp;
/// # impl ShoporamaApp for MyApp { type Settings = Settings; }
/// #[derive(clap::Subcommand, Debug)]
/// enum Extra {
///     /// Retry what failed.
///     Retry { #[arg(long)] webshop_id: u64 },
/// }
///
/// fn main() -> std::process::ExitCode {
///     shoporama_app::cli::run_with(MyApp, |app, command| async move {
///         match command {
///             Extra::Retry { webshop_id } => { let _ = (app, webshop_id); std::process::ExitCode::SUCCESS }
///         }
///     })
/// }
/// ```
pub fn run_with<A, C, F, Fut>(app: A, commands: F) -> ExitCode
where
    A: ShoporamaApp,
    C: Subcommand + std::fmt::Debug,
    F: FnOnce(A, C) -> Fut,
    Fut: Future<Output = ExitCode>,
{
    block_on(run_with_args(app, std::env::args_os(), commands))
}

fn block_on(future: impl Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command line with the app's own subcommands `C` next to the built-in ones, on a
/// new Tokio runtime. `commands` runs an app command with a [`CommandContext`]: the app, and
/// on demand the runtime `serve` would run and the shop a `--webshop-id N` names
/// ([`ShopArg`]). It returns `()`, an [`ExitCode`], or a `Result` of either with a
/// [`CommandError`] (printed as `error: …`, exit code 1, or 2 for a configuration mistake).
///
/// ```no_run
/// use shoporama_app::prelude::*;
/// # #[shoporama_app(name = "X", access = read)] pub struct Settings { key: String }
/// # struct MyApp;
/// # impl ShoporamaApp for MyApp { type Settings = Settings; }
///
/// #[derive(clap::Subcommand, Debug)]
/// enum Command {
///     /// Show one shop's settings.
///     Show {
///         #[command(flatten)]
///         shop: ShopArg,
///     },
///     /// Count the shops with valid settings.
///     Count,
/// }
///
/// async fn command(mut ctx: CommandContext<MyApp>, command: Command) -> Result<(), CommandError> {
///     match command {
///         Command::Show { shop } => {
///             // Installed and configured, or a clear error naming the shop.
///             let shop = ctx.shop(shop).await?;
///             println!("{} {}", shop.webshop_id(), shop.webshop_url());
///         }
///         Command::Count => println!("{}", ctx.runtime().await?.shops().await?.len()),
///     }
///     Ok(())
/// }
///
/// fn main() -> std::process::ExitCode {
///     shoporama_app::run_with_commands(MyApp, command)
/// }
/// ```
pub fn run_with_commands<A, C, F, Fut>(app: A, commands: F) -> ExitCode
where
    A: ShoporamaApp,
    C: Subcommand + std::fmt::Debug,
    F: FnOnce(CommandContext<A>, C) -> Fut,
    Fut: Future<Output: CommandOutput>,
{
    block_on(run_with_commands_args(app, std::env::args_os(), commands))
}

/// [`run_with_commands`] inside an existing Tokio runtime, with explicit arguments (the
/// first is the program name).
pub async fn run_with_commands_args<A, C, F, Fut, I, T>(app: A, args: I, commands: F) -> ExitCode
where
    A: ShoporamaApp,
    C: Subcommand + std::fmt::Debug,
    F: FnOnce(CommandContext<A>, C) -> Fut,
    Fut: Future<Output: CommandOutput>,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    run_with_args(app, args, |app, command| async move {
        commands(CommandContext::new(app), command)
            .await
            .into_exit_code()
    })
    .await
}

/// Runs the command line with explicit arguments (the first is the program name) and app
/// commands `C` handled by `commands`.
pub async fn run_with_args<A, C, F, Fut, I, T>(app: A, args: I, commands: F) -> ExitCode
where
    A: ShoporamaApp,
    C: Subcommand + std::fmt::Debug,
    F: FnOnce(A, C) -> Fut,
    Fut: Future<Output = ExitCode>,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match parse::<C, _, _>(args) {
        Ok(Parsed::Cli(cli)) => cli,
        Ok(Parsed::Dev(args)) => return dev::dev(app, args).await,
        Err(error) => {
            // Help and version go to stdout with success; mistakes to stderr with failure.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let serve = Command::Serve {
        console: false,
        console_args: dev::ConsoleArgs::default(),
    };
    match cli.command.unwrap_or(serve) {
        Command::Serve {
            console: false,
            console_args: _,
        } => serve_command(app).await,
        Command::Serve {
            console: true,
            console_args,
        } => dev::serve_console(app, None, console_args).await,
        Command::Manifest {
            sheet,
            callback_url,
            public_url,
            lock,
            check,
            lock_file,
        } => {
            if lock || check {
                return lock_command::<A::Settings>(lock, &lock_file);
            }
            if !sheet {
                return manifest_command::<A::Settings>(false, "");
            }
            let fixed = A::Settings::manifest().callback_url;
            match sheet_callback_url(callback_url.or(fixed), public_url) {
                Ok(url) => manifest_command::<A::Settings>(true, &url),
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Simulate(args) => simulate::run::<A::Settings>(args).await,
        Command::Doctor => doctor::run::<A::Settings>().await,
        Command::Inbox(args) => inbox::run(args).await,
        Command::Effects(args) => effects::run(args).await,
        Command::Budget(args) => budget::run(args).await,
        Command::Preview { page, fields, out } => {
            preview_command::<A::Settings>(&page, &fields, out.as_ref())
        }
        Command::App(command) => {
            let _logs = init_tracing();
            commands(app, command).await
        }
    }
}

/// What the command line asked for: a command of [`Cli`], or `dev`.
enum Parsed<C: Subcommand> {
    Cli(Cli<C>),
    Dev(dev::ConsoleArgs),
}

/// Parses the command line. `dev` is added to the built-in commands only when the app has no
/// `dev` command of its own (an app's command wins; `serve --console` still has the console).
fn parse<C, I, T>(args: I) -> Result<Parsed<C>, clap::Error>
where
    C: Subcommand,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::{Args as _, CommandFactory as _, FromArgMatches as _};
    let builtin_dev = !C::has_subcommand("dev");
    let mut command = Cli::<C>::command();
    if builtin_dev {
        command = command.subcommand(dev::ConsoleArgs::augment_args(
            clap::Command::new("dev").about(
                "Serve for development with the dev console at /console: on 127.0.0.1:3000 and \
                 with every callback through the inbox unless the environment says otherwise, \
                 and with a random app token when SHOPORAMA_APP_TOKEN is not set",
            ),
        ));
    }
    let matches = command.try_get_matches_from(args)?;
    if builtin_dev && let Some(("dev", dev_matches)) = matches.subcommand() {
        return dev::ConsoleArgs::from_arg_matches(dev_matches).map(Parsed::Dev);
    }
    Cli::<C>::from_arg_matches(&matches).map(Parsed::Cli)
}

async fn serve_command<A: ShoporamaApp>(app: A) -> ExitCode {
    let (runtime, logs) = match start_serving(app, None).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    let served = serve(runtime).await;
    exit_after_serving(served, logs)
}

/// What a serving command does first: installs the logger, refuses a manifest with errors,
/// and connects the runtime (`config`, or the environment's). `Err` is the exit code, the
/// reason already printed.
async fn start_serving<A: ShoporamaApp>(
    app: A,
    config: Option<crate::config::Config>,
) -> Result<(AppRuntime<A>, LogGuard), ExitCode> {
    let logs = init_tracing();
    let problems = check_manifest(&A::Settings::manifest()).errors;
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if !problems.is_empty() {
        return Err(ExitCode::FAILURE);
    }
    let runtime = match config {
        Some(config) => AppRuntime::connect(app, config).await,
        None => AppRuntime::from_env(app).await,
    };
    match runtime {
        Ok(runtime) => Ok((runtime, logs)),
        Err(error) => {
            drop(logs);
            eprintln!("error: {error}");
            Err(error.exit_code())
        }
    }
}

/// How a serving command exits: every log line is written (`logs` dropped) before the last
/// word.
fn exit_after_serving(served: std::io::Result<()>, logs: LogGuard) -> ExitCode {
    drop(logs);
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `manifest --lock` writes the lock; `manifest --check` checks against it, one line per
/// breaking change.
fn lock_command<S: AppSettings>(write: bool, path: &std::path::Path) -> ExitCode {
    use crate::manifest::{LockError, ManifestLock, check_lock};
    let manifest = S::manifest();
    if write {
        return match ManifestLock::new(&manifest).write(path) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    match check_lock(&manifest, path) {
        Ok(()) => {
            eprintln!(
                "the manifest keeps what {} promises installed shops",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(LockError::Breaking { changes, .. }) => {
            for change in &changes {
                eprintln!("error: {change}");
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// The callback URL the setup sheet shows: `--callback-url` (or the manifest's own), else
/// `SHOPORAMA_PUBLIC_URL` (`--public-url`) followed by `SHOPORAMA_CALLBACK_PATH`. Without
/// either, the error names the variable: a sheet with a placeholder URL would be typed into
/// Shoporama's form as it is.
fn sheet_callback_url(
    callback_url: Option<String>,
    public_url: Option<String>,
) -> Result<String, String> {
    if let Some(url) = callback_url.filter(|url| !url.trim().is_empty()) {
        return Ok(url);
    }
    let Some(base) = public_url.filter(|url| !url.trim().is_empty()) else {
        return Err(
            "the setup sheet needs the app's public URL for its callback URL: set SHOPORAMA_PUBLIC_URL (e.g. https://pixel.example.com), or pass --public-url or --callback-url"
                .to_owned(),
        );
    };
    let path = std::env::var("SHOPORAMA_CALLBACK_PATH")
        .ok()
        .filter(|path| !path.trim().is_empty())
        .unwrap_or_else(|| "/callback".to_owned());
    Ok(format!(
        "{}/{}",
        base.trim().trim_end_matches('/'),
        path.trim().trim_start_matches('/')
    ))
}

fn manifest_command<S: AppSettings>(sheet: bool, callback_url: &str) -> ExitCode {
    let manifest = S::manifest();
    let text = if sheet {
        manifest.setup_sheet(callback_url)
    } else {
        manifest.to_json_pretty()
    };
    print_stdout(&text);
    let check = check_manifest(&manifest);
    for warning in &check.warnings {
        eprintln!("{warning}");
    }
    for problem in &check.errors {
        eprintln!("error: {problem}");
    }
    if check.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn preview_command<S: AppSettings>(
    page: &str,
    fields: &[String],
    out: Option<&PathBuf>,
) -> ExitCode {
    let manifest = S::manifest();
    let preview = match crate::snippet::preview_args(&manifest, page, fields) {
        Ok(preview) => preview,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    eprintln!("rendered with {}", preview.engine);
    for problem in &preview.problems {
        eprintln!("warning: {problem}");
    }
    match out {
        Some(path) => {
            if let Err(error) = std::fs::write(path, &preview.html) {
                eprintln!("error: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        }
        None => print_stdout(&preview.html),
    }
    ExitCode::SUCCESS
}

/// What the compiler could not check in a manifest, linted once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestCheck {
    /// Certain problems: an invalid default (e.g. a bad colour) and snippet lint errors
    /// (unbalanced `<{if}>`, `{ }` delimiters, unknown `$app_vars`). `serve` refuses to start.
    pub errors: Vec<String>,
    /// Warnings (snippet lint, a default on a secret field), each as one printable line.
    pub warnings: Vec<String>,
}

/// Checks `manifest`: its defaults (a secret field should have none) and its snippets' lint.
pub fn check_manifest(manifest: &crate::manifest::AppManifest) -> ManifestCheck {
    let mut check = ManifestCheck {
        errors: manifest
            .fields
            .iter()
            .filter_map(|f| f.invalid_default.clone())
            .collect(),
        warnings: Vec::new(),
    };
    for field in manifest
        .fields
        .iter()
        .filter(|f| f.secret && !f.default.is_null())
    {
        check.warnings.push(format!(
            "warning: field `{}` is secret but has a default: the default is in the manifest JSON and the binary; leave it out",
            field.name
        ));
    }
    for lint in manifest.lint() {
        if lint.is_error() {
            check.errors.push(lint.to_string());
        } else {
            check.warnings.push(lint.to_string());
        }
    }
    check
}

/// Prints to stdout with a final newline; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
}

/// The configuration of the commands that only read and change the app's store (`inbox`,
/// `effects`, `budget`): the same environment as `serve`, but `SHOPORAMA_APP_TOKEN` may be
/// unset, since they verify no callback and send no request with it.
fn store_config() -> Result<crate::config::Config, crate::config::ConfigError> {
    /// Stands in for the app token, which these commands never use.
    const NO_TOKEN: &str = "(store commands use no app token)";
    crate::config::Config::from_lookup(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .or_else(|| (name == "SHOPORAMA_APP_TOKEN").then(|| NO_TOKEN.to_owned()))
    })
}

/// A maintenance command's exit: success, or the error printed and a failure.
fn exit_code(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads a file argument, naming it in the error.
fn read_file(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
