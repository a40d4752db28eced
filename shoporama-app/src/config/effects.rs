//! [`EffectsConfig`]: how long an effect's claim lasts and how long a duplicate waits.

use std::time::Duration;

use super::ConfigError;

/// The keyed effects' settings: part of [`Config`](crate::Config) as `config.effects`.
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `SHOPORAMA_EFFECTS_LEASE_MS` | `30000` | how long a claim lasts unless renewed (renewed every third of it while the effect runs; a crashed process's effect is taken over after this) |
/// | `SHOPORAMA_EFFECTS_WAIT_MS` | `20000` | how long a call waits for the same effect running elsewhere before it returns [`EffectError::Busy`](crate::effects::EffectError::Busy); 0 returns at once |
/// | `SHOPORAMA_EFFECTS_POLL_MS` | `50` | the first pause between looks at a running effect while waiting; doubled per look, at most 1 s |
///
/// Keep the lease well inside the time after which the caller is retried (the inbox's
/// backoff, Shoporama's own retries): a retry that comes while a crashed attempt's lease
/// still holds waits for it, up to [`wait`](Self::wait). Keep the wait below the handler
/// time-out ([`Config::handler_timeout`](crate::Config::handler_timeout), 30 s): a handler
/// that waits in vain then answers 503 with `Retry-After` rather than timing out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectsConfig {
    /// How long a claim lasts unless renewed.
    pub lease: Duration,
    /// How long a call waits for the same effect running elsewhere.
    pub wait: Duration,
    /// The first pause between looks at a running effect (doubled per look, at most 1 s).
    pub poll: Duration,
}

/// The shortest lease accepted: renewals come every third of it.
const MIN_LEASE: Duration = Duration::from_millis(30);
/// The longest pause between two looks at a running effect.
pub(crate) const MAX_POLL: Duration = Duration::from_secs(1);

impl Default for EffectsConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            wait: Duration::from_secs(20),
            poll: Duration::from_millis(50),
        }
    }
}

impl EffectsConfig {
    /// How long a claim lasts unless renewed: a crashed attempt's effect is taken over this
    /// long after its last renewal.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// With this lease.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// With this wait for an effect running elsewhere.
    #[must_use]
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// With this first pause between looks at a running effect.
    #[must_use]
    pub fn with_poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Reads the `SHOPORAMA_EFFECTS_*` variables through `get` (trimmed, empty = unset), on
    /// top of [`EffectsConfig::default`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        for (variable, duration) in [
            ("SHOPORAMA_EFFECTS_LEASE_MS", &mut config.lease),
            ("SHOPORAMA_EFFECTS_WAIT_MS", &mut config.wait),
            ("SHOPORAMA_EFFECTS_POLL_MS", &mut config.poll),
        ] {
            if let Some(value) = get(variable) {
                let ms = value.parse::<u64>().map_err(|error| ConfigError::Invalid {
                    variable,
                    reason: format!("`{value}`: {error}"),
                })?;
                *duration = Duration::from_millis(ms);
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Refuses settings effects cannot run with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.lease < MIN_LEASE {
            return Err(ConfigError::Invalid {
                variable: "effects lease",
                reason: format!("must be at least {} ms", MIN_LEASE.as_millis()),
            });
        }
        if self.poll.is_zero() {
            return Err(ConfigError::Invalid {
                variable: "effects poll interval",
                reason: "must be above zero".to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::env;

    #[test]
    fn defaults_and_the_environment() {
        let config = EffectsConfig::from_lookup(env(&[])).unwrap_or_default();
        assert_eq!(config, EffectsConfig::default());
        assert_eq!(config.lease(), Duration::from_secs(30));
        assert_eq!(config.wait, Duration::from_secs(20));
        let config = EffectsConfig::from_lookup(env(&[
            ("SHOPORAMA_EFFECTS_LEASE_MS", "300"),
            ("SHOPORAMA_EFFECTS_WAIT_MS", "0"),
            ("SHOPORAMA_EFFECTS_POLL_MS", "5"),
        ]));
        assert_eq!(
            config.ok(),
            Some(EffectsConfig {
                lease: Duration::from_millis(300),
                wait: Duration::ZERO,
                poll: Duration::from_millis(5),
            })
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = EffectsConfig::from_lookup(env(&[("SHOPORAMA_EFFECTS_LEASE_MS", "soon")]))
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("SHOPORAMA_EFFECTS_LEASE_MS is invalid: `soon`"),
            "{error}"
        );
        let error = EffectsConfig::from_lookup(env(&[("SHOPORAMA_EFFECTS_LEASE_MS", "1")]))
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("effects lease"), "{error}");
        assert!(EffectsConfig::from_lookup(env(&[("SHOPORAMA_EFFECTS_POLL_MS", "0")])).is_err());
    }
}
