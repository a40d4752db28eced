//! The extension points an app builds on, with the notes test app
//! (`extensions_support`), on SQLite and PostgreSQL (a fresh schema; skipped without
//! `SHOPORAMA_TEST_POSTGRES_URL` unless `SHOPORAMA_REQUIRE_ALL=1`):
//!
//! - the app's migrations run at start-up after the framework's, once, in their own table;
//!   its table is usable through the pool and in transactions, from handlers and commands;
//!   a bad migration stops the start naming the file;
//! - `on_start` runs after the migrations, before serving; its failure stops `connect` and
//!   `serve` (non-zero exit);
//! - app commands get a ready shop from `--webshop-id`, or a clear error;
//! - secrets stay out of `show`, the setup sheet and `simulate`'s output;
//! - the shops of a runtime share one cached country table.

#[path = "extensions_support/mod.rs"]
mod extensions_support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use extensions_support::{
    API_KEY, DEFAULT_WEBHOOK_SECRET, Notes, NotesSettings, add_note, applied_app_migrations,
    count_notes,
};
use shoporama_app::server::{AppRuntime, ShopError, StartError};
use shoporama_app::store::Database;
use shoporama_app::testing::SimulatedShop;
use shoporama_app::testing::fake_shoporama::FakeShoporama;
use shoporama_app::{AppSettings, Config, sqlx, with_backend};
use shoporama_app_tests::{
    APP_TOKEN, REST_TOKEN, RunningServer, config, fresh_postgres_schema, postgres_url,
};

/// A SQLite file in a temporary directory (kept while the guard lives).
fn sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("notes.db").display());
    (dir, url)
}

/// Runs `$test(url)` on a SQLite file and on a fresh PostgreSQL schema.
macro_rules! on_both_backends {
    ($test:ident: $sqlite:ident, $postgres:ident, $schema:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            let (_dir, url) = sqlite();
            $test(&url).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            if let Some(base) = postgres_url(stringify!($postgres)) {
                $test(&fresh_postgres_schema(&base, $schema)).await;
            }
        }
    };
}

async fn connect(app: Notes, url: &str) -> AppRuntime<Notes> {
    AppRuntime::connect(app, config(url))
        .await
        .unwrap_or_else(|error| panic!("the notes app starts on {url}: {error}"))
}

fn database(runtime: &AppRuntime<Notes>) -> Database {
    runtime
        .database()
        .cloned()
        .expect("a SQL store has a database")
}

async fn framework_migrations(database: &Database) -> i64 {
    with_backend!(database, |pool| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _shoporama_app_migrations")
            .fetch_one(pool)
            .await
    })
    .expect("the framework's migrations table")
}

/// Inserts a note in `tx` (for the begin/commit/rollback checks).
async fn insert_in(tx: &mut shoporama_app::store::DatabaseTransaction, order_id: i64) {
    with_backend!(tx, |conn| {
        sqlx::query("INSERT INTO notes (webshop_id, order_id, body) VALUES ($1, $2, $3)")
            .bind(7_i64)
            .bind(order_id)
            .bind("in a transaction")
            .execute(&mut *conn)
            .await
            // Each backend has its own result type: keep what both have.
            .map(|done| done.rows_affected())
    })
    .expect("insert");
}

