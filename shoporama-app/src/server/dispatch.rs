//! Events and webhooks: look the shop up, parse the typed event, run the handler guarded
//! against errors, panics and time-outs; or, for types routed to the [inbox](crate::inbox),
//! record the callback durably and acknowledge it (the workers call [`run_job`]).

use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::Poll;

use futures::FutureExt;
use serde_json::Value;

use super::AppRuntime;
use super::callback::Outcome;
use super::error::{ApiError, panic_message};
use super::lifecycle::{store_error, unknown_webshop};
use crate::app::{AppError, ShoporamaApp};
use crate::events::{AppEvent, Origin};
use crate::inbox::worker::JobOutcome;
use crate::inbox::{Enqueued, Inbox, Job};
use crate::settings::AppSettings;

/// Dispatches an event or webhook to `on_event`, or records it in `inbox` (the one
/// [`AppRuntime::inbox_for`] gives the type).
pub(super) async fn event<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    inbox: Option<&Inbox>,
    webshop_id: u64,
    kind: &str,
    body: Value,
) -> Result<Outcome, ApiError> {
    let Some(shop) = configured_shop(runtime, webshop_id).await? else {
        return Ok(Outcome::IgnoredUnconfigured);
    };
    let origin = Origin::classify::<<A::Settings as AppSettings>::Event>(kind, &body);
    if let Some(inbox) = inbox {
        let stored = origin.inbox_kind(kind, <A::Settings as AppSettings>::Event::EVENTS);
        return queue(inbox, webshop_id, &stored, &body.to_string()).await;
    }
    handle_event(runtime, &shop, origin, kind, body).await?;
    Ok(Outcome::Dispatched)
}

/// Records an event or webhook for the inbox from its JSON text `body` as received (already
/// checked to be JSON): no parsed copy is built on the request path.
pub(super) async fn queue_raw<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    inbox: &Inbox,
    webshop_id: u64,
    origin: Origin,
    kind: &str,
    body: &str,
) -> Result<Outcome, ApiError> {
    if configured_shop(runtime, webshop_id).await?.is_none() {
        return Ok(Outcome::IgnoredUnconfigured);
    }
    let stored = origin.inbox_kind(kind, <A::Settings as AppSettings>::Event::EVENTS);
    queue(inbox, webshop_id, &stored, body).await
}

/// The installed shop, or `None` (logged) when its settings are not valid: 404 when it is
/// not installed.
async fn configured_shop<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    webshop_id: u64,
) -> Result<Option<crate::app::Shop<A::Settings>>, ApiError> {
    let Some(cached) = runtime
        .lookup(webshop_id)
        .await
        .map_err(|e| store_error(&e))?
    else {
        return Err(unknown_webshop(webshop_id));
    };
    if cached.shop.is_none() {
        tracing::warn!(errors = ?cached.installation.settings_status.errors(), "event for a shop without valid settings: acknowledged, not dispatched");
    }
    Ok(cached.shop)
}

/// The inbox hook: the callback is verified, parsed and its shop known; record it under its
/// inbox type (`webhook:paid` for a webhook the app also takes as an event: see
/// [`Origin::inbox_kind`]) and answer 200 once committed (a duplicate within the window
/// too); the workers run it.
async fn queue(
    inbox: &Inbox,
    webshop_id: u64,
    kind: &str,
    body: &str,
) -> Result<Outcome, ApiError> {
    match inbox.enqueue(kind, webshop_id, body).await {
        Ok(Enqueued::Queued(job)) => {
            tracing::debug!(job, "queued in the inbox");
            Ok(Outcome::Queued)
        }
        Ok(Enqueued::Duplicate) => {
            tracing::info!(
                "duplicate callback within the inbox's window: acknowledged, not queued"
            );
            Ok(Outcome::Duplicate)
        }
        Err(error) => {
            tracing::error!(%error, "the inbox failed");
            // Not acknowledged: Shoporama delivers it again.
            Err(ApiError::new(
                http::StatusCode::SERVICE_UNAVAILABLE,
                format!("the inbox failed: {error}"),
            ))
        }
    }
}

/// Parses the typed event and runs `on_event` through [`run_handler`].
async fn handle_event<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    shop: &crate::app::Shop<A::Settings>,
    origin: Origin,
    kind: &str,
    body: Value,
) -> Result<(), ApiError> {
    let event =
        <<A::Settings as AppSettings>::Event as AppEvent>::from_callback(origin, kind, body);
    if !event.is_subscribed() {
        tracing::info!("event type the app does not subscribe to: delivered as Unknown");
    }
    run_handler(runtime, runtime.app().on_event(shop, event)).await
}

/// Runs an inbox job's handler: the shop as it is now, the typed event from the stored body,
/// `on_event` guarded like an inline callback. `Err` is the reason to retry.
pub(crate) async fn run_job<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    job: &Job,
) -> Result<JobOutcome, String> {
    let Some(cached) = runtime
        .lookup(job.webshop_id)
        .await
        .map_err(|e| format!("the install store failed: {e}"))?
    else {
        return Ok(JobOutcome::Skipped("the shop is no longer installed"));
    };
    let Some(shop) = cached.shop else {
        return Ok(JobOutcome::Skipped("the shop has no valid settings"));
    };
    let body: Value =
        serde_json::from_str(&job.body).map_err(|e| format!("the stored body is not JSON: {e}"))?;
    let (kind, origin) = Origin::from_inbox_kind(&job.kind);
    // A job recorded before origins were stored is classified as its request was.
    let origin = origin
        .unwrap_or_else(|| Origin::classify::<<A::Settings as AppSettings>::Event>(kind, &body));
    handle_event(runtime, &shop, origin, kind, body)
        .await
        .map_err(|error| error.message().to_owned())?;
    Ok(JobOutcome::Handled)
}

/// Runs a handler future: its error becomes a 500 with the reason, a panic a 500 that leaves
/// the server serving, and running past the configured time-out a 500 too.
pub(super) async fn run_handler<A: ShoporamaApp, T>(
    runtime: &AppRuntime<A>,
    handler: impl Future<Output = Result<T, AppError>>,
) -> Result<T, ApiError> {
    let timeout = runtime.config().handler_timeout;
    // The time-out counts from here, as `tokio::time::timeout` would count it.
    let deadline = tokio::time::Instant::now().checked_add(timeout);
    let mut guarded = pin!(AssertUnwindSafe(handler).catch_unwind());
    // Most handlers finish at their first poll: those need no timer.
    let finished = match poll_fn(|cx| Poll::Ready(guarded.as_mut().poll(cx))).await {
        Poll::Ready(finished) => Ok(finished),
        Poll::Pending => match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, guarded).await,
            // Too far off to represent: no time-out.
            None => Ok(guarded.await),
        },
    };
    match finished {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(error))) => {
            let answer =
                ApiError::new(error.status(), format!("the app's handler failed: {error}"));
            if let Some(delay) = error.retry_delay() {
                tracing::warn!(%error, retry_after_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "the app's handler asked to be called again later");
                Err(answer.with_retry_after(delay))
            } else {
                tracing::error!(%error, "the app's handler failed");
                Err(answer)
            }
        }
        Ok(Err(panic)) => {
            let message = panic_message(&*panic);
            tracing::error!(panic = %message, "the app's handler panicked");
            Err(ApiError::internal(format!(
                "the app's handler panicked: {message}"
            )))
        }
        Err(_) => {
            tracing::error!(?timeout, "the app's handler timed out");
            Err(ApiError::internal(format!(
                "the app's handler did not finish within {} s",
                timeout.as_secs_f64()
            )))
        }
    }
}
