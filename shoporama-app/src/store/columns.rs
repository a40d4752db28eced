//! Reading a stored row of either backend, column by column, into the types the framework's
//! tables use; a column that cannot be read is a [`BadColumn`] (which one and why, never its
//! value). The installations, the inbox, the effects and the budget ledger decode their rows
//! through [`Columns`], so a decoder is written once for SQLite and PostgreSQL.

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{StoreError, describe};

/// A column of a stored row that cannot be read back: which one, and why (never its value).
#[derive(Debug)]
pub(crate) struct BadColumn {
    pub(crate) column: &'static str,
    pub(crate) reason: String,
}

impl BadColumn {
    pub(crate) fn new(column: &'static str, reason: impl fmt::Display) -> Self {
        Self {
            column,
            reason: reason.to_string(),
        }
    }

    /// The [`StoreError::Corrupt`] of this column in a row of `table`.
    pub(crate) fn in_table(self, table: &'static str, webshop_id: Option<u64>) -> StoreError {
        StoreError::corrupt(table, webshop_id, self.column, self.reason)
    }
}

/// A row whose columns read as `T`: every sqlx row, for every `T` its backend decodes.
pub(crate) trait Column<T> {
    /// Column `name` as a `T`.
    fn read(&self, name: &'static str) -> Result<T, BadColumn>;
}

impl<R, T> Column<T> for R
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    fn read(&self, name: &'static str) -> Result<T, BadColumn> {
        self.try_get(name)
            .map_err(|error| BadColumn::new(name, describe(&error)))
    }
}

/// A row of either backend, with the column types the framework's tables use: integers,
/// text and booleans, each possibly `NULL`.
pub(crate) trait Columns:
    Column<i64> + Column<Option<i64>> + Column<String> + Column<Option<String>> + Column<bool>
{
}

impl<R> Columns for R where
    R: Column<i64> + Column<Option<i64>> + Column<String> + Column<Option<String>> + Column<bool>
{
}

/// Reads column `name` of `row` as a `T` (inferred from where it goes).
pub(crate) fn column<T>(row: &impl Column<T>, name: &'static str) -> Result<T, BadColumn> {
    row.read(name)
}

/// Reads a non-negative number column.
pub(crate) fn unsigned(row: &impl Columns, name: &'static str) -> Result<u64, BadColumn> {
    let value: i64 = column(row, name)?;
    u64::try_from(value).map_err(|_| BadColumn::new(name, "is negative"))
}

/// Reads a timestamp column (unix time in microseconds).
pub(crate) fn timestamp(
    row: &impl Columns,
    name: &'static str,
) -> Result<DateTime<Utc>, BadColumn> {
    from_micros(column(row, name)?, name)
}

/// Reads a nullable timestamp column (unix time in microseconds).
pub(crate) fn optional_timestamp(
    row: &impl Columns,
    name: &'static str,
) -> Result<Option<DateTime<Utc>>, BadColumn> {
    column::<Option<i64>>(row, name)?
        .map(|micros| from_micros(micros, name))
        .transpose()
}

fn from_micros(micros: i64, name: &'static str) -> Result<DateTime<Utc>, BadColumn> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| BadColumn::new(name, "is outside the range of dates"))
}
