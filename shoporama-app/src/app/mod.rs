//! The author's side: the [`ShoporamaApp`] handler trait, the [`Shop`] a handler receives, and
//! [`AppError`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) mod runtime;
mod shop_cache;

use crate::effects::{Attempt, EffectError, EffectFailure, Effects, EffectsConfig};

use crate::fields::SettingsError;
use crate::settings::AppSettings;
use crate::store::Database;

/// The event type of an app's settings: `<Struct>Event`.
pub type EventOf<A> = <<A as ShoporamaApp>::Settings as AppSettings>::Event;

/// An app: what happens when Shoporama calls back.
///
/// Every method has a default that does nothing, so an app implements only what it needs.
/// Methods run after the framework has verified the callback and persisted the installation;
/// an `Err` answers Shoporama with a 500 and the error's message (see each method for the
/// state that remains).
///
/// ```
/// use shoporama_app::prelude::*;
///
/// #[shoporama_app(name = "Stock alert", access = read)]
/// pub struct Settings {
///     #[field(label = "Alert e-mail")]
///     email: String,
///     #[field(default = 5)]
///     threshold: u32,
/// }
///
/// struct StockAlert;
///
/// impl ShoporamaApp for StockAlert {
///     type Settings = Settings;
///
///     async fn on_install(&self, shop: &Shop<Settings>, kind: InstallKind) -> Result<(), AppError> {
///         shoporama_app::tracing::info!(webshop_id = shop.webshop_id(), ?kind, "alerts go to {}", shop.settings().email);
///         Ok(())
///     }
///
///     async fn on_update(&self, shop: &Shop<Settings>, previous: Option<&Settings>) -> Result<(), AppError> {
///         if shop.settings().threshold == 0 {
///             // The answer's message is shown to whoever saved the form.
///             return Err(AppError::msg("the threshold must be at least 1"));
///         }
///         let _ = previous;
///         Ok(())
///     }
/// }
/// ```
///
/// [`AppRuntime`](crate::AppRuntime) shows how to test it; the crate docs show an app with
/// events and snippets.
pub trait ShoporamaApp: Send + Sync + 'static {
    /// The settings struct annotated with `#[shoporama_app]`.
    type Settings: AppSettings;

    /// The app's own tables: migrations applied at start-up in the framework's database,
    /// after the framework's own (see [`AppMigrations`](crate::store::AppMigrations) and
    /// [`migrations!`](crate::migrations)). None by default.
    ///
    /// The tables are then reached through [`Shop::database`] and
    /// [`AppRuntime::database`](crate::AppRuntime::database).
    fn migrations(&self) -> crate::store::AppMigrations {
        crate::store::AppMigrations::NONE
    }

    /// The app's version, named in the REST User-Agent: `<name>/<version> shoporama-app/x.y`,
    /// the name from the manifest (see [`RestConfig::app_agent`](crate::rest::RestConfig::app_agent)).
    /// Return your crate's: `Some(env!("CARGO_PKG_VERSION"))`. `None` (the default) leaves
    /// the version out. A User-Agent set in the configuration replaces all of it.
    fn version(&self) -> Option<&str> {
        None
    }

    /// Runs once when the runtime starts ([`AppRuntime::connect`](crate::AppRuntime::connect),
    /// which `serve` and the app's commands use, or
    /// [`AppRuntime::start`](crate::AppRuntime::start)): after the install store, the app's
    /// migrations, the inbox and keyed effects are ready, before the first callback is
    /// accepted. Check the app's own configuration, warm caches, start background work.
    ///
    /// An `Err` stops the start-up: `serve` prints it and exits with a failure.
    fn on_start(
        &self,
        runtime: &runtime::AppRuntime<Self>,
    ) -> impl Future<Output = Result<(), AppError>> + Send
    where
        Self: Sized,
    {
        let _ = runtime;
        async { Ok(()) }
    }

    /// A shop installed the app, with valid settings. `kind` tells a first install from a
    /// re-install of a shop that was already installed.
    ///
    /// On `Err`, the installation stays stored (Shoporama may retry the callback; it is an
    /// idempotent upsert).
    fn on_install(
        &self,
        shop: &Shop<Self::Settings>,
        kind: InstallKind,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (shop, kind);
        async { Ok(()) }
    }

    /// A shop saved its settings. `previous` is `None` when the shop had no valid settings
    /// before (it installed unconfigured).
    ///
    /// On `Err`, the new settings stay stored.
    fn on_update(
        &self,
        shop: &Shop<Self::Settings>,
        previous: Option<&Self::Settings>,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (shop, previous);
        async { Ok(()) }
    }

    /// An install or update brought settings that do not parse (a shop may install before
    /// filling in required fields). The token and raw fields are stored; the shop is marked
    /// unconfigured and its events are acknowledged but not dispatched until an update brings
    /// valid settings.
    fn on_unconfigured(
        &self,
        shop: &ShopInfo,
        errors: &SettingsError,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (shop, errors);
        async { Ok(()) }
    }

    /// A shop uninstalled the app. Its token and settings are already deleted (a tombstone
    /// with the time remains); `shop` is what was known about it.
    fn on_uninstall(&self, shop: &ShopInfo) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = shop;
        async { Ok(()) }
    }

    /// A subscribed storefront event or webhook, or an `Unknown` one, for an installed and
    /// configured shop.
    fn on_event(
        &self,
        shop: &Shop<Self::Settings>,
        event: EventOf<Self>,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (shop, event);
        async { Ok(()) }
    }

    /// The options of the external list `name` (`#[field(list = external("name"))]`), as
    /// ordered `(key, label)` pairs. `shop` is the asking shop when the request names an
    /// installed, configured one.
    fn external_list(
        &self,
        name: &str,
        shop: Option<&Shop<Self::Settings>>,
    ) -> impl Future<Output = Result<Vec<(String, String)>, AppError>> + Send {
        let _ = shop;
        let name = name.to_owned();
        async move {
            Err(AppError::not_found(format!(
                "unknown external list `{name}`"
            )))
        }
    }
}

