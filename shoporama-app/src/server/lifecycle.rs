//! `install`, `update` and `uninstall`: persist first, then tell the app.

use chrono::Utc;
use serde_json::Value;

use super::callback::Outcome;
use super::dispatch::run_handler;
use super::error::ApiError;
use super::request::CallbackQuery;
use super::{AppRuntime, shop_info};
use crate::app::{InstallKind, ShoporamaApp};
use crate::callback::{LifecyclePayload, PayloadError};
use crate::fields::{FieldValues, SettingsError};
use crate::settings::AppSettings;
use crate::store::{Installation, SettingsStatus, SettingsUpdate, StoreError, UpsertOutcome};

fn payload(kind: &str, query: &CallbackQuery, body: &Value) -> Result<LifecyclePayload, ApiError> {
    LifecyclePayload::from_json(kind, query.webshop_id, body).map_err(|error| {
        let answer = ApiError::bad_request(error.to_string());
        match error {
            PayloadError::Invalid { key, .. } => answer.with("field", key),
            _ => answer,
        }
    })
}

/// 500, except for a number the store cannot keep: that is the caller's, 400.
pub(super) fn store_error(error: &StoreError) -> ApiError {
    if let StoreError::OutOfRange {
        field, value, max, ..
    } = error
    {
        tracing::warn!(%error, "refused a number the install store cannot keep");
        return ApiError::bad_request(format!("`{field}` must be at most {max}, got {value}"))
            .with("field", *field)
            .with("limit", *max);
    }
    tracing::error!(%error, "install store failed");
    ApiError::internal(format!("the install store failed: {error}"))
}

/// 403 for a shop the manifest's `allowed_shops` does not list, before anything is stored.
fn allowed<A: ShoporamaApp>(runtime: &AppRuntime<A>, webshop_id: u64) -> Result<(), ApiError> {
    if runtime.allows_shop(webshop_id) {
        return Ok(());
    }
    tracing::warn!("refused: the app is not allowed on this shop (allowed_shops)");
    Err(ApiError::new(
        http::StatusCode::FORBIDDEN,
        format!("the app is not allowed on webshop {webshop_id}: `allowed_shops` does not list it"),
    )
    .with("webshop_id", webshop_id))
}

/// Stores the installation (an upsert), then calls `on_install` or `on_unconfigured`.
pub(super) async fn install<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    query: &CallbackQuery,
    body: &Value,
) -> Result<Outcome, ApiError> {
    let payload = payload("install", query, body)?;
    allowed(runtime, query.webshop_id)?;
    let token = payload
        .app_token
        .clone()
        .ok_or_else(|| ApiError::bad_request("the install body lacks `app_token`"))?;
    install_payload(runtime, query.webshop_id, payload, token).await
}

async fn install_payload<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    webshop_id: u64,
    payload: LifecyclePayload,
    token: crate::secret::AppToken,
) -> Result<Outcome, ApiError> {
    let settings = A::Settings::from_fields(&payload.fields);
    let now = Utc::now();
    let installation = Installation {
        webshop_id,
        webshop_url: payload.webshop_url,
        token,
        daily_limit: payload.daily_limit,
        current_usage: payload.current_usage,
        installed_at: payload.installed.unwrap_or(now),
        updated_at: now,
        fields: payload.fields.into_map(),
        settings_status: SettingsStatus::of(&settings),
    };
    let outcome = runtime
        .store()
        .upsert_installation(&installation)
        .await
        .map_err(|e| store_error(&e))?;
    runtime.forget_shop(webshop_id);
    runtime.reconcile_budget(&installation).await;
    let kind = match outcome {
        UpsertOutcome::Installed => InstallKind::New,
        UpsertOutcome::Reinstalled { .. } => InstallKind::Reinstall,
    };
    tracing::info!(
        reinstall = matches!(kind, InstallKind::Reinstall),
        configured = settings.is_ok(),
        "installation stored"
    );
    match settings {
        Ok(settings) => {
            let shop = runtime.shop(&installation, settings);
            run_handler(runtime, runtime.app().on_install(&shop, kind)).await?;
            Ok(match kind {
                InstallKind::New => Outcome::Installed,
                InstallKind::Reinstall => Outcome::Reinstalled,
            })
        }
        Err(errors) => unconfigured(runtime, &installation, &errors).await,
    }
}

