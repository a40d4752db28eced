//! The pixel binary as a user runs it: `pixel` serves on SQLite, `pixel simulate …` reaches
//! it, and a restarted server process still knows the installation.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const TOKEN: &str = "process-test-token";

fn pixel() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pixel"));
    command
        .env_remove("SHOPORAMA_APP_TOKEN")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info");
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(db: &Path, port: u16) -> Server {
    let child = pixel()
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pixel starts");
    let mut server = Server(child);
    shoporama_app_tests::wait_healthy("pixel", port, &mut server.0);
    server
}

fn simulate_command(kind: &str, port: u16) -> Command {
    let mut command = pixel();
    command
        .args([
            "simulate",
            kind,
            "--url",
            &format!("http://127.0.0.1:{port}/callback"),
            "--webshop-id",
            "7",
        ])
        .args(["--field", "measurement_id=G-TEST"])
        .env("SHOPORAMA_APP_TOKEN", TOKEN);
    command
}

fn simulate(kind: &str, port: u16) -> Output {
    simulate_command(kind, port)
        .output()
        .expect("simulate runs")
}

#[test]
fn serve_simulate_restart_and_dispatch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("pixel.db");
    let port = free_port();
    let server = start(&db, port);
    let install = simulate("install", port);
    let stdout = String::from_utf8_lossy(&install.stdout);
    assert!(
        install.status.success(),
        "install failed: {stdout} {}",
        String::from_utf8_lossy(&install.stderr)
    );
    assert!(
        stdout.starts_with("200 ") && stdout.contains("installed"),
        "{stdout}"
    );
    drop(server);

    // A new process over the same database.
    let port = free_port();
    let _server = start(&db, port);
    let paid = simulate("paid", port);
    let stdout = String::from_utf8_lossy(&paid.stdout);
    assert!(paid.status.success(), "paid failed: {stdout}");
    // `paid` is a webhook: served from the environment, webhooks go through the durable inbox.
    assert!(stdout.contains("queued"), "{stdout}");

    // `--webhook` sends the webhook's form of `paid` (the pixel takes it both ways): it is
    // queued as the webhook, apart from the event.
    let webhook = simulate_command("paid", port)
        .arg("--webhook")
        .output()
        .expect("simulate runs");
    let stdout = String::from_utf8_lossy(&webhook.stdout);
    assert!(webhook.status.success(), "paid --webhook failed: {stdout}");
    let jobs = pixel()
        .args(["inbox", "list", "--json"])
        // The store commands need no app token.
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .expect("inbox list runs");
    assert!(
        jobs.status.success(),
        "inbox list failed: {}",
        String::from_utf8_lossy(&jobs.stderr)
    );
    let jobs = String::from_utf8_lossy(&jobs.stdout);
    assert!(jobs.contains("\"kind\":\"webhook:paid\""), "{jobs}");
    let lifecycle = pixel()
        .args(["simulate", "install", "--webhook"])
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .output()
        .expect("simulate runs");
    assert_eq!(lifecycle.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&lifecycle.stderr).contains("--webhook is for events"));

    let unknown_shop = pixel()
        .args([
            "simulate",
            "paid",
            "--url",
            &format!("http://127.0.0.1:{port}/callback"),
            "--webshop-id",
            "8",
        ])
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .output()
        .expect("simulate runs");
    assert!(!unknown_shop.status.success());
    assert!(String::from_utf8_lossy(&unknown_shop.stdout).contains("unknown webshop 8"));
}

#[test]
fn refuses_to_serve_without_a_token_and_says_so() {
    let output = pixel()
        .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{}", free_port()))
        .output()
        .expect("pixel runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SHOPORAMA_APP_TOKEN is not set"));
}