async fn wait_for_notes(database: &Database, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let notes = count_notes(database).await.expect("count");
        if notes == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {expected} notes, found {notes}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------
// Migrations and the app's database.

async fn migrations_apply_once_and_the_table_is_usable(url: &str) {
    let app = Notes::default();
    let runtime = connect(app.clone(), url).await;
    assert_eq!(app.starts(), 1, "on_start ran once, after the migrations");
    let db = database(&runtime);
    assert_eq!(applied_app_migrations(&db).await.expect("applied"), [1, 2]);
    assert!(
        framework_migrations(&db).await >= 3,
        "the framework keeps its own versions 1, 2, 3… beside the app's 1, 2"
    );

    // The pool, and a transaction that commits.
    assert_eq!(add_note(&db, 7, 1001, "first").await.expect("note"), 1);
    assert_eq!(add_note(&db, 7, 1001, "second").await.expect("note"), 2);
    // begin: rolled back, then committed.
    let mut tx = db.begin().await.expect("begin");
    insert_in(&mut tx, 2002).await;
    tx.rollback().await.expect("rollback");
    assert_eq!(count_notes(&db).await.expect("count"), 2);
    let mut tx = db.begin().await.expect("begin");
    insert_in(&mut tx, 2002).await;
    tx.commit().await.expect("commit");
    assert_eq!(count_notes(&db).await.expect("count"), 3);
    // transaction: an `Err` rolls back.
    let failed = db
        .transaction(|tx| {
            Box::pin(async move {
                insert_in(tx, 3003).await;
                Err::<(), sqlx::Error>(sqlx::Error::RowNotFound)
            })
        })
        .await;
    assert!(
        matches!(failed, Err(sqlx::Error::RowNotFound)),
        "{failed:?}"
    );
    assert_eq!(count_notes(&db).await.expect("count"), 3);

    // A handler reaches the table through its shop (the paid webhook goes through the inbox).
    let server = RunningServer::start_runtime(runtime.clone()).await;
    let shop = SimulatedShop::over_http(&server.callback_url, NotesSettings::manifest(), APP_TOKEN)
        .webshop_id(7)
        .rest_token(REST_TOKEN)
        .field("api_key", API_KEY);
    shop.install().await.assert_ok();
    shop.event("paid").await.assert_ok();
    wait_for_notes(&db, 4).await;
    let resolved = runtime.resolve_shop(7).await.expect("shop 7");
    assert_eq!(
        resolved.database().map(Database::backend),
        Some(db.backend())
    );
    server.stop().await;

    // A restart applies nothing again and finds the notes.
    let app = Notes::default();
    let again = connect(app.clone(), url).await;
    assert_eq!(app.starts(), 1);
    let db = database(&again);
    assert_eq!(applied_app_migrations(&db).await.expect("applied"), [1, 2]);
    assert_eq!(count_notes(&db).await.expect("count"), 4);
    again.start().await.expect("start again is a no-op");
    assert_eq!(app.starts(), 1, "start runs on_start once per runtime");
}
on_both_backends!(migrations_apply_once_and_the_table_is_usable: sqlite_migrations_apply_once, postgres_migrations_apply_once, "ext_migrate");

async fn a_bad_migration_stops_the_start_naming_the_file(url: &str) {
    let app = Notes {
        bad_migration: true,
        ..Notes::default()
    };
    let error = AppRuntime::connect(app.clone(), config(url))
        .await
        .err()
        .expect("a migration that does not run stops the start");
    assert!(matches!(error, StartError::Migrations { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("app migration `0003_broken.sql` failed"),
        "{message}"
    );
    assert_eq!(app.starts(), 0, "on_start does not run");
    assert_eq!(error.exit_code(), std::process::ExitCode::FAILURE);
    // The good migrations stay applied; the broken one left nothing behind.
    let runtime = connect(Notes::default(), url).await;
    assert_eq!(
        applied_app_migrations(&database(&runtime))
            .await
            .expect("applied"),
        [1, 2]
    );
}
on_both_backends!(a_bad_migration_stops_the_start_naming_the_file: sqlite_bad_migration, postgres_bad_migration, "ext_bad");

#[tokio::test]
async fn a_memory_store_has_no_database_and_still_starts() {
    let app = Notes::default();
    let runtime = connect(app.clone(), "memory://").await;
    assert!(runtime.database().is_none());
    assert_eq!(app.starts(), 1);
    let shop = SimulatedShop::in_process(runtime.router(), NotesSettings::manifest(), APP_TOKEN)
        .webshop_id(7)
        .field("api_key", API_KEY);
    shop.install().await.assert_ok();
    let resolved = runtime.resolve_shop(7).await.expect("shop 7");
    assert!(resolved.database().is_none());
}

#[tokio::test]
async fn a_failing_on_start_stops_the_runtime() {
    let app = Notes {
        fail_start: true,
        ..Notes::default()
    };
    let error = AppRuntime::connect(app, config("memory://"))
        .await
        .err()
        .expect("on_start fails");
    assert!(matches!(error, StartError::OnStart(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the app failed to start: NOTES_FAIL_START is set: the notes service is unreachable"
    );
    // A runtime made `with_store` starts when asked, and may be asked again.
    let runtime = AppRuntime::with_store(
        Notes {
            fail_start: true,
            ..Notes::default()
        },
        config("memory://"),
        std::sync::Arc::new(shoporama_app::store::MemoryStore::new()),
    );
    assert!(runtime.start().await.is_err());
    assert!(
        runtime.start().await.is_err(),
        "a failed start is tried again"
    );
}

/// Shop 8 installs and uninstalls; shop 9 installs without its required `api_key`.
async fn seed_shops_without_a_valid_installation(shop: impl Fn(u64) -> SimulatedShop) {
    shop(8)
        .field("api_key", API_KEY)
        .install()
        .await
        .assert_ok();
    shop(8).uninstall().await.assert_ok();
    shop(9).without_field("api_key").install().await.assert_ok();
}

#[tokio::test]
async fn resolve_shop_says_why_there_is_none() {
    let runtime = connect(Notes::default(), "memory://").await;
    let shop = |id| {
        SimulatedShop::in_process(runtime.router(), NotesSettings::manifest(), APP_TOKEN)
            .webshop_id(id)
    };
    seed_shops_without_a_valid_installation(&shop).await;
    match runtime.resolve_shop(8).await {
        Err(error @ ShopError::NotInstalled { .. }) => {
            assert!(
                error
                    .to_string()
                    .starts_with("shop 8 has not installed the app (it uninstalled it on "),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    match runtime.resolve_shop(9).await {
        Err(error @ ShopError::Unconfigured { .. }) => {
            let message = error.to_string();
            assert!(message.contains("shop 9 installed the app but its settings are not valid yet (field `api_key` is required"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        runtime.resolve_shop(5).await,
        Err(ShopError::NotInstalled {
            webshop_id: 5,
            uninstalled_at: None
        })
    ));
}

// ---------------------------------------------------------------------------------------
// The command line, through the notes-app binary.

fn notes_app(database_url: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_notes-app"));
    command
        .args(args)
        .env_remove("SHOPORAMA_APP_TOKEN")
        .env_remove("DATABASE_URL")
        .env_remove("NOTES_FAIL_START")
        .env_remove("NOTES_BAD_MIGRATION")
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        command
            .env("SHOPORAMA_APP_TOKEN", APP_TOKEN)
            .env("DATABASE_URL", url);
    }
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(mut command: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the notes app runs");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn assert_no_secret(run: &Run) {
    for secret in [API_KEY, DEFAULT_WEBHOOK_SECRET] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

async fn commands_get_a_ready_shop(url: &str) {
    // Shop 7 configured, 8 uninstalled, 9 installed without its API key.
    {
        let runtime = connect(Notes::default(), url).await;
        let shop = |id| {
            SimulatedShop::in_process(runtime.router(), NotesSettings::manifest(), APP_TOKEN)
                .webshop_id(id)
                .rest_token(REST_TOKEN)
        };
        shop(7)
            .field("api_key", API_KEY)
            .install()
            .await
            .assert_ok();
        seed_shops_without_a_valid_installation(&shop).await;
        runtime.shutdown_inbox().await;
    }

    let show = run(notes_app(Some(url), &["show", "--webshop-id", "7"]));
    assert_eq!(show.code, Some(0), "{}", show.stderr);
    assert!(
        show.stdout.contains("url=https://demo.shoporama.dk/"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("api_key: Secret(***)"),
        "{}",
        show.stdout
    );
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    assert!(
        show.stdout.contains(&format!("database={backend}")),
        "{}",
        show.stdout
    );
    assert_no_secret(&show);

    // Shops without a valid installation: unconfigured, uninstalled, never installed.
    for (webshop_id, error) in [
        (
            "9",
            "error: shop 9 installed the app but its settings are not valid yet (field `api_key` is required but was not set)",
        ),
        (
            "8",
            "error: shop 8 has not installed the app (it uninstalled it on ",
        ),
        ("5", "error: shop 5 has not installed the app\n"),
    ] {
        let shown = run(notes_app(Some(url), &["show", "--webshop-id", webshop_id]));
        assert_eq!(shown.code, Some(1), "{}", shown.stderr);
        assert!(shown.stderr.contains(error), "{}", shown.stderr);
    }
    for bad in [
        &["show", "--webshop-id", "abc"][..],
        &["show", "--webshop-id", "0"],
        &["show"],
    ] {
        let refused = run(notes_app(Some(url), bad));
        assert_eq!(refused.code, Some(2), "{bad:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("--webshop-id"),
            "{bad:?}: {}",
            refused.stderr
        );
    }

    let note = run(notes_app(
        Some(url),
        &["note", "--webshop-id", "7", "--order", "1001"],
    ));
    assert_eq!(note.code, Some(0), "{}", note.stderr);
    assert_eq!(note.stdout.trim(), "notes for order 1001: 1");
    let note = run(notes_app(
        Some(url),
        &["note", "--webshop-id", "7", "--order", "1001"],
    ));
    assert_eq!(
        note.stdout.trim(),
        "notes for order 1001: 2",
        "{}",
        note.stderr
    );
    let count = run(notes_app(Some(url), &["count"]));
    assert_eq!(count.code, Some(0), "{}", count.stderr);
    assert_eq!(count.stdout.trim(), "shops=1 notes=2");
}
on_both_backends!(commands_get_a_ready_shop: sqlite_commands_get_a_ready_shop, postgres_commands_get_a_ready_shop, "ext_cli");

#[test]
fn commands_that_need_no_runtime_need_no_environment() {
    let hello = run(notes_app(None, &["hello"]));
    assert_eq!(hello.code, Some(0), "{}", hello.stderr);
    assert_eq!(hello.stdout.trim(), "hello (fail_start=false)");
    let count = run(notes_app(None, &["count"]));
    assert_eq!(
        count.code,
        Some(2),
        "a configuration mistake: {}",
        count.stderr
    );
    assert!(
        count
            .stderr
            .contains("error: SHOPORAMA_APP_TOKEN is not set"),
        "{}",
        count.stderr
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

#[test]
fn serve_stops_with_a_clear_message_when_the_app_cannot_start() {
    let (_dir, url) = sqlite();
    let port = free_port();
    let mut failing = notes_app(Some(&url), &["serve"]);
    failing
        .env("NOTES_FAIL_START", "1")
        .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{port}"));
    let failed = run(failing);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert!(
        failed.stderr.contains("error: the app failed to start: NOTES_FAIL_START is set: the notes service is unreachable"),
        "{}",
        failed.stderr
    );
    assert!(
        !failed.stderr.contains("serving Shoporama callbacks"),
        "{}",
        failed.stderr
    );

    let mut broken = notes_app(Some(&url), &["serve"]);
    broken
        .env("NOTES_BAD_MIGRATION", "1")
        .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{port}"));
    let failed = run(broken);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert!(
        failed
            .stderr
            .contains("cannot migrate the app's tables in sqlite://")
            && failed
                .stderr
                .contains("app migration `0003_broken.sql` failed"),
        "{}",
        failed.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Secrets.

#[test]
fn the_setup_sheet_shows_no_secret() {
    let sheet = run(notes_app(
        None,
        &[
            "manifest",
            "--sheet",
            "--public-url",
            "https://notes.example.com/",
        ],
    ));
    assert_eq!(sheet.code, Some(0), "{}", sheet.stderr);
    assert!(
        sheet
            .stdout
            .contains("| Callback URL | `https://notes.example.com/callback` |"),
        "{}",
        sheet.stdout
    );
    assert_no_secret(&sheet);
    assert!(
        sheet
            .stdout
            .contains("| Api key | `api_key` | text (secret) | yes |"),
        "{}",
        sheet.stdout
    );
    assert!(
        sheet.stdout.contains(
            "| Webhook secret | `webhook_secret` | text (secret) | no | `***` (secret) |"
        ),
        "{}",
        sheet.stdout
    );
    assert!(
        sheet
            .stderr
            .contains("field `webhook_secret` is secret but has a default"),
        "{}",
        sheet.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_prints_no_secret() {
    let (_dir, url) = sqlite();
    let server = RunningServer::start(Notes::default(), &url).await;
    for args in [
        &["simulate", "install", "--field"][..],
        &["simulate", "update", "--field", "days=soon", "--field"],
    ] {
        let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("api_key={API_KEY}"));
        args.extend([
            "--url".to_owned(),
            server.callback_url.clone(),
            "--webshop-id".to_owned(),
            "11".to_owned(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let simulated = run(notes_app(Some(&url), &args));
        assert_eq!(simulated.code, Some(0), "{args:?}: {}", simulated.stderr);
        assert!(simulated.stdout.starts_with("200 "), "{}", simulated.stdout);
        assert_no_secret(&simulated);
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------------------
// Countries: the shops of one runtime share the country table.

#[tokio::test]
async fn a_runtimes_shops_share_one_country_table() {
    let fake = FakeShoporama::builder()
        .token(REST_TOKEN)
        .seed_countries()
        .start()
        .await
        .expect("fake Shoporama");
    let config = Config::builder()
        .app_token(APP_TOKEN)
        .database_url("memory://")
        .rest_base_url(fake.base_url())
        .build()
        .expect("config");
    let runtime = AppRuntime::connect(Notes::default(), config)
        .await
        .expect("starts");
    SimulatedShop::in_process(runtime.router(), NotesSettings::manifest(), APP_TOKEN)
        .webshop_id(7)
        .rest_token(REST_TOKEN)
        .field("api_key", API_KEY)
        .install()
        .await
        .assert_ok();
    for _ in 0..3 {
        // A fresh `Shop` (and REST client) each time.
        let shops = runtime.shops().await.expect("shops");
        let table = shops[0].rest().country_table().await.expect("countries");
        assert_eq!(table.code_of(47), Some("NO"));
    }
    let calls = fake
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/REST/country"))
        .count();
    assert_eq!(calls, 1, "one read for the shop, cached for every client");
}