/// Whether an install callback was the shop's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallKind {
    /// The shop was not installed.
    New,
    /// The shop was already installed: its installation was replaced.
    Reinstall,
}

/// What is known about an installed shop, without its settings or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopInfo {
    /// Shoporama's id of the webshop.
    pub webshop_id: u64,
    /// The shop's URL.
    pub webshop_url: String,
    /// The REST token's daily call limit.
    pub daily_limit: u64,
    /// REST calls made today when Shoporama last told us.
    pub current_usage: u64,
    /// When the shop installed the app.
    pub installed_at: DateTime<Utc>,
}

/// An installed, configured shop, as handlers receive it: who it is, its typed settings,
/// (with [`Shop::rest`]) a REST client bound to its token, and (with [`Shop::once`]) the app's
/// keyed effects. Cheap to clone.
///
/// The framework builds one per callback from the stored installation; a unit test of a
/// handler's logic can build one itself:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use shoporama_app::prelude::*;
/// use shoporama_app::rest::{Budget, RestConfig, ShopClient};
/// use shoporama_app::secret::AppToken;
///
/// struct Settings {
///     greeting: String,
/// }
///
/// /// A handler's work: read the settings and the shop, and send one note per order.
/// async fn thank(shop: &Shop<Settings>, order_id: u64, sent: &AtomicU32) -> Result<String, AppError> {
///     let note = format!("{} from shop {}", shop.settings().greeting, shop.webshop_id());
///     let stored = shop
///         .once("thank-you", order_id, |_attempt| async move {
///             sent.fetch_add(1, Ordering::SeqCst); // the side effect, e.g. an e-mail
///             Ok(note)
///         })
///         .await?;
///     Ok(stored)
/// }
///
/// let info = ShopInfo {
///     webshop_id: 7,
///     webshop_url: "https://demo.shoporama.dk/".into(),
///     daily_limit: 1000,
///     current_usage: 0,
///     installed_at: chrono::Utc::now(),
/// };
/// let rest = ShopClient::new(
///     RestConfig::new("https://demo.shoporama.dk/REST"),
///     AppToken::new("the shop's REST token"),
///     Arc::new(Budget::new(1000, 0)),
/// );
/// let shop = Shop::new(info, Settings { greeting: "Tak".into() }, rest);
///
/// let runtime = shoporama_app::tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let sent = AtomicU32::new(0);
/// for _delivery in 0..3 {
///     let note = runtime.block_on(thank(&shop, 1001, &sent)).map_err(|e| e.to_string())?;
///     assert_eq!(note, "Tak from shop 7");
/// }
/// assert_eq!(sent.load(Ordering::SeqCst), 1, "three deliveries, one note");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Shop<S> {
    pub(crate) info: Arc<ShopInfo>,
    pub(crate) settings: Arc<S>,
    pub(crate) rest: crate::rest::ShopClient,
    pub(crate) effects: Effects,
    pub(crate) database: Option<Database>,
}