#[test]
fn manifest_prints_json_in_the_documented_format() {
    let output = pixel().arg("manifest").output().expect("pixel runs");
    assert!(output.status.success());
    let manifest: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let keys: Vec<&str> = manifest
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "name",
            "description",
            "category",
            "access",
            "monthly_price",
            "callback_url",
            "allowed_shops",
            "webhooks",
            "events",
            "fields",
            "snippets"
        ]
    );
    let kinds: Vec<&str> = manifest["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["kind"].as_str()).collect())
        .unwrap_or_default();
    for kind in [
        "text", "integer", "boolean", "list", "color", "richtext", "code",
    ] {
        assert!(kinds.contains(&kind), "no {kind} field in {kinds:?}");
    }
    let sheet = pixel()
        .args(["manifest", "--sheet"])
        .env("SHOPORAMA_PUBLIC_URL", "https://pixel.example.com")
        .env_remove("SHOPORAMA_CALLBACK_PATH")
        .output()
        .expect("pixel runs");
    let text = String::from_utf8_lossy(&sheet.stdout);
    assert!(sheet.status.success(), "{text}");
    assert!(text.starts_with("# Shoporama app form: Conversion pixel"));
    // What to type into the form: the real callback URL, labels, help, defaults.
    for expected in [
        "| Callback URL | `https://pixel.example.com/callback` |",
        "| Webhooks | Orders: paid (`paid`), Orders: created (`order_created`) |",
        "| Measurement ID | `measurement_id` | text | yes |  |  | The measurement id from your analytics service, e.g. `G-ABC123`. |",
        "| Enabled | `enabled` | boolean | no | checked |  | Turn tracking off without uninstalling the app. |",
        "| Consent | `consent` | list | yes | Basic (`basic`) | Basic = `basic`<br>Full (after consent) = `full`<br>Disabled = `off` |",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }

    // Without the public URL there is no sheet, and the error names the variable.
    let unset = pixel()
        .args(["manifest", "--sheet"])
        .env_remove("SHOPORAMA_PUBLIC_URL")
        .output()
        .expect("pixel runs");
    assert_eq!(unset.status.code(), Some(2));
    assert!(unset.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&unset.stderr).contains("set SHOPORAMA_PUBLIC_URL"),
        "{}",
        String::from_utf8_lossy(&unset.stderr)
    );
}

#[test]
fn manifest_lock_then_check_names_each_breaking_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lock = dir.path().join("shoporama-app.lock.json");
    let run = |args: &[&str]| {
        pixel()
            .args(["manifest"])
            .args(args)
            .arg("--lock-file")
            .arg(&lock)
            .output()
            .expect("pixel runs")
    };
    let missing = run(&["--check"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("manifest --lock"));
    assert!(run(&["--lock"]).status.success());
    let fine = run(&["--check"]);
    assert!(
        fine.status.success(),
        "{}",
        String::from_utf8_lossy(&fine.stderr)
    );
    // A lock written when the pixel cost less: the price went up since.
    let text = std::fs::read_to_string(&lock).expect("the lock");
    std::fs::write(
        &lock,
        text.replace("\"monthly_price\": 49", "\"monthly_price\": 10"),
    )
    .expect("edited lock");
    let raised = run(&["--check"]);
    assert_eq!(raised.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&raised.stderr);
    assert_eq!(
        stderr.trim(),
        "error: the monthly price went up from 10 to 49 DKK: once an app is live Shoporama only lets the price go down"
    );
}

#[test]
fn doctor_checks_configuration_store_and_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The default database (`sqlite://shoporama-app.db`) is not created by a check.
    let output = pixel()
        .arg("doctor")
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .current_dir(dir.path())
        .output()
        .expect("pixel runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("does not exist yet"), "{stdout}");
    assert!(
        !dir.path().join("shoporama-app.db").exists(),
        "doctor created the database"
    );
    // An existing (here empty) database is opened, migrated and read.
    let db = dir.path().join("d.db");
    std::fs::write(&db, b"").expect("an empty database file");
    let output = pixel()
        .arg("doctor")
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .expect("pixel runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("ok   install store") && stdout.contains("reachable and migrated"),
        "{stdout}"
    );
    let broken = pixel()
        .arg("doctor")
        .env("SHOPORAMA_APP_TOKEN", TOKEN)
        .env("DATABASE_URL", "sqlite:///nonexistent-dir/x/y.db")
        .output()
        .expect("runs");
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stdout).contains("FAIL install store"));
}
