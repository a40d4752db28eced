//! `<app> simulate` and the `fake-shoporama` binary, both at their defaults, work together:
//! the REST token `simulate install` hands the app is one the fake accepts, and the ids of
//! `simulate`'s sample bodies are in the fake's data. Real HTTP over loopback throughout: the
//! fake is the binary as `cargo run --bin fake-shoporama` runs it, the app is served on a
//! port, and `simulate` is the app's command line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};

use shoporama_app::cli::{NoCommands, run_with_args};
use shoporama_app::prelude::*;
use shoporama_app::server::serve_on;
use shoporama_app::testing::{SAMPLE_CUSTOMER_ID, SAMPLE_ORDER_ID, SAMPLE_PRODUCT_ID};
use shoporama_app::{AppRuntime, Config};

const APP_TOKEN: &str = "simulate-fake-test";

#[shoporama_app(name = "Order reader", access = read, webhooks(paid, product))]
pub struct Settings {}

/// Reads each event's order, customer or product back over REST and records what it got.
#[derive(Clone, Default)]
struct Reader {
    read: Arc<Mutex<Vec<String>>>,
}

impl ShoporamaApp for Reader {
    type Settings = Settings;

    async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
        let rest = shop.rest();
        let line = match event {
            SettingsEvent::PaidWebhook(order) => {
                let id = order.order_id.ok_or_else(|| AppError::msg("no order id"))?;
                let order = rest.orders().get(id).await.map_err(AppError::msg)?;
                format!("order {} of {:?}", order.order_id, order.email)
            }
            // The app form offers no `customer_created` webhook: a shop's own webhook of that
            // type arrives as data.
            SettingsEvent::Unknown { kind, raw, .. } if kind == "customer_created" => {
                let customer = <CustomerEvent as shoporama_app::events::Payload>::from_raw(raw);
                let id = customer.customer_id.ok_or_else(|| AppError::msg("no id"))?;
                let customer = rest.customers().get(id).await.map_err(AppError::msg)?;
                format!("customer {}", customer.customer_id)
            }
            SettingsEvent::ProductWebhook(product) => {
                let id = product.product_id.ok_or_else(|| AppError::msg("no id"))?;
                let product = rest.products().get(id).await.map_err(AppError::msg)?;
                format!("product {} {:?}", product.product_id, product.name)
            }
            SettingsEvent::Unknown { kind, .. } => format!("unknown {kind}"),
        };
        self.read.lock().map_err(AppError::msg)?.push(line);
        Ok(())
    }
}

/// The `fake-shoporama` binary with its defaults (but a free port); killed when dropped.
struct Fake {
    child: Child,
    base_url: String,
}

impl Fake {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fake-shoporama"))
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("fake-shoporama starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("fake-shoporama prints its URL");
        // Keep reading what else it prints, so that it never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base_url = first
            .trim()
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        Self { child, base_url }
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `<app> simulate <args…>` against `callback_url`, with every other option at its default.
async fn simulate(callback_url: &str, args: &[&str]) -> ExitCode {
    let mut command_line = vec!["reader", "simulate"];
    command_line.extend_from_slice(args);
    command_line.extend_from_slice(&["--url", callback_url, "--token", APP_TOKEN]);
    run_with_args(
        Reader::default(),
        command_line,
        |_, command: NoCommands| async move { match command {} },
    )
    .await
}

#[tokio::test]
async fn simulate_then_a_rest_read_works_against_fake_shoporama_at_their_defaults() {
    let fake = Fake::start();
    let app = Reader::default();
    let read = Arc::clone(&app.read);
    let config = Config::builder()
        .app_token(APP_TOKEN)
        .database_url("memory://")
        .rest_base_url(&fake.base_url)
        .build()
        .expect("configuration");
    let runtime = AppRuntime::connect(app, config).await.expect("runtime");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let callback_url = format!("http://{}/callback", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_on(runtime, listener, async move {
        let _ = stopped.await;
    }));

    for kind in ["install", "paid", "customer_created", "product"] {
        assert_eq!(
            simulate(&callback_url, &[kind]).await,
            ExitCode::SUCCESS,
            "simulate {kind}"
        );
    }
    let read = read.lock().expect("lock").clone();
    assert_eq!(
        read,
        [
            format!("order {SAMPLE_ORDER_ID} of Some(\"kunde@example.dk\")"),
            format!("customer {SAMPLE_CUSTOMER_ID}"),
            format!("product {SAMPLE_PRODUCT_ID} \"Kaffekop\""),
        ]
    );
    let _ = stop.send(());
    server.await.expect("joins").expect("served");
}
