//! A fake Shoporama REST API for local development: the in-memory
//! [`FakeShoporama`] as a server.
//!
//! ```text
//! cargo run -p shoporama-app --bin fake-shoporama -- --listen 127.0.0.1:4000 --token T --seed-products 100
//! curl -H 'Authorization: Shoporama T' 'http://127.0.0.1:4000/REST/product?limit=2'
//! ```
//!
//! At its defaults it accepts the REST token `<app> simulate install` hands an app
//! ([`SAMPLE_REST_TOKEN`](shoporama_app::testing::SAMPLE_REST_TOKEN)) and serves what the
//! simulator's sample bodies point at (order 100234, product 3042680, …), so an app
//! installed and sent `paid` by `simulate` can read the order back.
//!
//! Point an app at it with `SHOPORAMA_REST_BASE_URL=http://127.0.0.1:4000/REST/` (or
//! `RestConfig::new(...)`). Stops on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use shoporama_app::testing::fake_shoporama::FakeShoporama;

/// Serve a fake Shoporama REST API from memory.
#[derive(Debug, Parser)]
#[command(name = "fake-shoporama", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4000")]
    listen: SocketAddr,
    /// A shop token to accept (repeatable); the default is the REST token `<app> simulate
    /// install` hands the app.
    #[arg(long = "token", default_value = shoporama_app::testing::SAMPLE_REST_TOKEN)]
    tokens: Vec<String>,
    /// Daily call limit of each token.
    #[arg(long, default_value_t = 1000)]
    daily_limit: u64,
    /// An app token to accept for `GET /REST/app-status` (repeatable).
    #[arg(long = "app-token")]
    app_tokens: Vec<String>,
    /// A shop id listed by `app-status` (repeatable).
    #[arg(long = "installed-shop")]
    installed_shops: Vec<u64>,
    /// Products to seed.
    #[arg(long, default_value_t = 0)]
    seed_products: u64,
    /// Do not seed the small catalog (categories, an order, a customer, countries, …).
    #[arg(long)]
    no_catalog: bool,
    /// Do not seed what `<app> simulate`'s sample bodies point at (order 100234, its
    /// product 3042680, customer 9001, …).
    #[arg(long)]
    no_samples: bool,
    /// The largest page size honoured.
    #[arg(long, default_value_t = 1000)]
    max_page_size: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut builder = FakeShoporama::builder()
        .listen(args.listen)
        .daily_limit(args.daily_limit)
        .seed_products(args.seed_products)
        .max_page_size(args.max_page_size);
    for token in args.tokens {
        builder = builder.token(token);
    }
    for token in args.app_tokens {
        builder = builder.app_token(token);
    }
    for shop in args.installed_shops {
        builder = builder.installed_shop(shop);
    }
    if !args.no_catalog {
        builder = builder.seed_catalog();
    }
    if !args.no_samples {
        builder = builder.seed_samples();
    }
    let fake = match builder.start().await {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("fake-shoporama: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    println!("fake Shoporama REST API at {}", fake.base_url());
    println!(
        "  try: curl -H 'Authorization: Shoporama <token>' '{}product?limit=2'",
        fake.base_url()
    );
    // Ctrl-C or SIGTERM.
    shoporama_app::server::shutdown_signal().await;
    println!("stopping after {} request(s)", fake.call_count());
    fake.shutdown().await;
    ExitCode::SUCCESS
}