impl<S> Clone for Shop<S> {
    fn clone(&self) -> Self {
        Self {
            info: Arc::clone(&self.info),
            settings: Arc::clone(&self.settings),
            rest: self.rest.clone(),
            effects: self.effects.clone(),
            database: self.database.clone(),
        }
    }
}

impl<S> Shop<S> {
    /// Builds a shop (the framework does this; tests may too).
    ///
    /// Its effects are kept in memory, shared by this shop and its clones only; the runtime's
    /// shops share the app's ([`with_effects`](Self::with_effects)).
    pub fn new(info: ShopInfo, settings: S, rest: crate::rest::ShopClient) -> Self {
        Self {
            info: Arc::new(info),
            settings: Arc::new(settings),
            rest,
            effects: Effects::in_memory(EffectsConfig::default()),
            database: None,
        }
    }

    /// The same shop, recording its effects in `effects`.
    #[must_use]
    pub fn with_effects(mut self, effects: Effects) -> Self {
        self.effects = effects;
        self
    }

    /// The same shop, with `database` as the app's database ([`database`](Self::database)).
    #[must_use]
    pub fn with_database(mut self, database: Option<Database>) -> Self {
        self.database = database;
        self
    }

    /// The app's SQL database, the one the install store, the inbox and keyed effects use,
    /// where the app's own tables live ([`ShoporamaApp::migrations`]): `None` when the store
    /// has none (`memory://`). Query it with [`with_backend!`](crate::with_backend).
    pub fn database(&self) -> Option<&Database> {
        self.database.as_ref()
    }

    /// The keyed effects this shop's [`once`](Self::once) records in.
    pub fn effects(&self) -> &Effects {
        &self.effects
    }

