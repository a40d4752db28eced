//! [`StoreError`]: what went wrong talking to the install store.

use std::error::Error as StdError;
use std::fmt;

/// A boxed error from a store backend, already free of secrets.
type Source = Box<dyn StdError + Send + Sync + 'static>;

/// An install store operation failed.
///
/// Every message says which operation or row failed. Messages never contain an app token or a
/// database password: URLs are shown with their password masked, database errors are reduced
/// to their message (a PostgreSQL error's `DETAIL`, which can quote a whole row, is dropped),
/// and corrupt values are described, not printed.
///
/// Authors implementing [`InstallStore`](super::InstallStore) for their own database build
/// these variants directly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL has an unknown scheme or names a backend this build does not include.
    #[error("install store URL `{url}` is not supported: {reason}")]
    UnsupportedUrl {
        /// The URL, password masked.
        url: String,
        /// Why, and what is supported.
        reason: String,
    },
    /// The database could not be opened or reached.
    #[error("could not connect to the install store at `{url}`: {source}")]
    Connect {
        /// The URL, password masked.
        url: String,
        /// The cause.
        #[source]
        source: Source,
    },
    /// The schema could not be created or upgraded, or is not at the version this build needs.
    #[error("could not migrate the install store at `{url}`: {source}")]
    Migrate {
        /// The URL, password masked.
        url: String,
        /// The cause.
        #[source]
        source: Source,
    },
    /// A query failed (connection lost, pool exhausted, constraint, …).
    #[error("install store operation `{operation}`{} failed: {source}", for_shop(*.webshop_id))]
    Query {
        /// The store operation, e.g. `upsert_installation`.
        operation: &'static str,
        /// The shop concerned, if the operation is about one shop.
        webshop_id: Option<u64>,
        /// The cause.
        #[source]
        source: Source,
    },
    /// A stored row cannot be read back: a value is missing, of the wrong type, or not valid
    /// JSON. The row is left alone; fix or delete it by hand.
    #[error("corrupt row in `{table}`{}: column `{column}` {reason}", for_shop(*.webshop_id))]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's shop, if its id could be read.
        webshop_id: Option<u64>,
        /// The unreadable column.
        column: &'static str,
        /// What is wrong with it (never the value itself).
        reason: String,
    },
    /// A number is too large for the store's signed 64-bit columns; nothing was written.
    #[error("webshop {webshop_id}: {field} = {value} is larger than the store can keep ({max})")]
    OutOfRange {
        /// The shop concerned.
        webshop_id: u64,
        /// The number's name, e.g. `daily_limit`.
        field: &'static str,
        /// The value refused.
        value: u64,
        /// The largest value the store keeps.
        max: u64,
    },
}

impl StoreError {
    /// A [`StoreError::Query`] for a failed operation. `source`'s message must not contain
    /// a token.
    pub fn query(
        operation: &'static str,
        webshop_id: Option<u64>,
        source: impl Into<Source>,
    ) -> Self {
        Self::Query {
            operation,
            webshop_id,
            source: source.into(),
        }
    }

    /// A [`StoreError::Corrupt`] for an unreadable column.
    pub fn corrupt(
        table: &'static str,
        webshop_id: Option<u64>,
        column: &'static str,
        reason: impl fmt::Display,
    ) -> Self {
        Self::Corrupt {
            table,
            webshop_id,
            column,
            reason: reason.to_string(),
        }
    }
}

/// The message of `error` and its causes, as the source of a [`StoreError`] (or of the
/// inbox's errors).
///
/// Only `Display` texts are kept: a database error's `Display` is its message, while its
/// `Debug` would also carry fields such as PostgreSQL's `DETAIL`, which can quote a whole row
/// (token included) when a constraint fails.
pub(crate) fn describe(error: &dyn StdError) -> Source {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text.into()
}

fn for_shop(webshop_id: Option<u64>) -> String {
    webshop_id
        .map(|id| format!(" for webshop {id}"))
        .unwrap_or_default()
}

/// `url` with the password of its user-info part and any `password=` query parameter
/// replaced by `***`, for error messages and logs.
pub fn mask_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return mask_query_password(url);
    };
    let rest = &url[scheme_end..];
    // The user info ends at the last `@` before the query. A password with an unescaped `/`
    // is not valid, but must not leak either, so `/` is not treated as the end here.
    let before_query = rest.find(['?', '#']).unwrap_or(rest.len());
    let masked = match rest[..before_query].rfind('@') {
        Some(at) => match rest[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    mask_query_password(&masked)
}

/// Masks the value of every `password=` parameter in the query string of `url`.
fn mask_query_password(url: &str) -> String {
    let Some(query_start) = url.find('?') else {
        return url.to_owned();
    };
    let (head, query) = url.split_at(query_start + 1);
    let (query, fragment) = match query.find('#') {
        Some(hash) => query.split_at(hash),
        None => (query, ""),
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}{}{fragment}", masked.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_info_password() {
        assert_eq!(
            mask_url("postgres://app:s3cr:et@db.internal:5432/shop?sslmode=require"),
            "postgres://app:***@db.internal:5432/shop?sslmode=require"
        );
        assert_eq!(
            mask_url("postgresql://app:p%40ss@db/x"),
            "postgresql://app:***@db/x"
        );
        assert_eq!(
            mask_url("postgres://a:b@c@host/db"),
            "postgres://a:***@host/db"
        );
        assert_eq!(
            mask_url("postgres://a:b/c@host/db"),
            "postgres://a:***@host/db"
        );
    }

    #[test]
    fn masks_password_parameter() {
        assert_eq!(
            mask_url("postgres://db/x?user=app&PASSWORD=hunter2&sslmode=disable#frag"),
            "postgres://db/x?user=app&PASSWORD=***&sslmode=disable#frag"
        );
    }

    #[test]
    fn leaves_urls_without_secrets_alone() {
        for url in [
            "postgres://app@db/x",
            "postgres://db:5432/x",
            "sqlite://data/app.db",
            "sqlite::memory:",
            "memory://",
            "sqlite:///var/lib/app/shops.db?mode=rwc",
        ] {
            assert_eq!(mask_url(url), url);
        }
    }

    #[test]
    fn describe_keeps_causes_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = sqlx::Error::Io(io);
        let text = describe(&error).to_string();
        assert_eq!(text.matches("refused").count(), 1, "{text}");
    }

    #[test]
    fn messages_name_the_operation_and_shop() {
        let err = StoreError::query("uninstall", Some(42), "connection reset");
        assert_eq!(
            err.to_string(),
            "install store operation `uninstall` for webshop 42 failed: connection reset"
        );
        let err = StoreError::corrupt("shoporama_installations", None, "webshop_id", "is negative");
        assert_eq!(
            err.to_string(),
            "corrupt row in `shoporama_installations`: column `webshop_id` is negative"
        );
    }
}
