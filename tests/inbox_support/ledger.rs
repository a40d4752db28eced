//! The "ledger" test app of the inbox suites: each `paid` or `new_status` callback books the
//! order in the app's own tables in the install store's database, keyed by the inbox job id
//! (`INSERT … ON CONFLICT (job_id) DO NOTHING`), and counts every handler run.
//!
//! Tables (created by [`create_tables`] before the servers start):
//! `ledger_effects (job_id PRIMARY KEY, order_id, webshop_id)`: the side effect, once per job;
//! `ledger_runs (job_id, order_id)`: one row per handler run (re-runs after a crash show here).

use std::time::Duration;

use shoporama_app::prelude::*;
use tokio::sync::OnceCell;

/// The ledger app's settings.
#[shoporama_app(name = "Ledger", access = read, events(add_to_basket), webhooks(paid, new_status))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSettings {
    /// Not required, so every install is configured.
    pub note: Option<String>,
}

/// A pool on the ledger's database.
#[derive(Debug, Clone)]
pub enum LedgerDb {
    /// SQLite file.
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL (with the `postgres` feature of this crate).
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

impl LedgerDb {
    /// Opens `url` (the app's `DATABASE_URL`).
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("sqlite:") {
            use std::str::FromStr as _;
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(30));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            return Ok(Self::Sqlite(pool));
        }
        #[cfg(feature = "postgres")]
        {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .connect(url)
                .await?;
            Ok(Self::Postgres(pool))
        }
        #[cfg(not(feature = "postgres"))]
        Err(sqlx::Error::Configuration(
            "the ledger reaches PostgreSQL only with the `postgres` feature of shoporama-app-tests"
                .into(),
        ))
    }

    /// Runs `sql` (no result).
    pub async fn execute(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(pool)
                .await
                .map(|_| ()),
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(pool)
                .await
                .map(|_| ()),
        }
    }

    /// The first column of every row of `sql`, as numbers.
    pub async fn numbers(&self, sql: &str) -> Result<Vec<i64>, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Self::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_all(pool).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_all(pool).await,
        }
    }

    /// One number.
    pub async fn number(&self, sql: &str) -> Result<i64, sqlx::Error> {
        Ok(self
            .numbers(sql)
            .await?
            .first()
            .copied()
            .unwrap_or_default())
    }

    /// One number; panics when the query fails (for the suites).
    pub async fn count(&self, sql: &str) -> i64 {
        self.number(sql)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// Counts the run, pauses `delay`, then books `order_id` for job `job_id` (once).
    async fn book(
        &self,
        job_id: Option<i64>,
        order_id: i64,
        webshop_id: i64,
        delay: Duration,
    ) -> Result<(), sqlx::Error> {
        const RUN: &str = "INSERT INTO ledger_runs (job_id, order_id) VALUES ($1, $2)";
        const EFFECT: &str = "INSERT INTO ledger_effects (job_id, order_id, webshop_id) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING";
        macro_rules! book {
            ($pool:expr) => {{
                sqlx::query(RUN)
                    .bind(job_id)
                    .bind(order_id)
                    .execute($pool)
                    .await?;
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                if let Some(job_id) = job_id {
                    sqlx::query(EFFECT)
                        .bind(job_id)
                        .bind(order_id)
                        .bind(webshop_id)
                        .execute($pool)
                        .await?;
                }
                Ok(())
            }};
        }
        match self {
            Self::Sqlite(pool) => book!(pool),
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => book!(pool),
        }
    }
}

/// Creates the ledger's tables (idempotent).
pub async fn create_tables(db: &LedgerDb) -> Result<(), sqlx::Error> {
    db.execute(
        "CREATE TABLE IF NOT EXISTS ledger_effects (job_id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, webshop_id BIGINT NOT NULL);
         CREATE TABLE IF NOT EXISTS ledger_runs (job_id BIGINT, order_id BIGINT NOT NULL);",
    )
    .await
}

/// The ledger app: books orders in the database named by `database_url`.
pub struct Ledger {
    database_url: String,
    db: OnceCell<LedgerDb>,
    /// A pause inside the handler, between counting the run and booking the effect: widens
    /// the window a crash can hit.
    delay: Duration,
}

impl Ledger {
    /// A ledger on `database_url`, pausing `delay` in each handler run.
    pub fn new(database_url: impl Into<String>, delay: Duration) -> Self {
        Self {
            database_url: database_url.into(),
            db: OnceCell::new(),
            delay,
        }
    }

    async fn db(&self) -> Result<&LedgerDb, AppError> {
        self.db
            .get_or_try_init(|| LedgerDb::open(&self.database_url))
            .await
            .map_err(AppError::from)
    }
}

impl ShoporamaApp for Ledger {
    type Settings = LedgerSettings;

    async fn on_event(
        &self,
        shop: &Shop<LedgerSettings>,
        event: LedgerSettingsEvent,
    ) -> Result<(), AppError> {
        let order = match event {
            LedgerSettingsEvent::PaidWebhook(order)
            | LedgerSettingsEvent::NewStatusWebhook(order) => order.order_id.unwrap_or_default(),
            _ => return Ok(()),
        };
        let order = i64::try_from(order).map_err(AppError::from)?;
        let shop_id = i64::try_from(shop.webshop_id()).map_err(AppError::from)?;
        let job = shoporama_app::inbox::current_job();
        // Failure injection: orders from 900,000,000 always fail, from 800,000,000 fail on
        // their first run (counted as runs all the same).
        if order >= 800_000_000
            && (order >= 900_000_000 || job.as_ref().is_none_or(|job| job.attempt == 1))
        {
            self.db()
                .await?
                .book(None, order, shop_id, Duration::ZERO)
                .await
                .map_err(AppError::from)?;
            return Err(AppError::msg(format!("the ledger refuses order {order}")));
        }
        self.db()
            .await?
            .book(job.map(|job| job.id), order, shop_id, self.delay)
            .await
            .map_err(AppError::from)
    }
}
