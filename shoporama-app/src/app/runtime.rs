//! [`AppRuntime`]: the app with its configuration, install store, inbox, keyed effects and
//! caches. It is defined here, beside the [`ShoporamaApp`] trait that receives it in
//! [`on_start`](ShoporamaApp::on_start), and served by [`crate::server`], which adds
//! [`router`](AppRuntime::router) and [`start_inbox_workers`](AppRuntime::start_inbox_workers).
//! Public as `shoporama_app::server::AppRuntime`.

use std::sync::Arc;

use super::shop_cache;
use super::{Shop, ShopInfo, ShoporamaApp};
use crate::config::Config;
use crate::effects::Effects;
use crate::inbox::{Delivery, Inbox};
use crate::rest::countries::CountryCache;
use crate::rest::{Budget, ShopClient};
use crate::store::{InstallStore, Installation, StoreError};

/// An app ready to serve: the author's [`ShoporamaApp`], its configuration and its install
/// store. Cheap to clone.
///
/// `serve` builds one from the environment ([`from_env`](Self::from_env)); a test builds one
/// from a [`Config`], drives its [`router`](Self::router) with a
/// [`SimulatedShop`](crate::testing::SimulatedShop) and reads what was stored:
///
/// ```
/// use shoporama_app::prelude::*;
/// use shoporama_app::testing::SimulatedShop;
/// use shoporama_app::{AppRuntime, Config};
///
/// #[shoporama_app(name = "Greeter", access = read)]
/// pub struct Settings {
///     #[field(default = "Hej")]
///     greeting: String,
/// }
///
/// struct Greeter;
///
/// impl ShoporamaApp for Greeter {
///     type Settings = Settings;
/// }
///
/// # shoporama_app::tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let config = Config::builder().app_token("app-token").database_url("memory://").build()?;
/// let runtime = AppRuntime::connect(Greeter, config).await?;
/// let shoporama = SimulatedShop::in_process(runtime.router(), Settings::manifest(), "app-token")
///     .webshop_id(7)
///     .field("greeting", "Goddag");
/// shoporama.install().await.assert_ok();
///
/// let shop = runtime.resolve_shop(7).await?;
/// assert_eq!(shop.settings().greeting, "Goddag");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AppRuntime<A: ShoporamaApp> {
    inner: Arc<Inner<A>>,
}

struct Inner<A: ShoporamaApp> {
    /// Shared with a [`CommandContext`](crate::cli::CommandContext) that opened this runtime.
    app: Arc<A>,
    config: Config,
    store: Arc<dyn InstallStore>,
    /// Each shop's REST budget (with its token's ledger key), shared by all its clients in
    /// this process and reconciled by install and update callbacks (which carry Shoporama's
    /// own count).
    budgets: std::sync::Mutex<std::collections::BTreeMap<u64, (String, Arc<Budget>)>>,
    /// Each shop's cached country table, shared by all its clients in this process.
    countries: std::sync::Mutex<std::collections::BTreeMap<u64, Arc<CountryCache>>>,
    /// Installations and parsed settings, for events.
    shops: shop_cache::ShopCache<A::Settings>,
    /// The durable inbox, when `config.inbox` routes any type to it and the store is SQL.
    inbox: Option<Inbox>,
    /// The keyed effects, in the store's database (or in memory without one); every shop
    /// built here carries them.
    effects: Effects,
    /// The external lists the settings declare, read from the manifest once.
    external_lists: std::collections::BTreeSet<String>,
    /// The manifest's `allowed_shops`: empty allows every shop.
    allowed_shops: Vec<u64>,
    /// `(new, old)` variable names from `#[field(rename_from = "old")]`.
    renames: Arc<[(String, String)]>,
    /// The store's SQL database, shared with the app ([`AppRuntime::database`]).
    database: Option<crate::store::Database>,
    /// Whether [`AppRuntime::start`] has run to the end (its lock makes concurrent calls wait).
    started: tokio::sync::Mutex<bool>,
}

impl<A: ShoporamaApp> Clone for AppRuntime<A> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: ShoporamaApp> AppRuntime<A> {
    /// Connects the install store named by `config.database_url` (creating and migrating it),
    /// opens the inbox and keyed effects in it, and [starts](Self::start) the app: its
    /// migrations, then [`ShoporamaApp::on_start`]. Fails loudly when the store is
    /// unreachable or unmigratable, an app migration fails, or `on_start` does.
    ///
    /// When `config.inbox` routes any callback type to the inbox, the inbox is opened in the
    /// same database; over `memory://` or `sqlite::memory:` (not durable) every callback is
    /// handled inline instead, with a warning.
    pub async fn connect(app: A, config: Config) -> Result<Self, StartError> {
        let (store, inbox) = Self::open_store(&config).await?;
        let runtime = Self::assemble(app, config, store, inbox);
        if let Err(error) = runtime.start().await {
            runtime.shutdown_inbox().await;
            return Err(error);
        }
        Ok(runtime)
    }