/// Replaces the fields atomically, then calls `on_update` (with the previous settings) or
/// `on_unconfigured`. An update for a shop that is not installed but carries a token is
/// stored as an install (it recovers an install callback that never arrived).
pub(super) async fn update<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    query: &CallbackQuery,
    body: &Value,
) -> Result<Outcome, ApiError> {
    let payload = payload("update", query, body)?;
    allowed(runtime, query.webshop_id)?;
    let store = runtime.store();
    let token = match payload.app_token.clone() {
        Some(token) => token,
        None => match store
            .installation(query.webshop_id)
            .await
            .map_err(|e| store_error(&e))?
        {
            Some(existing) => existing.token,
            None => return Err(unknown_webshop(query.webshop_id)),
        },
    };
    let settings = A::Settings::from_fields(&payload.fields);
    let update = SettingsUpdate {
        webshop_url: payload.webshop_url.clone(),
        token: token.clone(),
        daily_limit: payload.daily_limit,
        current_usage: payload.current_usage,
        fields: payload.fields.as_map().clone(),
        settings_status: SettingsStatus::of(&settings),
        updated_at: Utc::now(),
    };
    let Some(previous) = store
        .update_settings(query.webshop_id, &update)
        .await
        .map_err(|e| store_error(&e))?
    else {
        tracing::warn!("update for a shop that is not installed: storing it as an install");
        return install_payload(runtime, query.webshop_id, payload, token).await;
    };
    let installation = update.apply_to(&previous);
    runtime.forget_shop(query.webshop_id);
    runtime.reconcile_budget(&installation).await;
    match settings {
        Ok(settings) => {
            let old = if previous.settings_status.is_configured() {
                A::Settings::from_fields(&FieldValues::from(previous.fields.clone())).ok()
            } else {
                None
            };
            let shop = runtime.shop(&installation, settings);
            run_handler(runtime, runtime.app().on_update(&shop, old.as_ref())).await?;
            Ok(Outcome::Updated)
        }
        Err(errors) => unconfigured(runtime, &installation, &errors).await,
    }
}

/// Tells the app that a stored install or update has settings that do not parse: the shop
/// stays installed, and its events are acknowledged but not dispatched until an update fixes
/// them.
async fn unconfigured<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    installation: &Installation,
    errors: &SettingsError,
) -> Result<Outcome, ApiError> {
    tracing::warn!(%errors, "stored without valid settings: events are acknowledged but not dispatched until an update fixes them");
    run_handler(
        runtime,
        runtime
            .app()
            .on_unconfigured(&shop_info(installation), errors),
    )
    .await?;
    Ok(Outcome::Unconfigured)
}

/// Deletes the token and settings (keeping a tombstone), then calls `on_uninstall`. An
/// uninstall of a shop that is not installed answers 200 `not installed` (Shoporama may retry).
pub(super) async fn uninstall<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    query: &CallbackQuery,
    body: &Value,
) -> Result<Outcome, ApiError> {
    // The body is read for its consistency checks only; an uninstall needs nothing from it.
    payload("uninstall", query, body)?;
    let removed = runtime
        .store()
        .uninstall(query.webshop_id, Utc::now())
        .await
        .map_err(|e| store_error(&e))?;
    runtime.forget_budget(query.webshop_id);
    runtime.forget_shop(query.webshop_id);
    match removed {
        Some(installation) => {
            tracing::info!("installation removed; tombstone kept");
            run_handler(
                runtime,
                runtime.app().on_uninstall(&shop_info(&installation)),
            )
            .await?;
            Ok(Outcome::Uninstalled)
        }
        None => Ok(Outcome::NotInstalled),
    }
}

pub(super) fn unknown_webshop(webshop_id: u64) -> ApiError {
    ApiError::not_found(format!("unknown webshop {webshop_id}")).with("webshop_id", webshop_id)
}
