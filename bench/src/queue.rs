//! How many recorded webhooks a target still has to handle, and how many it handled: the
//! pixel's `shoporama_inbox` table (SQLite or PostgreSQL), the peer's `webhooks` table.
//! Read from the benchmark's own connection while the target runs.

use std::str::FromStr as _;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// Whose table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// The framework's inbox: `shoporama_inbox`, jobs `pending`/`running`/`done`/`dead`.
    Inbox,
    /// The Express peer's `webhooks`, done when `done_at` is set.
    Peer,
}

/// The jobs in a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Still to handle (`pending` or `running`; the peer: not done).
    pub queued: u64,
    /// Handled.
    pub done: u64,
    /// Given up on (the inbox's dead letters).
    pub dead: u64,
}

/// A connection to a target's database.
pub struct Queue {
    table: Table,
    pool: Pool,
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Queue {
    /// Connects to `url` (`sqlite://…` or `postgres://…`); the database must exist.
    pub async fn open(table: Table, url: &str) -> Self {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .unwrap_or_else(|e| panic!("bad SQLite URL {url}: {e}"))
                .create_if_missing(false)
                .busy_timeout(Duration::from_secs(10));
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .unwrap_or_else(|e| panic!("cannot open {url}: {e}")),
            )
        } else {
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL: {e}")),
            )
        };
        Self { table, pool }
    }

    /// The counts now.
    pub async fn counts(&self) -> Result<Counts, sqlx::Error> {
        let rows: Vec<(String, i64)> = match self.table {
            Table::Inbox => {
                let sql = "SELECT state, COUNT(*) FROM shoporama_inbox GROUP BY state";
                match &self.pool {
                    Pool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
                    Pool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
                }
            }
            Table::Peer => {
                let sql = "SELECT CASE WHEN done_at IS NULL THEN 'pending' ELSE 'done' END AS state, \
                           COUNT(*) FROM webhooks GROUP BY 1";
                match &self.pool {
                    Pool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
                    Pool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
                }
            }
        };
        let mut counts = Counts::default();
        for (state, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match state.as_str() {
                "pending" | "running" => counts.queued += n,
                "done" => counts.done += n,
                "dead" => counts.dead += n,
                other => panic!("unknown job state `{other}`"),
            }
        }
        Ok(counts)
    }

    /// Polls every `poll` until nothing is queued or `timeout` passed: how long it took and
    /// the last counts.
    pub async fn drain(&self, timeout: Duration, poll: Duration) -> (Duration, Counts) {
        let started = Instant::now();
        loop {
            let counts = self
                .counts()
                .await
                .unwrap_or_else(|e| panic!("reading the queue failed: {e}"));
            if counts.queued == 0 || started.elapsed() >= timeout {
                return (started.elapsed(), counts);
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Closes the connection.
    pub async fn close(self) {
        match self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}
