//! [`InboxConfig`]: which callbacks go through the inbox, and how workers treat them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::ConfigError;
use crate::events::{EventName, WebhookName};
use crate::fields::SettingType as _;

/// How one callback type is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The handler runs inside the request; its outcome is the answer (an error is a 500,
    /// so Shoporama retries). Nothing is recorded.
    Inline,
    /// The callback is recorded in the inbox and acknowledged at once; workers run the
    /// handler, retrying with backoff, and dead-letter it when out of attempts.
    Inbox,
}

impl Delivery {
    fn parse(variable: &'static str, value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "inline" => Ok(Self::Inline),
            "inbox" => Ok(Self::Inbox),
            other => Err(invalid(
                variable,
                format!("`{other}`: expected `inline` or `inbox`"),
            )),
        }
    }
}

/// The inbox's settings: part of [`Config`](crate::Config) as `config.inbox`.
///
/// Which callbacks use the inbox is decided per type, in this order: an explicit
/// [`route`](Self::route) for the type; else, for a storefront-only event (`add_to_basket`,
/// `view_*`, `approved`, `add_label`, `remove_label`), [`events`](Self::events) (default
/// [`Delivery::Inline`]: they are frequent, cheap and losing one is harmless); else (webhooks,
/// names that are both an event and a webhook such as `paid`, and types this crate does not
/// know) [`webhooks`](Self::webhooks), default [`Delivery::Inbox`]. `install`, `update` and
/// `uninstall` are always inline: they persist the installation before the answer anyway.
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `SHOPORAMA_INBOX` | `webhooks` | `webhooks` (the rule above), `all` (events too) or `off` (everything inline) |
/// | `SHOPORAMA_INBOX_ROUTES` | none | per-type overrides, `paid=inline,add_to_basket=inbox` |
/// | `SHOPORAMA_INBOX_WORKERS` | `16` | jobs run at once by one process (claimed several at a time, and ahead of quick handlers) |
/// | `SHOPORAMA_INBOX_RETRY_FOR_MS` | `172800000` (48 h) | how long a failing job is retried, from when it was received, before it is dead-lettered |
/// | `SHOPORAMA_INBOX_MAX_ATTEMPTS` | `100` | runs before a job is dead-lettered, whatever the time (with the defaults, 48 h come first: about 60 runs) |
/// | `SHOPORAMA_INBOX_BACKOFF_MS` | `1000` | the first retry's delay; doubled per attempt |
/// | `SHOPORAMA_INBOX_BACKOFF_MAX_MS` | `3600000` (1 h) | the longest retry delay |
/// | `SHOPORAMA_INBOX_LEASE_MS` | `60000` | how long a claim lasts unless renewed (a crashed worker's job is taken over after this) |
/// | `SHOPORAMA_INBOX_DEDUP_WINDOW_MS` | `86400000` | duplicates (same type, shop and body) within this are acknowledged, not queued; 0 disables |
/// | `SHOPORAMA_INBOX_ORDERED` | `false` | process each shop's callbacks one at a time, in arrival order |
/// | `SHOPORAMA_INBOX_POLL_MS` | `500` | how often idle workers look for jobs other processes queued |
/// | `SHOPORAMA_INBOX_RETENTION_MS` | `86400000` | how long finished jobs are kept for `inbox list` |
/// | `SHOPORAMA_INBOX_SHUTDOWN_GRACE_MS` | `10000` | on shutdown, how long running jobs may finish before they are released |
///
/// [`Config::builder`](crate::Config::builder) starts from [`InboxConfig::inline`] (handler
/// outcome in the answer, what in-process tests want); [`Config::from_env`](crate::Config::from_env),
/// which every app binary's `serve` uses, starts from [`InboxConfig::default`] (webhooks
/// through the inbox). Set it explicitly with
/// [`ConfigBuilder::inbox`](crate::config::ConfigBuilder::inbox).
///
/// ```
/// use std::time::Duration;
/// use shoporama_app::inbox::{Delivery, InboxConfig};
///
/// let inbox = InboxConfig {
///     workers: 4,
///     retry_for: Duration::from_hours(12),
///     ..InboxConfig::default()
/// }
/// // Storefront `paid` events too, not only webhooks, go through the inbox.
/// .route("paid", Delivery::Inbox);
/// assert_eq!(inbox.delivery("paid"), Delivery::Inbox);
/// assert!(inbox.validate().is_ok());
/// // A lease longer than the retry horizon could outlive every retry: refused at start-up.
/// assert!(inbox.check_lease("SHOPORAMA_EFFECTS_LEASE_MS", Duration::from_hours(13)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxConfig {
    /// Delivery of storefront-only events without a route.
    pub events: Delivery,
    /// Delivery of every other event or webhook type without a route.
    pub webhooks: Delivery,
    /// Per-type overrides, by the callback's `type`.
    pub routes: BTreeMap<String, Delivery>,
    /// Jobs run at once by one process. While handlers are quick, a process also claims up
    /// to 3 jobs per worker ahead of them (as many as it expects to start within a quarter
    /// of the [`lease`](Self::lease)), so that claiming is not the limit; a job claimed ahead
    /// is renewed before it runs, and left alone if its lease ran out and another process
    /// took it over. Jobs claimed but not started go back to the queue at shutdown.
    pub workers: usize,
    /// How long a failing job is retried, counted from when it was received: a retry that
    /// would start later is not scheduled, and the job is dead-lettered instead. Shopify
    /// retries webhooks for 48 hours; so does this by default.
    pub retry_for: Duration,
    /// Runs before a job is dead-lettered (at least 1), whatever [`retry_for`](Self::retry_for)
    /// allows.
    pub max_attempts: u32,
    /// The delay before the first retry; each further retry doubles it.
    pub backoff: Duration,
    /// The longest delay between retries.
    pub backoff_max: Duration,
    /// How long a worker's claim lasts; renewed while the handler runs, so only a crashed or
    /// stalled process's claims expire and are taken over.
    pub lease: Duration,
    /// The duplicate guard's window (zero disables it).
    pub dedup_window: Duration,
    /// Whether one shop's callbacks run one at a time in arrival order.
    pub per_shop_ordering: bool,
    /// How often an idle worker looks for jobs queued by other processes or due for retry.
    pub poll_interval: Duration,
    /// How long finished (done) jobs are kept before they are purged automatically.
    pub retention: Duration,
    /// On shutdown, how long running jobs may finish before they are released.
    pub shutdown_grace: Duration,
}

