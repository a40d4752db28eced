//! An app's own subcommands ([`run_with_commands`](super::run_with_commands)): the
//! [`CommandContext`] they receive, the [`ShopArg`] that gives them a ready shop, and
//! [`CommandError`].

use std::error::Error as StdError;
use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;

use crate::app::{Shop, ShoporamaApp};
use crate::config::Config;
use crate::server::{AppRuntime, StartError};

/// `--webshop-id N`: flatten it into an app command that works on one shop, and get the
/// shop from [`CommandContext::shop`].
///
/// ```
/// #[derive(clap::Subcommand, Debug)]
/// enum Command {
///     /// Retry the shop's failed orders.
///     Retry {
///         #[command(flatten)]
///         shop: shoporama_app::cli::ShopArg,
///     },
/// }
/// ```
#[derive(clap::Args, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopArg {
    /// The shop: Shoporama's webshop id.
    #[arg(
        long = "webshop-id",
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub webshop_id: u64,
}

impl From<u64> for ShopArg {
    fn from(webshop_id: u64) -> Self {
        Self { webshop_id }
    }
}

/// What an app command gets from [`run_with_commands`](super::run_with_commands): the app,
/// and on demand the runtime `serve` would run (configured from the same environment, with
/// the store, the app's migrations, the inbox and keyed effects open and
/// [`on_start`](ShoporamaApp::on_start) run) and the shops it knows.
///
/// A command that needs none of that (one that starts servers of its own, say) only calls
/// [`app`](Self::app), and needs no environment.
pub struct CommandContext<A: ShoporamaApp> {
    app: Arc<A>,
    runtime: Option<AppRuntime<A>>,
}

impl<A: ShoporamaApp> fmt::Debug for CommandContext<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandContext")
            .field("runtime_open", &self.runtime.is_some())
            .finish_non_exhaustive()
    }
}

impl<A: ShoporamaApp> CommandContext<A> {
    /// A context for `app`; its runtime opens on first use.
    pub fn new(app: A) -> Self {
        Self {
            app: Arc::new(app),
            runtime: None,
        }
    }

    /// The app.
    pub fn app(&self) -> &A {
        &self.app
    }

    /// The runtime, opened (the first time) from the environment as `serve` opens it:
    /// [`Config::from_env`], the store, the app's migrations, the inbox, keyed effects, and
    /// [`ShoporamaApp::on_start`]. For commands that work through every shop
    /// ([`AppRuntime::shops`]) or on the app's tables ([`AppRuntime::database`]). Cheap to
    /// clone.
    pub async fn runtime(&mut self) -> Result<AppRuntime<A>, CommandError> {
        let runtime = if let Some(runtime) = &self.runtime {
            runtime.clone()
        } else {
            let config = Config::from_env().map_err(StartError::from)?;
            let (store, inbox) = AppRuntime::<A>::open_store(&config).await?;
            let runtime = AppRuntime::assemble(Arc::clone(&self.app), config, store, inbox);
            self.runtime = Some(runtime.clone());
            runtime
        };
        // Once per runtime; a failed start is tried again by the next call.
        runtime.start().await?;
        Ok(runtime)
    }

    /// The shop `shop` names, installed and with valid settings, as handlers see it (its
    /// settings, a REST client on its token and budget, keyed effects, the app's database).
    /// Opens the [runtime](Self::runtime) first.
    ///
    /// Fails with a message naming the shop when it has not installed the app (or
    /// uninstalled it), or when its settings are not valid (with each field's problem).
    pub async fn shop(
        &mut self,
        shop: impl Into<ShopArg>,
    ) -> Result<Shop<A::Settings>, CommandError> {
        let webshop_id = shop.into().webshop_id;
        let runtime = self.runtime().await?;
        Ok(runtime.resolve_shop(webshop_id).await?)
    }
}

/// Why an app command failed: printed as `error: …` on stderr, with an exit code (2 for a
/// configuration mistake, 1 otherwise, or [`with_exit_code`](Self::with_exit_code)).
///
/// Any error converts into it with `?`, as into [`AppError`](crate::AppError).
pub struct CommandError {
    code: u8,
    source: Box<dyn StdError + Send + Sync + 'static>,
}

impl CommandError {
    /// An error with this message (exit code 1).
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            code: 1,
            source: message.to_string().into(),
        }
    }

    /// The same error, exiting with `code`.
    #[must_use]
    pub fn with_exit_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }

    /// The exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }

    /// The underlying error.
    pub fn source(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }
}

impl<E: Into<Box<dyn StdError + Send + Sync + 'static>>> From<E> for CommandError {
    /// Exit code 2 for a configuration mistake ([`ConfigError`](crate::config::ConfigError),
    /// [`StartError::Config`]), 1 for anything else.
    fn from(error: E) -> Self {
        let source = error.into();
        let config = source.is::<crate::config::ConfigError>()
            || source
                .downcast_ref::<StartError>()
                .is_some_and(|error| matches!(error, StartError::Config(_)));
        Self {
            code: if config { 2 } else { 1 },
            source,
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        let mut cause = self.source.source();
        while let Some(error) = cause {
            let text = error.to_string();
            if !self.source.to_string().contains(&text) {
                write!(f, ": {text}")?;
            }
            cause = error.source();
        }
        Ok(())
    }
}

impl fmt::Debug for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandError")
            .field("code", &self.code)
            .field("source", &self.source)
            .finish()
    }
}

/// What an app command returns: `()`, an [`ExitCode`], or a `Result` of either with a
/// [`CommandError`] (printed, then its exit code).
pub trait CommandOutput {
    /// The process's exit code, after printing any error.
    fn into_exit_code(self) -> ExitCode;
}

impl CommandOutput for () {
    fn into_exit_code(self) -> ExitCode {
        ExitCode::SUCCESS
    }
}

impl CommandOutput for ExitCode {
    fn into_exit_code(self) -> ExitCode {
        self
    }
}

impl<T: CommandOutput> CommandOutput for Result<T, CommandError> {
    fn into_exit_code(self) -> ExitCode {
        match self {
            Ok(output) => output.into_exit_code(),
            Err(error) => {
                eprintln!("error: {error}");
                error.exit_code()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ShopError;

    #[test]
    fn errors_convert_with_exit_codes() {
        let config: CommandError = crate::config::ConfigError::MissingToken.into();
        assert_eq!(config.code, 2);
        let shop: CommandError = ShopError::Unconfigured {
            webshop_id: 7,
            errors: vec!["field `api_key` is required but was not set".to_owned()],
        }
        .into();
        assert_eq!(shop.code, 1);
        assert!(shop.to_string().contains("shop 7 installed the app but its settings are not valid yet (field `api_key` is required"), "{shop}");
        let custom = CommandError::msg("nope").with_exit_code(3);
        assert_eq!(custom.exit_code(), ExitCode::from(3));
        assert_eq!(custom.to_string(), "nope");
    }
}
