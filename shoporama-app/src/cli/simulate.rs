//! `<app> simulate`: send a realistic callback to a running app.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use crate::events::mark_as_webhook;
use crate::settings::AppSettings;
use crate::testing::{SimulatedShop, sample_body};

#[derive(Args, Debug)]
pub(super) struct SimulateArgs {
    /// The callback type: install, update, uninstall, or an event or webhook such as paid.
    kind: String,
    /// The app's callback URL.
    #[arg(long, default_value = "http://127.0.0.1:3000/callback")]
    url: String,
    /// The shop's id.
    #[arg(long, default_value_t = 1)]
    webshop_id: u64,
    /// A field value for install/update, as name=value (repeatable). Unset fields get the manifest's defaults.
    #[arg(long = "field", value_name = "NAME=VALUE")]
    fields: Vec<String>,
    /// A JSON file to send as the body instead of the realistic sample.
    #[arg(long)]
    body: Option<PathBuf>,
    /// Send the webhook's form of the callback: the body gets its top-level `webhook` member,
    /// which tells a webhook from the storefront event of the same name (`paid`,
    /// `order_created`) when the app subscribes to both.
    #[arg(long)]
    webhook: bool,
    /// The app token to send as x-app-token.
    #[arg(long, env = "SHOPORAMA_APP_TOKEN", hide_env_values = true)]
    token: String,
    /// The shop's URL sent in lifecycle payloads.
    #[arg(long, default_value = "https://demo.shoporama.dk/")]
    webshop_url: String,
    /// The REST token sent as `app_token` in lifecycle payloads (default: the one
    /// `fake-shoporama` accepts by default).
    #[arg(long, default_value = crate::testing::SAMPLE_REST_TOKEN, hide_default_value = true)]
    rest_token: String,
}

pub(super) async fn run<S: AppSettings>(args: SimulateArgs) -> ExitCode {
    let mut shop = SimulatedShop::over_http(&args.url, S::manifest(), args.token.clone())
        .webshop_id(args.webshop_id)
        .webshop_url(args.webshop_url.clone())
        .rest_token(args.rest_token.clone());
    for pair in &args.fields {
        let Some((name, value)) = pair.split_once('=') else {
            eprintln!("error: --field expects NAME=VALUE, got `{pair}`");
            return ExitCode::from(2);
        };
        shop = shop.field(name.trim(), value);
    }
    let lifecycle = matches!(args.kind.as_str(), "install" | "update" | "uninstall");
    if args.webhook && lifecycle {
        eprintln!(
            "error: --webhook is for events and webhooks; `{}` is a lifecycle callback",
            args.kind
        );
        return ExitCode::from(2);
    }
    let response = if let Some(path) = &args.body {
        let body = match super::read_file(path).and_then(|bytes| {
            let body = serde_json::from_slice::<Value>(&bytes)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            if args.webhook {
                mark_as_webhook(body, &args.kind).map_err(|_| {
                    format!("{}: a webhook's body must be a JSON object", path.display())
                })
            } else {
                Ok(body)
            }
        }) {
            Ok(body) => body,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
        shop.send(&args.kind, body).await
    } else {
        match args.kind.as_str() {
            "install" => shop.install().await,
            "update" => shop.update().await,
            "uninstall" => shop.uninstall().await,
            kind if args.webhook => shop.webhook(kind).await,
            kind => shop.send(kind, sample_body(kind, args.webshop_id)).await,
        }
    };
    super::print_stdout(&format!("{} {}", response.status.as_u16(), response.body));
    if response.status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
