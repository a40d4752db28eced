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
    if let Some(path) = missing_sqlite_file(&config.database_url) {
        // A check must not create the database: `serve` creates (and migrates) it, if it can.
        let directory = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if directory.is_dir() {
            report(
                true,
                "install store",
                &format!(
                    "{url}: {} does not exist yet; `serve` creates it",
                    path.display()
                ),
            );
        } else {
            report(
                false,
                "install store",
                &format!(
                    "{url}: the directory {} does not exist, so {} cannot be created",
                    directory.display(),
                    path.display()
                ),
            );
        }
    } else {
        check_store(&config.database_url, &url, &mut report).await;
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The file of a `sqlite://` URL that names a file which does not exist (yet).
#[cfg(feature = "sqlite")]
fn missing_sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    use std::str::FromStr;
    if !database_url.to_ascii_lowercase().starts_with("sqlite:") {
        return None;
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(database_url).ok()?;
    let path = options.get_filename();
    let name = path.to_string_lossy();
    if name.is_empty() || name.contains(":memory:") || database_url.contains("mode=memory") {
        return None;
    }
    (!path.exists()).then(|| path.to_path_buf())
}

#[cfg(not(feature = "sqlite"))]
fn missing_sqlite_file(_database_url: &str) -> Option<std::path::PathBuf> {
    None
}

/// Connects to the install store (which migrates it) and reports on its installations.
#[allow(clippy::single_match_else)]
async fn check_store(database_url: &str, url: &str, report: &mut impl FnMut(bool, &str, &str)) {
    match crate::store::connect(database_url).await {
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
}