    /// The store and inbox of [`connect`](Self::connect), before the app is given them.
    pub(crate) async fn open_store(
        config: &Config,
    ) -> Result<(Arc<dyn InstallStore>, Option<Inbox>), StartError> {
        let url = crate::store::mask_url(&config.database_url);
        Self::open_store_inner(config)
            .await
            .map_err(|source| StartError::Store { url, source })
    }

    async fn open_store_inner(
        config: &Config,
    ) -> Result<(Arc<dyn InstallStore>, Option<Inbox>), StoreError> {
        let store = crate::store::connect(&config.database_url).await?;
        let durable = match crate::inbox::not_durable(&config.database_url) {
            Some(reason) => Err(reason),
            None => store
                .database()
                .ok_or("the inbox needs a SQLite file or PostgreSQL"),
        };
        let inbox = match (config.inbox.uses_inbox(), durable) {
            (false, _) => None,
            (true, Err(reason)) => {
                tracing::warn!(%reason, "no inbox: every callback is handled inline");
                None
            }
            (true, Ok(database)) => Some(
                Inbox::new(database, config.inbox.clone())
                    .await
                    .map_err(|error| StoreError::Connect {
                        url: crate::store::mask_url(&config.database_url),
                        source: error.to_string().into(),
                    })?,
            ),
        };
        Ok((store, inbox))
    }

    /// Reads the [`Config`] from the environment and [connects](Self::connect): what `serve`
    /// and the app's commands do.
    pub async fn from_env(app: A) -> Result<Self, StartError> {
        let config = Config::from_env()?;
        Self::connect(app, config).await
    }

    /// Starts the app, once per runtime: applies its [migrations](ShoporamaApp::migrations)
    /// (when the store has a SQL database) and runs [`ShoporamaApp::on_start`]. Later calls
    /// return at once; after a failure, the next call tries again.
    ///
    /// [`connect`](Self::connect) and [`from_env`](Self::from_env) call it; call it yourself
    /// on a runtime made [`with_store`](Self::with_store), before serving it.
    pub async fn start(&self) -> Result<(), StartError> {
        let mut started = self.inner.started.lock().await;
        if *started {
            return Ok(());
        }
        let migrations = self.inner.app.migrations();
        match (&self.inner.database, migrations.is_empty()) {
            (_, true) => {}
            (Some(database), false) => {
                migrations
                    .apply(database)
                    .await
                    .map_err(|source| StartError::Migrations {
                        url: crate::store::mask_url(&self.inner.config.database_url),
                        source,
                    })?;
            }
            (None, false) => {
                tracing::warn!(
                    url = %crate::store::mask_url(&self.inner.config.database_url),
                    "the app has migrations but the store has no SQL database: not applied"
                );
            }
        }
        self.inner
            .app
            .on_start(self)
            .await
            .map_err(StartError::OnStart)?;
        *started = true;
        Ok(())
    }

    /// The shop as handlers see it, for work outside a callback (a CLI command, a job):
    /// `None` when it is not installed or has no valid settings. See
    /// [`resolve_shop`](Self::resolve_shop) for an error saying which.
    pub async fn shop_by_id(
        &self,
        webshop_id: u64,
    ) -> Result<Option<Shop<A::Settings>>, StoreError> {
        Ok(self
            .lookup(webshop_id)
            .await?
            .and_then(|cached| cached.shop))
    }

    /// The shop as handlers see it, or why there is none: [`ShopError::NotInstalled`] (with
    /// when it uninstalled, if it did), [`ShopError::Unconfigured`] (with its settings'
    /// errors), or a store error.
    pub async fn resolve_shop(&self, webshop_id: u64) -> Result<Shop<A::Settings>, ShopError> {
        let Some(cached) = self.lookup(webshop_id).await? else {
            let tombstone = self.inner.store.tombstone(webshop_id).await?;
            return Err(ShopError::NotInstalled {
                webshop_id,
                uninstalled_at: tombstone.map(|tombstone| tombstone.uninstalled_at),
            });
        };
        if let Some(shop) = cached.shop {
            return Ok(shop);
        }
        let errors = match &cached.installation.settings_status {
            crate::store::SettingsStatus::Unconfigured { errors } => errors.clone(),
            // Stored as valid, but this build's settings do not parse them.
            crate::store::SettingsStatus::Configured => {
                let fields = crate::fields::FieldValues::from(cached.installation.fields.clone());
                <A::Settings as crate::settings::AppSettings>::from_fields(&fields)
                    .err()
                    .map(|errors| errors.messages())
                    .unwrap_or_default()
            }
        };
        Err(ShopError::Unconfigured { webshop_id, errors })
    }