    /// Runs `effect` once for this shop and `(name, key)` (create the invoice of order
    /// `key`), across retries, duplicate callbacks, crashes and processes; a later call
    /// returns the stored result without running it. See [`effects`](crate::effects) for the
    /// rules; [`Effects::once`] is the same for any webshop id.
    ///
    /// The closure gets the [`Attempt`]: when [`taken_over`](Attempt::taken_over) is set, an
    /// earlier attempt may have done the work without recording it, so look first. It returns
    /// the result (stored as JSON) or an [`EffectFailure`], retryable or permanent. `?` on
    /// the [`EffectError`] in a handler answers a retryable one with 503 and `Retry-After`.
    ///
    /// ```
    /// use shoporama_app::prelude::*;
    ///
    /// #[shoporama_app(name = "Invoicer", access = read, webhooks(paid))]
    /// pub struct Settings {
    ///     api_key: String,
    /// }
    ///
    /// struct Invoicer;
    ///
    /// impl ShoporamaApp for Invoicer {
    ///     type Settings = Settings;
    ///
    ///     async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
    ///         let SettingsEvent::PaidWebhook(order) = event else { return Ok(()) };
    ///         let Some(order_id) = order.order_id else { return Ok(()) };
    ///         let key = &shop.settings().api_key;
    ///         // Once per paid order, however often the webhook arrives.
    ///         let invoice: String = shop
    ///             .once("invoice", order_id, |attempt| async move {
    ///                 if attempt.taken_over {
    ///                     // An earlier attempt may have created it before crashing.
    ///                     if let Some(invoice) = find_invoice(key, order_id).await? {
    ///                         return Ok(invoice);
    ///                     }
    ///                 }
    ///                 attempt.confirm_claim().await?;
    ///                 create_invoice(key, order_id).await
    ///             })
    ///             .await?;
    ///         tracing::info!(order_id, invoice, "invoiced");
    ///         Ok(())
    ///     }
    /// }
    ///
    /// /// The accounting system's invoice for the order, if it has one.
    /// async fn find_invoice(_api_key: &str, _order_id: u64) -> Result<Option<String>, EffectFailure> {
    ///     Ok(None)
    /// }
    ///
    /// /// Creates the invoice: a time-out is worth retrying, a refusal is not.
    /// async fn create_invoice(_api_key: &str, order_id: u64) -> Result<String, EffectFailure> {
    ///     if order_id == 0 {
    ///         return Err(EffectFailure::permanent("the accounting system refused order 0"));
    ///     }
    ///     Ok(format!("INV-{order_id}"))
    /// }
    /// ```
    pub async fn once<T, F, Fut>(
        &self,
        name: &str,
        key: impl fmt::Display,
        effect: F,
    ) -> Result<T, EffectError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Attempt) -> Fut,
        Fut: Future<Output = Result<T, EffectFailure>>,
    {
        self.effects
            .once(self.info.webshop_id, name, key, effect)
            .await
    }

    /// Shoporama's id of the webshop.
    pub fn webshop_id(&self) -> u64 {
        self.info.webshop_id
    }

    /// The shop's URL.
    pub fn webshop_url(&self) -> &str {
        &self.info.webshop_url
    }

    /// The shop's typed settings.
    pub fn settings(&self) -> &S {
        &self.settings
    }

    /// Who the shop is.
    pub fn info(&self) -> &ShopInfo {
        &self.info
    }

    /// The REST token's daily call limit.
    pub fn daily_limit(&self) -> u64 {
        self.info.daily_limit
    }

    /// REST calls made today when Shoporama last told us.
    pub fn current_usage(&self) -> u64 {
        self.info.current_usage
    }

    /// A REST client bound to this shop's token, pacing calls within its daily budget.
    pub fn rest(&self) -> &crate::rest::ShopClient {
        &self.rest
    }
}

impl<S: fmt::Debug> fmt::Debug for Shop<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shop")
            .field("info", &self.info)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// An error from an app's handler: any error, with a message Shoporama receives in the 500's
/// JSON body (so never put secrets in it).
///
/// Converting an [`EffectError`] (`?` on [`Shop::once`]) gives a
/// [`retry_after`](Self::retry_after) error when the effect may succeed later, a 500
/// otherwise.
///
/// ```
/// use std::time::Duration;
/// use shoporama_app::AppError;
///
/// fn parse_amount(text: &str) -> Result<u64, AppError> {
///     // Any error converts with `?`: Shoporama gets a 500 with its message.
///     let amount: u64 = text.trim().parse()?;
///     if amount == 0 {
///         return Err(AppError::msg("an amount of 0 cannot be invoiced"));
///     }
///     Ok(amount)
/// }
///
/// let error = parse_amount("12 kr").err().ok_or("12 kr is not a number")?;
/// assert_eq!(error.status(), 500);
/// assert_eq!(error.to_string(), "invalid digit found in string");
///
/// // Something the handler needs is down: ask Shoporama to deliver the callback again.
/// let busy = AppError::retry_after(Duration::from_secs(30));
/// assert_eq!(busy.status(), 503);
/// assert_eq!(busy.retry_delay(), Some(Duration::from_secs(30)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AppError {
    status: http::StatusCode,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
    retry_after: Option<Duration>,
}

