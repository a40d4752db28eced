//! One REST budget for every process of an app: three OS processes of the `budget-app`
//! binary spend one shop's budget of 1,000 calls from one database (a SQLite file, and
//! PostgreSQL), against one `FakeShoporama` that would allow far more. Together they get no
//! more than 1,000 calls through, and every one of their tasks stops on
//! `RestError::BudgetExhausted`. `<app> budget --webshop-id N` then reports the day's count.

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use shoporama_app::AppRuntime;
use shoporama_app::settings::AppSettings as _;
use shoporama_app::testing::{FakeShoporama, SimulatedShop};
use shoporama_app_tests::{
    APP_TOKEN, REST_TOKEN, Recorder, RecorderSettings, config, postgres_url,
};

const WEBSHOP_ID: u64 = 7;
const LIMIT: u64 = 1000;
const PROCESSES: usize = 3;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_budget-app")
}

fn app_command(database_url: &str, fake: &FakeShoporama) -> Command {
    let mut command = Command::new(binary());
    command
        .env("SHOPORAMA_APP_TOKEN", APP_TOKEN)
        .env("DATABASE_URL", database_url)
        .env("SHOPORAMA_REST_BASE_URL", fake.base_url())
        .env("SHOPORAMA_REST_PACING", "off")
        .env("SHOPORAMA_INBOX", "off")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn json_line(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "no JSON on stdout ({}): {stdout}\nstderr: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

async fn three_processes_share_one_budget(database_url: &str) {
    let fake = FakeShoporama::builder()
        .token_with_limit(REST_TOKEN, 1_000_000)
        .seed_products(1)
        .start()
        .await
        .expect("the fake starts");
    let product = fake.insert_product(serde_json::json!({"name": "Krus"}));
    // Installed by Shoporama with the token's limit of 1,000 and none used yet today: the
    // install callback reconciles the shared ledger.
    let runtime = AppRuntime::connect(Recorder::default(), config(database_url))
        .await
        .expect("the store opens");
    SimulatedShop::in_process(runtime.router(), RecorderSettings::manifest(), APP_TOKEN)
        .webshop_id(WEBSHOP_ID)
        .rest_token(REST_TOKEN)
        .budget(LIMIT, 0)
        .install()
        .await
        .assert_ok();
    let before = fake.call_count();

    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            app_command(database_url, &fake)
                .args(["spend", "--webshop-id", &WEBSHOP_ID.to_string()])
                .args(["--product", &product.to_string(), "--tasks", "4"])
                .spawn()
                .expect("budget-app starts")
        })
        .collect();
    let outputs: Vec<Output> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| child.wait_with_output().expect("budget-app ends"))
            .collect()
    })
    .await
    .expect("waiting for the processes");

    let mut total = 0;
    for output in &outputs {
        let report = json_line(output);
        assert!(
            output.status.success(),
            "a task stopped on something else than the budget: {report}"
        );
        assert_eq!(report["exhausted"], 4, "{report}");
        total += report["calls"].as_u64().unwrap_or(0);
    }
    let reached = fake.call_count() - before;
    assert!(reached <= LIMIT, "{reached} calls reached the platform");
    assert_eq!(total, reached, "every call that reached the fake succeeded");
    assert_eq!(reached, LIMIT, "the whole budget was used, no more");

    let status = app_command(database_url, &fake)
        .args(["budget", "--webshop-id", &WEBSHOP_ID.to_string(), "--json"])
        .output()
        .expect("budget-app budget runs");
    assert!(status.status.success(), "{status:?}");
    let status = json_line(&status);
    assert_eq!(
        (
            &status["limit"],
            &status["spent"],
            &status["reserved"],
            &status["left"]
        ),
        (
            &Value::from(LIMIT),
            &Value::from(LIMIT),
            &Value::from(0),
            &Value::from(0)
        ),
        "{status}"
    );
    let table = app_command(database_url, &fake)
        .args(["budget", "--webshop-id", &WEBSHOP_ID.to_string()])
        .output()
        .expect("budget-app budget runs");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("spent        1000"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn three_processes_on_one_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    three_processes_share_one_budget(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn three_processes_on_one_postgres() {
    let Some(url) = postgres_url("three_processes_on_one_postgres") else {
        return;
    };
    let url = shoporama_app_tests::fresh_postgres_schema(&url, "budget");
    three_processes_share_one_budget(&url).await;
}