impl Default for InboxConfig {
    /// Webhooks through the inbox, storefront events inline.
    fn default() -> Self {
        Self {
            events: Delivery::Inline,
            webhooks: Delivery::Inbox,
            routes: BTreeMap::new(),
            workers: 16,
            retry_for: Duration::from_hours(48),
            max_attempts: 100,
            backoff: Duration::from_secs(1),
            backoff_max: Duration::from_hours(1),
            lease: Duration::from_mins(1),
            dedup_window: Duration::from_hours(24),
            per_shop_ordering: false,
            poll_interval: Duration::from_millis(500),
            retention: Duration::from_hours(24),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl InboxConfig {
    /// Everything inline: no inbox.
    #[must_use]
    pub fn inline() -> Self {
        Self {
            events: Delivery::Inline,
            webhooks: Delivery::Inline,
            ..Self::default()
        }
    }

    /// Every event and webhook through the inbox.
    #[must_use]
    pub fn all() -> Self {
        Self {
            events: Delivery::Inbox,
            webhooks: Delivery::Inbox,
            ..Self::default()
        }
    }

    /// Handles callbacks of type `kind` this way, whatever the defaults say.
    #[must_use]
    pub fn route(mut self, kind: impl Into<String>, delivery: Delivery) -> Self {
        self.routes.insert(kind.into(), delivery);
        self
    }

    /// How a callback of type `kind` is handled (see the type's docs for the rule).
    pub fn delivery(&self, kind: &str) -> Delivery {
        if let Some(delivery) = self.routes.get(kind) {
            return *delivery;
        }
        let storefront_only =
            kind.parse::<EventName>().is_ok() && kind.parse::<WebhookName>().is_err();
        if storefront_only {
            self.events
        } else {
            self.webhooks
        }
    }

    /// Whether any callback type can go through the inbox (so a runtime needs one).
    pub fn uses_inbox(&self) -> bool {
        self.events == Delivery::Inbox
            || self.webhooks == Delivery::Inbox
            || self.routes.values().any(|d| *d == Delivery::Inbox)
    }

    /// The delay before retry number `attempt` (1 for the first retry): `backoff` doubled per
    /// attempt, at most `backoff_max`.
    pub fn backoff_for(&self, attempt: u32) -> Duration {
        let factor = 1_u32
            .checked_shl(attempt.saturating_sub(1).min(31))
            .unwrap_or(u32::MAX);
        self.backoff.saturating_mul(factor).min(self.backoff_max)
    }

    /// How long after its first run a failing job can still be retried: the shorter of
    /// [`retry_for`](Self::retry_for) and the sum of the backoffs of
    /// [`max_attempts`](Self::max_attempts) runs.
    pub fn retry_horizon(&self) -> Duration {
        let mut total = Duration::ZERO;
        for attempt in 1..self.max_attempts {
            total = total.saturating_add(self.backoff_for(attempt));
            if total >= self.retry_for {
                return self.retry_for;
            }
        }
        total
    }

    /// Refuses a claim `lease` (named `what`, e.g. `SHOPORAMA_EFFECTS_LEASE_MS`) that is not
    /// well inside the [retry horizon](Self::retry_horizon): a job waiting on a claim whose
    /// holder crashed must still be retried after the claim expires, several times over, or
    /// an acknowledged callback ends as a dead letter although nothing was wrong with it.
    pub fn check_lease(&self, what: &'static str, lease: Duration) -> Result<(), ConfigError> {
        let horizon = self.retry_horizon();
        if lease.saturating_mul(LEASES_PER_HORIZON) > horizon {
            return Err(invalid(
                what,
                format!(
                    "a lease of {} s outlives the inbox's retry horizon: failing jobs are retried                      for {} s (SHOPORAMA_INBOX_RETRY_FOR_MS, SHOPORAMA_INBOX_MAX_ATTEMPTS,                      SHOPORAMA_INBOX_BACKOFF_MS, SHOPORAMA_INBOX_BACKOFF_MAX_MS), and a lease must                      fit {LEASES_PER_HORIZON} times into that, or a job waiting on a crashed                      claim is dead-lettered before the claim expires; shorten the lease or                      retry for longer",
                    lease.as_secs_f64(),
                    horizon.as_secs_f64(),
                ),
            ));
        }
        Ok(())
    }

    /// Reads the `SHOPORAMA_INBOX*` variables through `get` (trimmed, empty = unset), on top
    /// of [`InboxConfig::default`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = match get("SHOPORAMA_INBOX")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("webhooks") => Self::default(),
            Some("all") => Self::all(),
            Some("off" | "inline") => Self::inline(),
            Some(other) => {
                return Err(invalid(
                    "SHOPORAMA_INBOX",
                    format!("`{other}`: expected `webhooks`, `all` or `off`"),
                ));
            }
        };
        if let Some(routes) = get("SHOPORAMA_INBOX_ROUTES") {
            for pair in routes.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (kind, delivery) = pair.split_once('=').ok_or_else(|| {
                    invalid(
                        "SHOPORAMA_INBOX_ROUTES",
                        format!("`{pair}`: expected `type=inline` or `type=inbox`"),
                    )
                })?;
                config.routes.insert(
                    kind.trim().to_owned(),
                    Delivery::parse("SHOPORAMA_INBOX_ROUTES", delivery)?,
                );
            }
        }
        let number = |variable: &'static str| -> Result<Option<u64>, ConfigError> {
            get(variable)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|e| invalid(variable, format!("`{v}`: {e}")))
                })
                .transpose()
        };
        if let Some(workers) = number("SHOPORAMA_INBOX_WORKERS")? {
            config.workers = usize::try_from(workers)
                .map_err(|e| invalid("SHOPORAMA_INBOX_WORKERS", e.to_string()))?;
        }
        if let Some(attempts) = number("SHOPORAMA_INBOX_MAX_ATTEMPTS")? {
            config.max_attempts = u32::try_from(attempts)
                .map_err(|e| invalid("SHOPORAMA_INBOX_MAX_ATTEMPTS", e.to_string()))?;
        }
        if let Some(ordered) = get("SHOPORAMA_INBOX_ORDERED") {
            // The settings' lenient booleans: 1/0, true/false, yes/no, on/off.
            config.per_shop_ordering = bool::parse_setting(&Value::String(ordered.clone()))
                .map_err(|_| {
                    invalid(
                        "SHOPORAMA_INBOX_ORDERED",
                        format!("`{ordered}`: expected true or false"),
                    )
                })?;
        }
        for (variable, duration) in [
            ("SHOPORAMA_INBOX_RETRY_FOR_MS", &mut config.retry_for),
            ("SHOPORAMA_INBOX_BACKOFF_MS", &mut config.backoff),
            ("SHOPORAMA_INBOX_BACKOFF_MAX_MS", &mut config.backoff_max),
            ("SHOPORAMA_INBOX_LEASE_MS", &mut config.lease),
            ("SHOPORAMA_INBOX_DEDUP_WINDOW_MS", &mut config.dedup_window),
            ("SHOPORAMA_INBOX_POLL_MS", &mut config.poll_interval),
            ("SHOPORAMA_INBOX_RETENTION_MS", &mut config.retention),
            (
                "SHOPORAMA_INBOX_SHUTDOWN_GRACE_MS",
                &mut config.shutdown_grace,
            ),
        ] {
            if let Some(ms) = number(variable)? {
                *duration = Duration::from_millis(ms);
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Refuses settings workers cannot run with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.workers == 0 && self.uses_inbox() {
            return Err(invalid(
                "inbox workers",
                "must be at least 1 when the inbox is used".to_owned(),
            ));
        }
        if self.max_attempts == 0 {
            return Err(invalid(
                "inbox max attempts",
                "must be at least 1".to_owned(),
            ));
        }
        if self.lease < Duration::from_secs(1) {
            return Err(invalid("inbox lease", "must be at least 1 s".to_owned()));
        }
        if self.poll_interval.is_zero() {
            return Err(invalid(
                "inbox poll interval",
                "must be above zero".to_owned(),
            ));
        }
        Ok(())
    }
}

