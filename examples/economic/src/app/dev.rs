//! Local development without Shoporama or e-conomic: `economic dev` runs a fake Shoporama
//! REST API (with a demo order), the e-conomic stand-in and the app in one process;
//! `economic demo` then plays Shoporama: installs the app and pays the demo order, and shows
//! the invoice the stand-in holds.

use std::net::SocketAddr;
use std::process::ExitCode;

use serde_json::json;
use shoporama_app::prelude::*;
use shoporama_app::rest::ResourceKind;
use shoporama_app::testing::{FakeShoporama, SimulatedShop};
use shoporama_app::{AppRuntime, Config, serve};

use super::{AppConfig, Economic, Settings};
use crate::client::{Client, ClientConfig, ExistingInvoice};
use crate::money::Money;
use crate::standin::{StandIn, StandInConfig};

/// The app token `dev` accepts (`x-app-token`).
pub const DEV_APP_TOKEN: &str = "dev-token";
/// The shop's REST token in `dev`: the one `simulate install` sends by default.
pub const DEV_REST_TOKEN: &str = "0123456789abcdef0123456789abcdef";
/// The demo order's id: the one `simulate paid` and `demo` send (the framework's sample
/// `paid` body).
pub const DEMO_ORDER_ID: u64 = 100_234;

/// `economic dev` options.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    /// Where the app listens.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Where the fake Shoporama REST API listens.
    #[arg(long, default_value = "127.0.0.1:4000")]
    shoporama_listen: SocketAddr,
    /// Where the e-conomic stand-in listens.
    #[arg(long, default_value = "127.0.0.1:4100")]
    economic_listen: SocketAddr,
    /// The app's SQLite file (installations and the records of what was invoiced). It is
    /// recreated at each start: the stand-ins start empty, and old records would point at
    /// invoices they lost.
    #[arg(long, default_value = "economic-dev.db")]
    database: std::path::PathBuf,
}

/// `economic demo` options.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The app's callback URL.
    #[arg(long, default_value = "http://127.0.0.1:3000/callback")]
    url: String,
    /// The e-conomic stand-in's URL.
    #[arg(long, default_value = "http://127.0.0.1:4100")]
    economic_url: String,
    /// The shop.
    #[arg(long, default_value_t = 7)]
    webshop_id: u64,
}

/// The demo order: two mugs and shipping, 438.00 DKK including 25 % VAT.
fn demo_order() -> serde_json::Value {
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    json!({
        "order_id": DEMO_ORDER_ID, "webshop_order_id": 1042, "status": "new", "paid": 1,
        "created": now, "last_modified": now, "email": "kunde@example.dk", "phone": "20304050",
        "currency": "DKK", "price": "399.00", "shipping_price": "39.00", "total_price": "438.00", "vat": "87.60",
        "order_name": "Karen Jensen", "order_address": "Vestergade 1", "order_zipcode": "8000",
        "order_city": "Aarhus", "order_country_id": 45,
        "products": [{"product_id": 3_042_680, "own_id": "SKU-1", "name": "Kaffekop", "amount": 2,
                      "unit_price": "199.50", "real_price": "199.50"}]
    })
}

/// Runs the fake Shoporama, the e-conomic stand-in and the app until Ctrl-C.
pub(super) async fn run(args: DevArgs) -> ExitCode {
    match serve_dev(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_dev(args: DevArgs) -> Result<(), Box<dyn std::error::Error>> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = args.database.clone().into_os_string();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("cannot recreate {}: {error}", args.database.display()).into());
            }
            _ => {}
        }
    }
    let database_url = format!("sqlite://{}", args.database.display());
    let shoporama = FakeShoporama::builder()
        .listen(args.shoporama_listen)
        .token(DEV_REST_TOKEN)
        .daily_limit(100_000)
        .seed_catalog()
        .item(ResourceKind::Order, demo_order())
        .start()
        .await
        .map_err(|error| format!("fake Shoporama on {}: {error}", args.shoporama_listen))?;
    let economic = StandIn::bind(args.economic_listen, StandInConfig::default())
        .await
        .map_err(|error| format!("e-conomic stand-in on {}: {error}", args.economic_listen))?;
    economic.add_product("SKU-1", "Kaffekop", Money::from_minor(15_960));
    let app = Economic::new(AppConfig {
        base_url: economic.base_url().to_owned(),
        app_secret_token: Some(economic.config().app_secret_token.as_str().into()),
        ..AppConfig::default()
    })?;
    let config = Config::builder()
        .app_token(DEV_APP_TOKEN)
        .database_url(&database_url)
        .rest_base_url(shoporama.base_url())
        .listen(args.listen)
        .build()?;
    let runtime = AppRuntime::connect(app, config).await?;
    println!(
        "e-conomic app      http://{}/callback (x-app-token: {DEV_APP_TOKEN})",
        args.listen
    );
    println!(
        "fake Shoporama     {} (demo order {DEMO_ORDER_ID})",
        shoporama.base_url()
    );
    println!(
        "e-conomic stand-in {} (grant token: {})",
        economic.base_url(),
        economic.config().agreement_grant_token
    );
    println!("database           {database_url} (recreated)");
    println!("\nnow run: cargo run -p economic -- demo      (Ctrl-C stops everything)");
    serve(runtime).await?;
    Ok(())
}

/// Installs the app in a shop and pays the demo order, then shows the invoice.
pub(super) async fn demo(args: DemoArgs) -> ExitCode {
    let standin = StandInConfig::default();
    let shop = SimulatedShop::over_http(&args.url, Settings::manifest(), DEV_APP_TOKEN)
        .webshop_id(args.webshop_id)
        .rest_token(DEV_REST_TOKEN)
        .field(
            "agreement_grant_token",
            standin.agreement_grant_token.as_str(),
        )
        .field("layout", "19")
        .field("book_invoices", "1")
        .field("unit_number", "1")
        .field("shipping_product_number", "FRAGT");
    for (what, answer) in [
        ("install", shop.install().await),
        ("paid", shop.event("paid").await),
    ] {
        println!("{what:<8} → {} {}", answer.status.as_u16(), answer.body);
        if !answer.status.is_success() {
            return ExitCode::FAILURE;
        }
    }
    let reference = format!("shoporama-{}-{DEMO_ORDER_ID}", args.webshop_id);
    let config = ClientConfig::new(standin.app_secret_token, standin.agreement_grant_token)
        .with_base_url(args.economic_url);
    let found = async {
        Client::new(config)?
            .find_invoice_by_reference(&reference)
            .await
    };
    match found.await {
        Ok(Some(ExistingInvoice::Booked(invoice))) => {
            println!(
                "\ne-conomic booked invoice {} for customer {} ({reference}):",
                invoice.booked_invoice_number, invoice.customer.customer_number
            );
            for line in &invoice.lines {
                println!(
                    "  {:<24} {:>6} × {:>9}  = {:>9}",
                    line.description.as_deref().unwrap_or_default(),
                    line.quantity.map(|q| q.to_string()).unwrap_or_default(),
                    line.unit_net_price
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    line.total_net_amount
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                );
            }
            println!(
                "  net {}  VAT {}  gross {}",
                invoice.net_amount, invoice.vat_amount, invoice.gross_amount
            );
            ExitCode::SUCCESS
        }
        Ok(Some(ExistingInvoice::Draft(draft))) => {
            println!(
                "\ne-conomic holds draft {} ({reference}), gross {}",
                draft.draft_invoice_number, draft.gross_amount
            );
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no invoice with reference {reference} in e-conomic");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