    /// Every installed shop with valid settings, by webshop id (for a command or a job that
    /// works through all shops). Installed shops whose settings do not parse are left out.
    pub async fn shops(&self) -> Result<Vec<Shop<A::Settings>>, StoreError> {
        let installations = self.inner.store.installations().await?;
        Ok(installations
            .into_iter()
            .filter_map(|installation| self.remember(installation).shop)
            .collect())
    }

    /// The app's SQL database: the one the install store, the inbox and keyed effects use,
    /// where the app's own tables live ([`ShoporamaApp::migrations`]). `None` when the store
    /// has none (`memory://`). Query it with [`with_backend!`](crate::with_backend).
    pub fn database(&self) -> Option<&crate::store::Database> {
        self.inner.database.as_ref()
    }

    /// A runtime over an already opened store, handling every callback inline (no inbox).
    /// The app is not started: call [`start`](Self::start) before serving.
    pub fn with_store(app: A, config: Config, store: Arc<dyn InstallStore>) -> Self {
        Self::assemble(app, config, store, None)
    }

    pub(crate) fn assemble(
        app: impl Into<Arc<A>>,
        config: Config,
        store: Arc<dyn InstallStore>,
        inbox: Option<Inbox>,
    ) -> Self {
        let app = app.into();
        let mut config = config;
        if !config.rest.has_user_agent() {
            let name = <A::Settings as crate::settings::AppSettings>::manifest().name;
            config.rest = config.rest.app_agent(&name, app.version());
        }
        let shops = shop_cache::ShopCache::new(config.shop_cache_ttl);
        let effects = Effects::for_store(&*store, config.effects.clone());
        let database = store.database();
        let manifest = <A::Settings as crate::settings::AppSettings>::manifest();
        Self {
            inner: Arc::new(Inner {
                app,
                config,
                store,
                budgets: std::sync::Mutex::default(),
                countries: std::sync::Mutex::default(),
                shops,
                inbox,
                effects,
                renames: manifest
                    .fields
                    .iter()
                    .flat_map(|field| {
                        field
                            .rename_from
                            .iter()
                            .map(|old| (field.name.clone(), old.clone()))
                    })
                    .collect(),
                external_lists: manifest
                    .fields
                    .into_iter()
                    .filter_map(|field| field.external_list)
                    .collect(),
                allowed_shops: manifest.allowed_shops,
                database,
                started: tokio::sync::Mutex::new(false),
            }),
        }
    }

    /// The inbox, if callbacks can go through one.
    pub fn inbox(&self) -> Option<&Inbox> {
        self.inner.inbox.as_ref()
    }

    /// The inbox when a callback of type `kind` goes through it.
    pub(crate) fn inbox_for(&self, kind: &str) -> Option<&Inbox> {
        self.inner
            .inbox
            .as_ref()
            .filter(|_| self.inner.config.inbox.delivery(kind) == Delivery::Inbox)
    }

    /// Stops the inbox workers: no new claims, running jobs finish within the configured
    /// grace or are released for another process. [`serve_on`](crate::server::serve_on) does it after the server
    /// stopped accepting and answered the requests in flight.
    pub async fn shutdown_inbox(&self) {
        if let Some(inbox) = &self.inner.inbox {
            inbox.shutdown().await;
        }
    }

    /// The handler view of an installation with parsed settings.
    pub fn shop(&self, installation: &Installation, settings: A::Settings) -> Shop<A::Settings> {
        let budget = self.budget(installation, false);
        let countries = Arc::clone(
            self.inner
                .countries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(installation.webshop_id)
                .or_default(),
        );
        let client = ShopClient::with_country_cache(
            self.inner.config.rest.clone(),
            &installation.token,
            budget,
            countries,
        );
        Shop::new(shop_info(installation), settings, client)
            .with_effects(self.effects().clone())
            .with_database(self.inner.database.clone())
    }