/// How many times a claim's lease must fit into the inbox's retry horizon.
const LEASES_PER_HORIZON: u32 = 4;

fn invalid(variable: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { variable, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::env;

    #[test]
    fn webhooks_default_to_the_inbox_and_storefront_events_to_inline() {
        let config = InboxConfig::default();
        assert_eq!(config.delivery("new_status"), Delivery::Inbox);
        assert_eq!(
            config.delivery("paid"),
            Delivery::Inbox,
            "both an event and a webhook"
        );
        assert_eq!(config.delivery("brand_new_type"), Delivery::Inbox);
        assert_eq!(config.delivery("add_to_basket"), Delivery::Inline);
        assert_eq!(
            config
                .clone()
                .route("paid", Delivery::Inline)
                .delivery("paid"),
            Delivery::Inline
        );
        assert!(!InboxConfig::inline().uses_inbox());
        assert!(
            InboxConfig::inline()
                .route("paid", Delivery::Inbox)
                .uses_inbox()
        );
        assert_eq!(InboxConfig::all().delivery("view_basket"), Delivery::Inbox);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let config = InboxConfig {
            backoff: Duration::from_millis(100),
            backoff_max: Duration::from_secs(1),
            ..InboxConfig::default()
        };
        assert_eq!(config.backoff_for(1), Duration::from_millis(100));
        assert_eq!(config.backoff_for(2), Duration::from_millis(200));
        assert_eq!(config.backoff_for(4), Duration::from_millis(800));
        assert_eq!(config.backoff_for(5), Duration::from_secs(1));
        assert_eq!(config.backoff_for(200), Duration::from_secs(1));
    }

    #[test]
    fn the_default_retry_horizon_is_48_hours() {
        let config = InboxConfig::default();
        assert_eq!(config.retry_horizon(), Duration::from_hours(48));
        // 1 + 2 + … + 2048 s, then hourly: 60 runs fit 48 h, the cap of 100 never bites.
        let capped = InboxConfig {
            max_attempts: 14,
            ..InboxConfig::default()
        };
        assert_eq!(capped.retry_horizon(), Duration::from_secs(4095 + 3600));
        assert!(config.check_lease("lease", Duration::from_mins(5)).is_ok());
    }

    #[test]
    fn a_lease_that_outlives_the_retry_horizon_is_refused() {
        // The landed defaults that lost an order: 8 runs (about 291 s of backoff at 1 s
        // doubling, 10 min cap) against an app's 300 s claim lease.
        let short = InboxConfig {
            max_attempts: 8,
            backoff_max: Duration::from_mins(10),
            ..InboxConfig::default()
        };
        assert_eq!(short.retry_horizon(), Duration::from_secs(127));
        let error = short
            .check_lease("SHOPORAMA_EFFECTS_LEASE_MS", Duration::from_mins(5))
            .unwrap_err()
            .to_string();
        assert!(error.contains("SHOPORAMA_EFFECTS_LEASE_MS"), "{error}");
        assert!(
            error.contains("outlives the inbox's retry horizon"),
            "{error}"
        );
        let config =
            InboxConfig::from_lookup(env(&[("SHOPORAMA_INBOX_RETRY_FOR_MS", "60000")])).unwrap();
        assert_eq!(config.retry_horizon(), Duration::from_mins(1));
        assert!(
            config
                .check_lease("lease", Duration::from_secs(16))
                .is_err()
        );
        assert!(config.check_lease("lease", Duration::from_secs(15)).is_ok());
    }

    #[test]
    fn reads_the_environment_and_names_bad_variables() {
        let config = InboxConfig::from_lookup(env(&[
            ("SHOPORAMA_INBOX", "all"),
            ("SHOPORAMA_INBOX_ROUTES", "paid=inline, stock = inbox"),
            ("SHOPORAMA_INBOX_WORKERS", "2"),
            ("SHOPORAMA_INBOX_ORDERED", "true"),
            ("SHOPORAMA_INBOX_DEDUP_WINDOW_MS", "0"),
        ]))
        .unwrap();
        assert_eq!(config.delivery("paid"), Delivery::Inline);
        assert_eq!(config.delivery("add_to_basket"), Delivery::Inbox);
        assert_eq!(config.workers, 2);
        assert!(config.per_shop_ordering);
        assert!(config.dedup_window.is_zero());
        assert!(
            !InboxConfig::from_lookup(env(&[("SHOPORAMA_INBOX", "off")]))
                .unwrap()
                .uses_inbox()
        );
        let error = InboxConfig::from_lookup(env(&[("SHOPORAMA_INBOX", "sometimes")])).unwrap_err();
        assert!(
            error.to_string().starts_with("SHOPORAMA_INBOX is invalid"),
            "{error}"
        );
        let error =
            InboxConfig::from_lookup(env(&[("SHOPORAMA_INBOX_ROUTES", "paid")])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("SHOPORAMA_INBOX_ROUTES is invalid"),
            "{error}"
        );
        let error =
            InboxConfig::from_lookup(env(&[("SHOPORAMA_INBOX_MAX_ATTEMPTS", "0")])).unwrap_err();
        assert!(error.to_string().contains("max attempts"), "{error}");
    }
}