impl AppError {
    /// An error with this message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            status: http::StatusCode::INTERNAL_SERVER_ERROR,
            source: message.to_string().into(),
            retry_after: None,
        }
    }

    /// A "not found" error (404), e.g. for an unknown external list.
    pub fn not_found(message: impl fmt::Display) -> Self {
        Self {
            status: http::StatusCode::NOT_FOUND,
            source: message.to_string().into(),
            retry_after: None,
        }
    }

    /// "Try again later": answered with 503 Service Unavailable, a `Retry-After` header of
    /// `delay` in whole seconds (at least 1) and `"retry_after"` in the JSON body. Shoporama
    /// delivers the callback again; use it when something the handler needs is busy or down.
    pub fn retry_after(delay: Duration) -> Self {
        Self::msg(format_args!(
            "temporarily unavailable: try again in {} s",
            retry_after_secs(delay)
        ))
        .with_retry_after(delay)
    }

    /// This error, answered as "try again later" ([`retry_after`](Self::retry_after)) with
    /// its own message.
    #[must_use]
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.status = http::StatusCode::SERVICE_UNAVAILABLE;
        self.retry_after = Some(delay);
        self
    }

    /// The HTTP status Shoporama receives.
    pub fn status(&self) -> http::StatusCode {
        self.status
    }

    /// How long the caller is asked to wait before trying again, for a
    /// [`retry_after`](Self::retry_after) error.
    pub fn retry_delay(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The underlying error.
    pub fn source(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }
}

impl<E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>> From<E> for AppError {
    /// A 500 with the error's message; for an [`EffectError`] that may succeed later, a
    /// [`retry_after`](AppError::retry_after) error instead.
    fn from(error: E) -> Self {
        let source = error.into();
        let retry_after = source
            .downcast_ref::<EffectError>()
            .and_then(EffectError::retry_after);
        let error = Self {
            status: http::StatusCode::INTERNAL_SERVER_ERROR,
            source,
            retry_after: None,
        };
        match retry_after {
            Some(delay) => error.with_retry_after(delay),
            None => error,
        }
    }
}

/// `delay` in the whole seconds of a `Retry-After` header: rounded up, at least 1.
pub(crate) fn retry_after_secs(delay: Duration) -> u64 {
    let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
    secs.max(1)
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        let mut cause = self.source.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

/// An [`AppError`] as an effect's failure: retryable when its status is 5xx or it asks to be
/// retried later. Here rather than in `effects`, which is below `app` (see ARCHITECTURE.md).
impl From<AppError> for EffectFailure {
    fn from(error: AppError) -> Self {
        if error.status().is_server_error() || error.retry_delay().is_some() {
            Self::retryable(error)
        } else {
            Self::permanent(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::RETRY_AFTER;

    #[test]
    fn app_errors_are_retryable_effect_failures_unless_4xx() {
        assert!(EffectFailure::from(AppError::msg("boom")).is_retryable());
        assert!(!EffectFailure::from(AppError::not_found("no such order")).is_retryable());
    }

    #[test]
    fn retryable_errors_become_503_with_retry_after_through_question_mark() {
        fn handler(error: EffectError) -> Result<(), AppError> {
            Err(error)?
        }
        let busy = EffectError::Busy {
            webshop_id: 7,
            name: "invoice".to_owned(),
            key: "1001".to_owned(),
            lease_until: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        };
        assert!(busy.is_retryable());
        let error = handler(busy)
            .err()
            .unwrap_or_else(|| AppError::msg("no error"));
        assert_eq!(error.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error.retry_delay(), Some(RETRY_AFTER));
        assert!(
            error.to_string().contains("still running elsewhere"),
            "{error}"
        );

        let permanent = EffectError::Failed {
            webshop_id: 7,
            name: "invoice".to_owned(),
            key: "1001".to_owned(),
            message: "refused".to_owned(),
            retryable: false,
            attempts: 1,
        };
        assert!(!permanent.is_retryable());
        let error = handler(permanent)
            .err()
            .unwrap_or_else(|| AppError::msg("no error"));
        assert_eq!(error.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.retry_delay(), None);

        let later = AppError::retry_after(Duration::from_millis(1200));
        assert_eq!(later.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(later.to_string().contains("try again in 2 s"), "{later}");
    }
}
