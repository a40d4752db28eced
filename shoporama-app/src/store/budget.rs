//! The REST budget ledger (`migrations/*/0005_budget.sql`): one row per shop token, shared by
//! every process of the app through its SQL database.
//!
//! The store only keeps the numbers and changes them atomically: [`Database::ledger_change`]
//! locks a token's row, hands it to a closure that decides (the rules are
//! `rest::Budget`'s), and writes back what the closure left. The same
//! three statements run on both databases: SQLite's `BEGIN IMMEDIATE` (see
//! [`Database::begin`]) and PostgreSQL's row lock on the no-op `UPDATE … RETURNING` make each
//! change wait for the previous one.

use chrono::{DateTime, NaiveDate, Utc};

/// One row of the budget ledger: a shop token's count for one budget day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The shop the token belongs to.
    pub webshop_id: u64,
    /// The budget day the counts belong to.
    pub day: NaiveDate,
    /// The token's daily limit.
    pub daily_limit: u64,
    /// Calls sent and finished on `day`.
    pub spent: u64,
    /// Calls taken by a process and not finished yet.
    pub reserved: u64,
    /// The earliest time the next paced call may go.
    pub paced_until: DateTime<Utc>,
}

impl LedgerEntry {
    /// Calls left on `day`: the limit less what is spent and reserved.
    pub fn left(&self) -> u64 {
        self.daily_limit
            .saturating_sub(self.spent)
            .saturating_sub(self.reserved)
    }
}

