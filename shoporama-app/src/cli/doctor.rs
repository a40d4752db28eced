//! `<app> doctor`: is everything in place to serve?

use std::process::ExitCode;

use crate::config::Config;
use crate::settings::AppSettings;

// One flat report reads better than nested if-lets.
#[allow(clippy::single_match_else)]
pub(super) async fn run<S: AppSettings>() -> ExitCode {
    let mut failures = 0_u32;
    let mut report = |ok: bool, what: &str, detail: &str| {
        super::print_stdout(&format!(
            "{} {what}{}{detail}",
            if ok { "ok  " } else { "FAIL" },
            if detail.is_empty() { "" } else { ": " }
        ));
        if !ok {
            failures += 1;
        }
    };
    let manifest = S::manifest();
    let problems = super::check_manifest(&manifest).errors;
    report(
        problems.is_empty(),
        "manifest",
        &if problems.is_empty() {
            format!(
                "{} fields, {} events, {} webhooks, {} snippets",
                manifest.fields.len(),
                manifest.events.len(),
                manifest.webhooks.len(),
                manifest.snippets.len()
            )
        } else {
            problems.join("; ")
        },
    );
    let config = match Config::from_env() {
        Ok(config) => {
            report(
                true,
                "configuration",
                &format!(
                    "listen {}, callback path {}",
                    config.listen, config.callback_path
                ),
            );
            config
        }
        Err(error) => {
            report(false, "configuration", &error.to_string());
            return ExitCode::FAILURE;
        }
    };
    let url = crate::store::mask_url(&config.database_url);
    match crate::store::connect(&config.database_url).await {
        Err(error) => report(false, "install store", &error.to_string()),
        Ok(store) => match store.health().await {
            Err(error) => report(false, "install store", &error.to_string()),
            Ok(()) => {
                report(
                    true,
                    "install store",
                    &format!("{url} reachable and migrated"),
                );
                match store.installations().await {
                    Err(error) => report(false, "installations", &error.to_string()),
                    Ok(installations) => {
                        let unconfigured: Vec<_> = installations
                            .iter()
                            .filter(|i| !i.settings_status.is_configured())
                            .collect();
                        report(
                            true,
                            "installations",
                            &format!(
                                "{} installed, {} without valid settings",
                                installations.len(),
                                unconfigured.len()
                            ),
                        );
                        for installation in unconfigured {
                            super::print_stdout(&format!(
                                "     shop {} is unconfigured: {}",
                                installation.webshop_id,
                                installation.settings_status.errors().join("; ")
                            ));
                        }
                    }
                }
            }
        },
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