    /// The keyed effects ([`Shop::once`]): in the install store's database, or in this
    /// process's memory when it has none (`memory://`). For work outside a handler, e.g. a
    /// CLI command: `runtime.effects().once(webshop_id, "invoice", order_id, …)`.
    pub fn effects(&self) -> &Effects {
        &self.inner.effects
    }
}

impl<A: ShoporamaApp> AppRuntime<A> {
    /// The app.
    pub fn app(&self) -> &A {
        &self.inner.app
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The install store.
    pub fn store(&self) -> &Arc<dyn InstallStore> {
        &self.inner.store
    }

    /// The shop's budget, shared by all its clients in this process, and by every process of
    /// the app when the store has a SQL database (the ledger in `shoporama_budget`, keyed by
    /// the token); `refresh` resets this process's copy to the installation's numbers.
    pub(crate) fn budget(&self, installation: &Installation, refresh: bool) -> Arc<Budget> {
        let key = crate::rest::ledger_key(&installation.token);
        let mut budgets = self
            .inner
            .budgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = || {
            Arc::new(match &self.inner.database {
                Some(database) => Budget::shared(
                    database.clone(),
                    &installation.token,
                    installation.webshop_id,
                    installation.daily_limit,
                    installation.current_usage,
                ),
                None => Budget::new(installation.daily_limit, installation.current_usage),
            })
        };
        let entry = budgets
            .entry(installation.webshop_id)
            .or_insert_with(|| (key.clone(), fresh()));
        if entry.0 != key {
            // A new token (a reinstall): a new ledger row.
            *entry = (key, fresh());
        }
        if refresh {
            entry
                .1
                .refresh(installation.daily_limit, installation.current_usage);
        }
        Arc::clone(&entry.1)
    }

    /// Reconciles the shop's budget with the platform's count from an install or update
    /// callback (`app_token_daily_limit`, `app_token_current_usage`): in the shared ledger
    /// for every process, or in this process. A ledger failure is logged, not fatal: the
    /// installation is stored, and the next call's reservation reports the ledger's state.
    pub(crate) async fn reconcile_budget(&self, installation: &Installation) {
        let budget = self.budget(installation, true);
        if let Err(error) = budget
            .reconcile(installation.daily_limit, installation.current_usage)
            .await
        {
            tracing::warn!(%error, "could not reconcile the REST budget ledger");
        }
    }

    /// Forgets an uninstalled shop's budget and country table.
    pub(crate) fn forget_budget(&self, webshop_id: u64) {
        self.inner
            .budgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&webshop_id);
        self.inner
            .countries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&webshop_id);
    }

    /// The shop's installation and, when its settings are valid, its handler view: from the
    /// cache when fresh, else from the store (then cached).
    pub(crate) async fn lookup(
        &self,
        webshop_id: u64,
    ) -> Result<Option<shop_cache::CachedShop<A::Settings>>, StoreError> {
        if let Some(cached) = self.inner.shops.get(webshop_id) {
            return Ok(Some(cached));
        }
        let Some(installation) = self.inner.store.installation(webshop_id).await? else {
            self.inner.shops.forget(webshop_id);
            return Ok(None);
        };
        let Some(installation) = self.migrate_renamed(installation).await? else {
            // Uninstalled since it was read.
            self.inner.shops.forget(webshop_id);
            return Ok(None);
        };
        Ok(Some(self.remember(installation)))
    }

    /// Moves settings stored under a field's old name (`#[field(rename_from = "old")]`) to its
    /// name, in the store too, so that the shop's settings parse and keep their values. The
    /// store moves them in the row as it is when written ([`InstallStore::rewrite_settings`]),
    /// so an update that came in since `installation` was read is kept. `None` when the shop
    /// was uninstalled meanwhile.
    async fn migrate_renamed(
        &self,
        installation: Installation,
    ) -> Result<Option<Installation>, StoreError> {
        if self.inner.renames.is_empty() {
            return Ok(Some(installation));
        }
        let pending = self
            .inner
            .renames
            .iter()
            .map(|(new, old)| (new.as_str(), old.as_str()));
        if !crate::fields::has_renamed(&installation.fields, pending) {
            return Ok(Some(installation));
        }
        let webshop_id = installation.webshop_id;
        let renames = Arc::clone(&self.inner.renames);
        let rewrite: crate::store::SettingsRewrite = Box::new(move |stored: &Installation| {
            let mut fields = stored.fields.clone();
            let pairs = renames
                .iter()
                .map(|(new, old)| (new.as_str(), old.as_str()));
            if !crate::fields::move_renamed(&mut fields, pairs) {
                return None;
            }
            let fields = crate::fields::FieldValues::from(fields);
            let parsed = <A::Settings as crate::settings::AppSettings>::from_fields(&fields);
            let status = crate::store::SettingsStatus::of(&parsed);
            Some(stored.settings_update(fields.into_map(), status))
        });
        let rewritten = self
            .inner
            .store
            .rewrite_settings(webshop_id, rewrite)
            .await?;
        tracing::info!(
            webshop_id,
            "moved settings stored under a field's old name (rename_from) to its name"
        );
        Ok(rewritten)
    }

    /// Caches an installation just written or read, parsing its settings.
    pub(crate) fn remember(
        &self,
        installation: Installation,
    ) -> shop_cache::CachedShop<A::Settings> {
        let shop = if installation.settings_status.is_configured() {
            let fields = crate::fields::FieldValues::from(installation.fields.clone());
            <A::Settings as crate::settings::AppSettings>::from_fields(&fields)
                .ok()
                .map(|s| self.shop(&installation, s))
        } else {
            None
        };
        let entry = shop_cache::CachedShop {
            installation: Arc::new(installation),
            shop,
        };
        self.inner.shops.put(entry.clone());
        entry
    }

    /// Whether the app may be installed in shop `webshop_id`: the manifest's `allowed_shops`
    /// (Shoporama's "only allow on the following shops") lists it, or lists none.
    pub fn allows_shop(&self, webshop_id: u64) -> bool {
        self.inner.allowed_shops.is_empty() || self.inner.allowed_shops.contains(&webshop_id)
    }

    /// Whether the settings declare the external list `name`.
    pub(crate) fn declares_external_list(&self, name: &str) -> bool {
        self.inner.external_lists.contains(name)
    }

    /// Drops a shop from the cache after this process changed it.
    pub(crate) fn forget_shop(&self, webshop_id: u64) {
        self.inner.shops.forget(webshop_id);
    }
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is missing or invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The install store could not be opened or migrated.
    #[error("cannot open the install store {url}: {source}")]
    Store {
        /// The store's URL, password masked.
        url: String,
        /// Why.
        source: StoreError,
    },
    /// The app's own migrations could not be applied (the error names the file).
    #[error("cannot migrate the app's tables in {url}: {source}")]
    Migrations {
        /// The database's URL, password masked.
        url: String,
        /// Why.
        source: crate::store::MigrationError,
    },
    /// The app's [`ShoporamaApp::on_start`] failed.
    #[error("the app failed to start: {0}")]
    OnStart(crate::app::AppError),
}

