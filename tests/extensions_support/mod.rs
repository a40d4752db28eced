//! The notes test app: what the extension points give an app. Its own table in the
//! framework's database (migrations in `extensions_support/migrations`), a start-up hook,
//! a secret setting, and commands that get a ready shop. Shared by the `extensions` suite
//! and the `notes-app` binary.
//!
//! `NOTES_FAIL_START=1` makes `on_start` fail; `NOTES_BAD_MIGRATION=1` adds a migration that
//! does not run.

#![allow(dead_code, unreachable_pub)]

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use shoporama_app::prelude::*;
use shoporama_app::sqlx;
use shoporama_app::store::{AppMigration, AppMigrations, Database};
use shoporama_app::{AppRuntime, with_backend};

/// The secret every test installs with; it must never be printed.
pub const API_KEY: &str = "notes-key-TOPSECRET-4f2a";
/// The default of the optional secret; it must never be printed on the setup sheet.
pub const DEFAULT_WEBHOOK_SECRET: &str = "whsec-DEFAULT-9c1e";

/// The notes app's settings.
#[shoporama_app(name = "Notes", access = read, webhooks(paid))]
#[derive(Debug, Clone)]
pub struct NotesSettings {
    /// The notes service's API key.
    pub api_key: Secret,
    /// Signs the notes service's webhooks.
    #[field(default = "whsec-DEFAULT-9c1e")]
    pub webhook_secret: Option<Secret>,
    /// How long notes are kept.
    #[field(default = 30)]
    pub days: u32,
}

/// The notes app: a note per paid order, in its own table.
#[derive(Clone, Default)]
pub struct Notes {
    /// `on_start` fails.
    pub fail_start: bool,
    /// A third migration that fails is added.
    pub bad_migration: bool,
    /// How many times `on_start` ran to the end (shared by clones).
    pub starts: Arc<AtomicU32>,
}

impl Notes {
    /// The app as the binary configures it from `NOTES_FAIL_START` and
    /// `NOTES_BAD_MIGRATION`.
    pub fn from_env() -> Self {
        let set = |name: &str| std::env::var(name).is_ok_and(|value| value == "1");
        Self {
            fail_start: set("NOTES_FAIL_START"),
            bad_migration: set("NOTES_BAD_MIGRATION"),
            starts: Arc::default(),
        }
    }

    /// How many times `on_start` ran to the end.
    pub fn starts(&self) -> u32 {
        self.starts.load(Ordering::SeqCst)
    }
}

/// The migration `NOTES_BAD_MIGRATION` adds: not SQL either backend runs.
pub const BROKEN: AppMigration = AppMigration::new("0003_broken.sql", "CREATE TABLE");

impl ShoporamaApp for Notes {
    type Settings = NotesSettings;

    fn migrations(&self) -> AppMigrations {
        let migrations = shoporama_app::migrations!("extensions_support/migrations");
        if !self.bad_migration {
            return migrations;
        }
        let mut sqlite = migrations.sqlite().to_vec();
        let mut postgres = migrations.postgres().to_vec();
        sqlite.push(BROKEN);
        postgres.push(BROKEN);
        AppMigrations::from_vecs(sqlite, postgres)
    }

    async fn on_start(&self, runtime: &AppRuntime<Self>) -> Result<(), AppError> {
        if self.fail_start {
            return Err(AppError::msg(
                "NOTES_FAIL_START is set: the notes service is unreachable",
            ));
        }
        // The app's migrations ran first: its table is there.
        if let Some(database) = runtime.database() {
            let notes = count_notes(database).await?;
            tracing::info!(notes, "notes ready");
        }
        self.starts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn on_event(
        &self,
        shop: &Shop<NotesSettings>,
        event: NotesSettingsEvent,
    ) -> Result<(), AppError> {
        if let NotesSettingsEvent::PaidWebhook(order) = event {
            let database = shop
                .database()
                .ok_or_else(|| AppError::msg("the notes app needs a SQL database"))?;
            let order_id = order.order_id.unwrap_or_default();
            add_note(database, shop.webshop_id(), order_id, "paid").await?;
        }
        Ok(())
    }
}

fn column(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// Adds a note to an order in one transaction; returns the order's notes.
pub async fn add_note(
    database: &Database,
    webshop_id: u64,
    order_id: u64,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let (webshop_id, order_id, body) = (column(webshop_id), column(order_id), body.to_owned());
    database
        .transaction(move |tx| {
            Box::pin(async move {
                with_backend!(tx, |conn| {
                    sqlx::query(
                        "INSERT INTO notes (webshop_id, order_id, body) VALUES ($1, $2, $3)",
                    )
                    .bind(webshop_id)
                    .bind(order_id)
                    .bind(body)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM notes WHERE webshop_id = $1 AND order_id = $2",
                    )
                    .bind(webshop_id)
                    .bind(order_id)
                    .fetch_one(&mut *conn)
                    .await
                })
            })
        })
        .await
}

/// Every note.
pub async fn count_notes(database: &Database) -> Result<i64, sqlx::Error> {
    with_backend!(database, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM notes")
            .fetch_one(pool)
            .await
    })
}

/// The rows of the app's migrations table.
pub async fn applied_app_migrations(database: &Database) -> Result<Vec<i64>, sqlx::Error> {
    with_backend!(database, |pool| {
        sqlx::query_scalar("SELECT version FROM _shoporama_app_user_migrations ORDER BY version")
            .fetch_all(pool)
            .await
    })
}

/// The notes app's own commands.
#[derive(clap::Subcommand, Debug)]
pub enum NotesCommand {
    /// Show a shop as the framework resolves it.
    Show {
        #[command(flatten)]
        shop: ShopArg,
    },
    /// Add a note to an order of a shop.
    Note {
        #[command(flatten)]
        shop: ShopArg,
        /// The order.
        #[arg(long)]
        order: u64,
        /// The note.
        #[arg(long, default_value = "from the command line")]
        text: String,
    },
    /// Count the configured shops and every note.
    Count,
    /// Answer without opening the runtime (needs no environment).
    Hello,
}

/// Runs a notes command.
pub async fn run(
    mut ctx: CommandContext<Notes>,
    command: NotesCommand,
) -> Result<ExitCode, CommandError> {
    match command {
        NotesCommand::Show { shop } => {
            let shop = ctx.shop(shop).await?;
            println!("{shop:?}");
            println!("url={}", shop.webshop_url());
            println!(
                "database={}",
                shop.database().map_or("none", Database::backend)
            );
        }
        NotesCommand::Note { shop, order, text } => {
            let shop = ctx.shop(shop).await?;
            let database = shop
                .database()
                .ok_or_else(|| CommandError::msg("the notes app needs a SQL database"))?;
            let notes = add_note(database, shop.webshop_id(), order, &text).await?;
            println!("notes for order {order}: {notes}");
        }
        NotesCommand::Count => {
            let runtime = ctx.runtime().await?;
            let shops = runtime.shops().await?;
            let notes = match runtime.database() {
                Some(database) => count_notes(database).await?,
                None => 0,
            };
            println!("shops={} notes={notes}", shops.len());
        }
        NotesCommand::Hello => {
            println!("hello (fail_start={})", ctx.app().fail_start);
        }
    }
    Ok(ExitCode::SUCCESS)
}