/// The SQL of the ledger, on whichever backend the app's database is.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql {
    use chrono::{DateTime, NaiveDate, Utc};

    use super::LedgerEntry;
    use crate::store::columns::{BadColumn, Columns, column, unsigned};
    use crate::store::{Database, StoreError, describe, with_database};

    /// The ledger's table.
    const TABLE: &str = "shoporama_budget";

    /// The columns of a ledger row, as [`decode_entry`] reads them.
    macro_rules! ledger_columns {
        () => {
            "webshop_id, day, daily_limit, spent, reserved, paced_until_micros"
        };
    }

    /// Adds the token's row unless it exists. `$1`: key, `$2`–`$7`: as [`WRITE`], `$8`: now.
    const INSERT: &str = "INSERT INTO shoporama_budget (token_key, webshop_id, day, daily_limit, \
         spent, reserved, paced_until_micros, updated_at_micros) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (token_key) DO NOTHING";

    /// Locks the token's row (a no-op update) and reads it. `$1`: key.
    const LOCK: &str = concat!(
        "UPDATE shoporama_budget SET updated_at_micros = updated_at_micros WHERE token_key = $1 \
         RETURNING ",
        ledger_columns!()
    );

    /// Writes the row back. `$1`: key, `$2`: webshop id, `$3`: day, `$4`: limit, `$5`: spent,
    /// `$6`: reserved, `$7`: paced until, `$8`: now.
    const WRITE: &str = "UPDATE shoporama_budget SET webshop_id = $2, day = $3, daily_limit = $4, \
         spent = $5, reserved = $6, paced_until_micros = $7, updated_at_micros = $8 \
         WHERE token_key = $1";

    /// The shop's rows, most recently used first. `$1`: webshop id.
    const OF_SHOP: &str = concat!(
        "SELECT ",
        ledger_columns!(),
        " FROM shoporama_budget WHERE webshop_id = $1 ORDER BY updated_at_micros DESC"
    );

    /// Why a ledger change failed inside its transaction.
    enum Fail {
        Sql(sqlx::Error),
        Corrupt(BadColumn),
        Range(&'static str, u64),
    }

    impl From<sqlx::Error> for Fail {
        fn from(error: sqlx::Error) -> Self {
            Self::Sql(error)
        }
    }

    impl Fail {
        fn into_store(self, operation: &'static str, webshop_id: u64) -> StoreError {
            match self {
                Self::Sql(error) => {
                    StoreError::query(operation, Some(webshop_id), describe(&error))
                }
                Self::Corrupt(bad) => {
                    StoreError::corrupt(TABLE, Some(webshop_id), bad.column, bad.reason)
                }
                Self::Range(field, value) => StoreError::OutOfRange {
                    webshop_id,
                    field,
                    value,
                    max: crate::store::MAX_STORABLE,
                },
            }
        }
    }

    /// A number as its signed column; the store's limit is [`MAX_STORABLE`](crate::store::MAX_STORABLE).
    fn signed(field: &'static str, value: u64) -> Result<i64, Fail> {
        i64::try_from(value).map_err(|_| Fail::Range(field, value))
    }

    /// The values of `entry` as `$2`–`$7` of [`INSERT`] and [`WRITE`].
    struct Encoded {
        webshop_id: i64,
        day: String,
        daily_limit: i64,
        spent: i64,
        reserved: i64,
        paced_until: i64,
    }

    impl Encoded {
        fn new(entry: &LedgerEntry) -> Result<Self, Fail> {
            Ok(Self {
                webshop_id: signed("webshop_id", entry.webshop_id)?,
                day: entry.day.format("%Y-%m-%d").to_string(),
                // An unlimited budget (u64::MAX) is kept as the largest number the column holds.
                daily_limit: i64::try_from(entry.daily_limit).unwrap_or(i64::MAX),
                spent: signed("spent", entry.spent)?,
                reserved: signed("reserved", entry.reserved)?,
                paced_until: entry.paced_until.timestamp_micros(),
            })
        }
    }

    /// `sqlx::query($sql)` with the key as `$1` and `$encoded` as `$2`–`$7`, `$now` as `$8`.
    macro_rules! bind_entry {
        ($sql:expr, $key:expr, $encoded:expr, $now:expr) => {
            sqlx::query($sql)
                .bind($key)
                .bind($encoded.webshop_id)
                .bind($encoded.day.as_str())
                .bind($encoded.daily_limit)
                .bind($encoded.spent)
                .bind($encoded.reserved)
                .bind($encoded.paced_until)
                .bind($now)
        };
    }

    /// Decodes a row of [`ledger_columns!`].
    fn decode_entry(row: &impl Columns) -> Result<LedgerEntry, BadColumn> {
        let day: String = column(row, "day")?;
        let micros: i64 = column(row, "paced_until_micros")?;
        Ok(LedgerEntry {
            webshop_id: unsigned(row, "webshop_id")?,
            day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|_| BadColumn::new("day", "is not a YYYY-MM-DD date"))?,
            daily_limit: unsigned(row, "daily_limit")?,
            spent: unsigned(row, "spent")?,
            reserved: unsigned(row, "reserved")?,
            paced_until: DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| BadColumn::new("paced_until_micros", "is out of range"))?,
        })
    }

    impl Database {
        /// Changes the ledger row of the token whose key is `key` atomically, across processes:
        /// creates it as `fresh` if missing, locks it, lets `change` decide on it (and return
        /// what the caller needs), and writes back what `change` left. Concurrent changes of one
        /// key run one after the other, each seeing what the previous one wrote.
        ///
        /// The change runs in a task of its own: a caller that is dropped cannot cut the
        /// transaction off half way.
        pub async fn ledger_change<R, F>(
            &self,
            key: &str,
            fresh: LedgerEntry,
            change: F,
        ) -> Result<R, StoreError>
        where
            R: Send + 'static,
            F: FnOnce(&mut LedgerEntry) -> R + Send + 'static,
        {
            let webshop_id = fresh.webshop_id;
            let key = key.to_owned();
            let result = self
                .transaction(move |tx| {
                    Box::pin(async move {
                        let now = Utc::now().timestamp_micros();
                        let initial = Encoded::new(&fresh)?;
                        let row = crate::with_backend!(&mut *tx, |conn| {
                            bind_entry!(INSERT, key.as_str(), initial, now)
                                .execute(&mut *conn)
                                .await?;
                            let row = sqlx::query(LOCK)
                                .bind(key.as_str())
                                .fetch_one(&mut *conn)
                                .await?;
                            decode_entry(&row).map_err(Fail::Corrupt)?
                        });
                        let mut entry = row;
                        let answer = change(&mut entry);
                        let encoded = Encoded::new(&entry)?;
                        crate::with_backend!(&mut *tx, |conn| {
                            bind_entry!(WRITE, key.as_str(), encoded, now)
                                .execute(&mut *conn)
                                .await?;
                        });
                        Ok::<R, Fail>(answer)
                    })
                })
                .await;
            result.map_err(|fail| fail.into_store("budget ledger", webshop_id))
        }

        /// The ledger rows of shop `webshop_id` (one per token it had), most recently used first.
        pub async fn ledger_entries(
            &self,
            webshop_id: u64,
        ) -> Result<Vec<LedgerEntry>, StoreError> {
            let fail = |error: sqlx::Error| {
                StoreError::query("budget ledger", Some(webshop_id), describe(&error))
            };
            let id = i64::try_from(webshop_id).map_err(|_| StoreError::OutOfRange {
                webshop_id,
                field: "webshop_id",
                value: webshop_id,
                max: crate::store::MAX_STORABLE,
            })?;
            with_database!(self, |pool| {
                let rows = sqlx::query(OF_SHOP)
                    .bind(id)
                    .fetch_all(pool)
                    .await
                    .map_err(fail)?;
                rows.iter()
                    .map(|row| {
                        decode_entry(row).map_err(|bad| {
                            StoreError::corrupt(TABLE, Some(webshop_id), bad.column, bad.reason)
                        })
                    })
                    .collect()
            })
        }
    }
}
