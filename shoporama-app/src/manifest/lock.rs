//! The upgrade lock: what the installed shops rely on, written once the app is live
//! (`<app> manifest --lock` writes `shoporama-app.lock.json`), and checked against every later
//! manifest (`<app> manifest --check`, or [`check_lock`] from a build script), so a change that
//! would break installed shops fails before it ships.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Access, AppManifest};

/// The lock file's name, in the app's crate directory.
pub const LOCK_FILE: &str = "shoporama-app.lock.json";

/// The lock file: the manifest the installed shops were set up with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestLock {
    /// The format of this file.
    pub lock_version: u32,
    /// The locked manifest.
    pub manifest: AppManifest,
}

impl ManifestLock {
    /// The lock of `manifest`.
    pub fn new(manifest: &AppManifest) -> Self {
        Self {
            lock_version: 1,
            manifest: manifest.clone(),
        }
    }

    /// Reads a lock file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, LockError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LockError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| LockError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the lock file (pretty JSON).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), LockError> {
        let path = path.as_ref();
        // Serialising plain data cannot fail.
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        std::fs::write(path, text).map_err(|source| LockError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

/// A change from the locked manifest that would break shops that installed the app.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakingChange {
    /// A field is gone, or its variable name changed without `rename_from`.
    FieldRemoved {
        /// The locked variable name.
        name: String,
    },
    /// A field's kind changed.
    KindChanged {
        /// The variable name.
        name: String,
        /// The locked kind.
        from: String,
        /// The kind now.
        to: String,
    },
    /// A list option that the locked default uses is gone.
    OptionRemoved {
        /// The field's variable name.
        field: String,
        /// The option's key.
        key: String,
    },
    /// The monthly price went up.
    PriceRaised {
        /// The locked price.
        from: u64,
        /// The price now.
        to: u64,
    },
    /// The REST token asks for rights it did not have.
    AccessWidened {
        /// The locked access.
        from: Access,
        /// The access now.
        to: Access,
    },
    /// An event or webhook is no longer subscribed.
    SubscriptionDropped {
        /// `event` or `webhook`.
        what: &'static str,
        /// Its name.
        name: String,
    },
}

impl fmt::Display for BreakingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldRemoved { name } => write!(
                f,
                "field `{name}` was removed or renamed: installed shops keep their value under `{name}`; keep the field, or add `#[field(rename_from = \"{name}\")]` to the field that replaces it"
            ),
            Self::KindChanged { name, from, to } => write!(
                f,
                "field `{name}` changed from {from} to {to}: the values installed shops saved are {from} values"
            ),
            Self::OptionRemoved { field, key } => write!(
                f,
                "list option `{key}` of field `{field}` was removed, but the locked default is `{key}`: shops that kept the default would hold an unknown option"
            ),
            Self::PriceRaised { from, to } => write!(
                f,
                "the monthly price went up from {from} to {to} DKK: once an app is live Shoporama only lets the price go down"
            ),
            Self::AccessWidened { from, to } => write!(
                f,
                "access widened from `{from}` to `{to}`: the tokens of installed shops were created with `{from}` rights"
            ),
            Self::SubscriptionDropped { what, name } => write!(
                f,
                "the {what} `{name}` is no longer subscribed: installed shops were set up to send it"
            ),
        }
    }
}

/// The rights of an access level: (read, write).
fn rights(access: Access) -> (bool, bool) {
    match access {
        Access::Read => (true, false),
        Access::Write => (false, true),
        Access::All => (true, true),
    }
}

impl AppManifest {
    /// Every change from `locked` that would break shops that installed the app, in the
    /// form's order: fields removed (or renamed without `rename_from`), kinds changed, list
    /// options removed that the locked default uses, the price raised, access widened,
    /// subscriptions dropped. Empty when the upgrade is safe.
    pub fn breaking_changes(&self, locked: &AppManifest) -> Vec<BreakingChange> {
        let mut changes = Vec::new();
        for old in &locked.fields {
            let current = self.field(&old.name).or_else(|| {
                self.fields
                    .iter()
                    .find(|f| f.rename_from.contains(&old.name))
            });
            let Some(current) = current else {
                changes.push(BreakingChange::FieldRemoved {
                    name: old.name.clone(),
                });
                continue;
            };
            if current.kind != old.kind {
                changes.push(BreakingChange::KindChanged {
                    name: current.name.clone(),
                    from: old.kind.to_string(),
                    to: current.kind.to_string(),
                });
                continue;
            }
            if let (Some(key), Some(options)) = (old.default.as_str(), &current.options)
                && old.options.is_some()
                && !options.iter().any(|o| o.key == key)
            {
                changes.push(BreakingChange::OptionRemoved {
                    field: current.name.clone(),
                    key: key.to_owned(),
                });
            }
        }
        if self.monthly_price > locked.monthly_price {
            changes.push(BreakingChange::PriceRaised {
                from: locked.monthly_price,
                to: self.monthly_price,
            });
        }
        let ((read_before, write_before), (read_now, write_now)) =
            (rights(locked.access), rights(self.access));
        if (read_now && !read_before) || (write_now && !write_before) {
            changes.push(BreakingChange::AccessWidened {
                from: locked.access,
                to: self.access,
            });
        }
        for event in locked.events.iter().filter(|e| !self.events.contains(e)) {
            changes.push(BreakingChange::SubscriptionDropped {
                what: "event",
                name: event.as_str().to_owned(),
            });
        }
        for webhook in locked
            .webhooks
            .iter()
            .filter(|w| !self.webhooks.contains(w))
        {
            changes.push(BreakingChange::SubscriptionDropped {
                what: "webhook",
                name: webhook.as_str().to_owned(),
            });
        }
        changes
    }
}

/// What went wrong with a lock file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The lock file could not be read (it may not exist yet: `<app> manifest --lock`).
    #[error("cannot read {}: {source} (write it with `<app> manifest --lock` once the app is live)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The lock file is not a lock.
    #[error("{} is not a shoporama-app lock file: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The lock file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The manifest breaks what installed shops rely on.
    #[error("the manifest breaks shops that installed the app ({}):\n{}", path.display(), changes.iter().map(|c| format!("- {c}")).collect::<Vec<_>>().join("\n"))]
    Breaking {
        /// The lock file checked against.
        path: PathBuf,
        /// Each breaking change.
        changes: Vec<BreakingChange>,
    },
}

/// Checks `manifest` against the lock file at `path`: what `<app> manifest --check` runs,
/// callable from a build script (`build.rs`) to fail the build on a breaking change.
///
/// ```
/// use shoporama_app::manifest::{ManifestLock, check_lock};
/// use shoporama_app::prelude::*;
///
/// #[shoporama_app(name = "Greeter", access = read)]
/// pub struct Settings {
///     #[field(default = "Hej")]
///     greeting: String,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// # let lock_file = dir.path().join("shoporama-app.lock.json");
/// // What `<app> manifest --lock` writes when the app goes live …
/// ManifestLock::new(&Settings::manifest()).write(&lock_file)?;
/// // … and what a build script (`build.rs`) of the next version checks:
/// if let Err(error) = check_lock(&Settings::manifest(), &lock_file) {
///     panic!("{error}");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_lock(manifest: &AppManifest, path: impl AsRef<Path>) -> Result<(), LockError> {
    let path = path.as_ref();
    let lock = ManifestLock::read(path)?;
    let changes = manifest.breaking_changes(&lock.manifest);
    if changes.is_empty() {
        Ok(())
    } else {
        Err(LockError::Breaking {
            path: path.to_owned(),
            changes,
        })
    }
}