impl StartError {
    /// The process exit code: 2 for configuration mistakes, 1 otherwise.
    pub fn exit_code(&self) -> std::process::ExitCode {
        match self {
            Self::Config(_) => std::process::ExitCode::from(2),
            Self::Store { .. } | Self::Migrations { .. } | Self::OnStart(_) => {
                std::process::ExitCode::FAILURE
            }
        }
    }
}

/// Why [`AppRuntime::resolve_shop`] found no shop to work on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShopError {
    /// The shop has not installed the app, or uninstalled it.
    #[error("shop {webshop_id} has not installed the app{}", uninstalled(*.uninstalled_at))]
    NotInstalled {
        /// The shop asked for.
        webshop_id: u64,
        /// When it uninstalled the app, if it did.
        uninstalled_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// The shop installed the app, but its settings do not parse.
    #[error(
        "shop {webshop_id} installed the app but its settings are not valid yet ({}); events are not handled until the shop owner fixes them",
        if errors.is_empty() { "no details".to_owned() } else { errors.join("; ") }
    )]
    Unconfigured {
        /// The shop asked for.
        webshop_id: u64,
        /// One message per invalid field (secrets are never echoed).
        errors: Vec<String>,
    },
    /// The install store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn uninstalled(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|at| {
        format!(
            " (it uninstalled it on {})",
            at.format("%Y-%m-%d %H:%M UTC")
        )
    })
    .unwrap_or_default()
}

/// What handlers may know about an installation, without its token or settings.
pub(crate) fn shop_info(installation: &Installation) -> ShopInfo {
    ShopInfo {
        webshop_id: installation.webshop_id,
        webshop_url: installation.webshop_url.clone(),
        daily_limit: installation.daily_limit,
        current_usage: installation.current_usage,
        installed_at: installation.installed_at,
    }
}
