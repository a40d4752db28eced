//! The order→invoice table: one row per `(webshop_id, order_id)`, the app's memory of what it
//! sent to e-conomic, and the lock that makes each order's transfer happen once.
//!
//! # Exactly once
//!
//! A sync first **claims** its order with one atomic statement (an `INSERT … ON CONFLICT DO
//! UPDATE … WHERE … RETURNING`): it gets the row when there is none, when the last attempt
//! failed, or when the last claim's lease ran out (its sync crashed or was cut off). Any other
//! delivery of the same order finds the row `ok` (nothing to do) or claimed (busy). Every
//! later write names the claim's token, so a sync whose lease was taken over can no longer
//! record anything; and before each e-conomic write the sync renews its lease, which fails
//! once it has been taken over. What the table cannot know (e-conomic created the invoice but
//! the answer, or the process, was lost) the sync finds by the invoice's `references.other`
//! before creating anything.
//!
//! The `state` column is what Shoporama's own app shows as the order labels
//! `e-conomic-ok`, `e-conomic-pending` and `e-conomic-failed`.
//!
//! The table lives in SQLite: by default the framework's own database file (`DATABASE_URL`),
//! in a table of its own, opened with the framework's [`SqliteStore`] (WAL, busy timeout, one
//! kept connection for `:memory:`). `memory://` keeps it in memory (tests).

use std::time::Duration;

use chrono::{DateTime, Utc};
use shoporama_app::store::{SqliteStore, mask_url};
use sqlx::Row as _;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use tokio::sync::OnceCell;

use crate::money::Money;

/// The label of an order transferred to e-conomic.
pub const LABEL_OK: &str = "e-conomic-ok";
/// The label of an order waiting for (or in) its transfer; adding it asks for a retry.
pub const LABEL_PENDING: &str = "e-conomic-pending";
/// The label of an order whose transfer failed.
pub const LABEL_FAILED: &str = "e-conomic-failed";

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS economic_order_invoices (
    webshop_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'ok', 'failed')),
    claim_token TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    reference TEXT,
    customer_number INTEGER,
    draft_invoice_number INTEGER,
    booked_invoice_number INTEGER,
    net_amount INTEGER,
    vat_amount INTEGER,
    gross_amount INTEGER,
    error TEXT,
    transient INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (webshop_id, order_id)
)";
const CREATE_INDEX: &str = "CREATE INDEX IF NOT EXISTS economic_order_invoices_state
    ON economic_order_invoices (webshop_id, state)";

const CLAIM: &str = "INSERT INTO economic_order_invoices
    (webshop_id, order_id, state, claim_token, lease_until, attempts, source, created_at, updated_at)
    VALUES (?1, ?2, 'pending', ?3, ?4, 1, ?5, ?6, ?6)
    ON CONFLICT (webshop_id, order_id) DO UPDATE SET
        state = 'pending', claim_token = excluded.claim_token,
        lease_until = excluded.lease_until, attempts = economic_order_invoices.attempts + 1,
        source = excluded.source, updated_at = excluded.updated_at
    WHERE (?7 AND economic_order_invoices.state = 'failed')
       OR (economic_order_invoices.state = 'pending' AND economic_order_invoices.lease_until <= ?6)
    RETURNING claim_token";
const RENEW: &str = "UPDATE economic_order_invoices SET lease_until = ?4, updated_at = ?5
    WHERE webshop_id = ?1 AND order_id = ?2 AND state = 'pending' AND claim_token = ?3";
const SUCCEED: &str = "UPDATE economic_order_invoices SET
        state = 'ok', claim_token = NULL, lease_until = NULL, reference = ?4,
        customer_number = ?5, draft_invoice_number = ?6, booked_invoice_number = ?7,
        net_amount = ?8, vat_amount = ?9, gross_amount = ?10, error = NULL, transient = 0,
        updated_at = ?11
    WHERE webshop_id = ?1 AND order_id = ?2 AND state = 'pending' AND claim_token = ?3
    RETURNING *";
const FAIL: &str = "UPDATE economic_order_invoices SET
        state = 'failed', claim_token = NULL, lease_until = NULL, error = ?4, transient = ?5,
        reference = COALESCE(?6, reference), draft_invoice_number = COALESCE(?7, draft_invoice_number),
        updated_at = ?8
    WHERE webshop_id = ?1 AND order_id = ?2 AND state = 'pending' AND claim_token = ?3
    RETURNING *";
const SELECT_ONE: &str =
    "SELECT * FROM economic_order_invoices WHERE webshop_id = ?1 AND order_id = ?2";
const SELECT_SHOP: &str = "SELECT * FROM economic_order_invoices
    WHERE webshop_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY order_id";
const SELECT_RETRYABLE: &str = "SELECT order_id FROM economic_order_invoices
    WHERE webshop_id = ?1 AND (state = 'failed' OR (state = 'pending' AND lease_until <= ?2))
    ORDER BY order_id";

/// Where an order's transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Claimed by a sync that is running (or crashed; its lease tells).
    Pending,
    /// The invoice exists in e-conomic and is recorded here.
    Ok,
    /// The last attempt failed; [`InvoiceRecord::error`] says why.
    Failed,
}

impl SyncState {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ok => "ok",
            Self::Failed => "failed",
        }
    }

    /// The order label Shoporama's e-conomic app shows for this state.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => LABEL_PENDING,
            Self::Ok => LABEL_OK,
            Self::Failed => LABEL_FAILED,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "ok" => Some(Self::Ok),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One order's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRecord {
    /// The shop.
    pub webshop_id: u64,
    /// The order (Shoporama's `order_id`).
    pub order_id: u64,
    /// Where the transfer stands.
    pub state: SyncState,
    /// Attempts so far.
    pub attempts: u32,
    /// What started the last attempt (`paid`, `retry`, …).
    pub source: String,
    /// The invoice's `references.other`.
    pub reference: Option<String>,
    /// The e-conomic debtor.
    pub customer_number: Option<u32>,
    /// The draft's number (for an unbooked invoice, or one booking failed for).
    pub draft_invoice_number: Option<u32>,
    /// The booked invoice's number.
    pub booked_invoice_number: Option<u32>,
    /// e-conomic's net amount.
    pub net_amount: Option<Money>,
    /// e-conomic's VAT amount.
    pub vat_amount: Option<Money>,
    /// e-conomic's gross amount.
    pub gross_amount: Option<Money>,
    /// Why the last attempt failed (e-conomic's message, when it answered).
    pub error: Option<String>,
    /// Whether that failure may pass by itself (e-conomic down, rate limited).
    pub transient: bool,
    /// When a running sync's claim expires.
    pub lease_until: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl InvoiceRecord {
    /// The order label for this record.
    pub fn label(&self) -> &'static str {
        self.state.label()
    }
}

/// Proof that a sync holds an order: every write names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The shop.
    pub webshop_id: u64,
    /// The order.
    pub order_id: u64,
    token: String,
}

/// The answer to [`SyncStore::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The caller holds the order until it records a result or the lease runs out.
    Claimed(Claim),
    /// The order is invoiced already.
    Done(InvoiceRecord),
    /// Another sync holds the order.
    Busy(InvoiceRecord),
    /// The order failed and was not to be claimed again.
    Failed(InvoiceRecord),
}

/// What a successful transfer records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Success {
    /// `references.other`.
    pub reference: String,
    /// The debtor.
    pub customer_number: u32,
    /// The draft's number, when the invoice was left as a draft.
    pub draft_invoice_number: Option<u32>,
    /// The booked invoice's number, when booked.
    pub booked_invoice_number: Option<u32>,
    /// Net amount.
    pub net_amount: Money,
    /// VAT.
    pub vat_amount: Money,
    /// Gross amount.
    pub gross_amount: Money,
}

/// What a failed transfer records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Why, in words the shop owner can act on (e-conomic's message included).
    pub message: String,
    /// Whether waiting may fix it.
    pub transient: bool,
    /// The reference, once known.
    pub reference: Option<String>,
    /// A draft created before the failure (booking failed).
    pub draft_invoice_number: Option<u32>,
}

impl Failure {
    /// A failure; `transient` when waiting may fix it.
    pub fn new(message: impl Into<String>, transient: bool) -> Self {
        Self {
            message: message.into(),
            transient,
            reference: None,
            draft_invoice_number: None,
        }
    }

    /// A failure that needs a change (settings, the order) before a retry can succeed.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::new(message, false)
    }

    /// A failure that a later retry may get past.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(message, true)
    }
}

/// Why the table could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no database this store supports.
    #[error(
        "the e-conomic order table needs SQLite (`sqlite://…`) or `memory://`, not `{0}`; set ECONOMIC_DATABASE_URL"
    )]
    Unsupported(String),
    /// The database could not be opened (the error names the URL, password masked).
    #[error("cannot open the e-conomic order table: {0}")]
    Open(#[source] shoporama_app::store::StoreError),
    /// A query failed.
    #[error("the e-conomic order table failed ({operation}): {source}")]
    Query {
        /// What was being done.
        operation: &'static str,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A value does not fit the table (ids beyond `i64`, an unknown state).
    #[error("the e-conomic order table holds an invalid value: {0}")]
    Invalid(String),
}

/// The order→invoice table. Opens its database on first use; cheap to clone.
#[derive(Debug, Clone)]
pub struct SyncStore {
    url: String,
    lease: Duration,
    pool: std::sync::Arc<OnceCell<SqlitePool>>,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn column(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} is too large")))
}

fn query_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { operation, source }
}

impl SyncStore {
    /// A store for `url` (`sqlite://path.db`, `sqlite::memory:` or `memory://`) whose claims
    /// last `lease`. Nothing is opened until the first use.
    pub fn new(url: impl Into<String>, lease: Duration) -> Self {
        Self {
            url: url.into(),
            lease,
            pool: std::sync::Arc::default(),
        }
    }

    /// A store opened now: fails at once on a wrong URL or an unwritable file.
    pub async fn connect(url: impl Into<String>, lease: Duration) -> Result<Self, StoreError> {
        let store = Self::new(url, lease);
        store.pool().await?;
        Ok(store)
    }

    async fn pool(&self) -> Result<&SqlitePool, StoreError> {
        self.pool.get_or_try_init(|| open(&self.url)).await
    }

    fn lease_until(&self) -> i64 {
        let lease = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX / 2);
        now_ms().saturating_add(lease)
    }

    /// Claims the order for a sync started by `source` (see the module docs). A failed order
    /// is claimed again only with `retry_failed`; without it, its record is returned as
    /// [`ClaimOutcome::Failed`] (a delivery that waited for a sync adopts its failure rather
    /// than repeating it at once).
    pub async fn claim(
        &self,
        webshop_id: u64,
        order_id: u64,
        source: &str,
        retry_failed: bool,
    ) -> Result<ClaimOutcome, StoreError> {
        let pool = self.pool().await?;
        let token = format!("{:032x}", rand::random::<u128>());
        let claimed: Option<String> = sqlx::query_scalar(CLAIM)
            .bind(column(webshop_id, "webshop_id")?)
            .bind(column(order_id, "order_id")?)
            .bind(&token)
            .bind(self.lease_until())
            .bind(source)
            .bind(now_ms())
            .bind(retry_failed)
            .fetch_optional(pool)
            .await
            .map_err(query_error("claim"))?;
        if claimed.as_deref() == Some(token.as_str()) {
            return Ok(ClaimOutcome::Claimed(Claim {
                webshop_id,
                order_id,
                token,
            }));
        }
        let record = self.record(webshop_id, order_id).await?.ok_or_else(|| {
            StoreError::Invalid(format!("order {order_id} was neither claimed nor stored"))
        })?;
        Ok(match record.state {
            SyncState::Ok => ClaimOutcome::Done(record),
            SyncState::Failed if !retry_failed => ClaimOutcome::Failed(record),
            // Failed with `retry_failed`: another sync failed it between the two statements.
            SyncState::Pending | SyncState::Failed => ClaimOutcome::Busy(record),
        })
    }

    /// Extends the claim's lease before a write to e-conomic; `false` when the claim was
    /// taken over (the caller must not write).
    pub async fn renew(&self, claim: &Claim) -> Result<bool, StoreError> {
        let done = sqlx::query(RENEW)
            .bind(column(claim.webshop_id, "webshop_id")?)
            .bind(column(claim.order_id, "order_id")?)
            .bind(&claim.token)
            .bind(self.lease_until())
            .bind(now_ms())
            .execute(self.pool().await?)
            .await
            .map_err(query_error("renew"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the invoice and releases the claim: the order's row, or `None` when the claim
    /// was taken over.
    pub async fn succeed(
        &self,
        claim: &Claim,
        success: &Success,
    ) -> Result<Option<InvoiceRecord>, StoreError> {
        let row = sqlx::query(SUCCEED)
            .bind(column(claim.webshop_id, "webshop_id")?)
            .bind(column(claim.order_id, "order_id")?)
            .bind(&claim.token)
            .bind(&success.reference)
            .bind(i64::from(success.customer_number))
            .bind(success.draft_invoice_number.map(i64::from))
            .bind(success.booked_invoice_number.map(i64::from))
            .bind(success.net_amount.minor())
            .bind(success.vat_amount.minor())
            .bind(success.gross_amount.minor())
            .bind(now_ms())
            .fetch_optional(self.pool().await?)
            .await
            .map_err(query_error("record success"))?;
        row.as_ref().map(decode).transpose()
    }

    /// Records a failure and releases the claim: the order's row, or `None` when the claim was
    /// taken over.
    pub async fn fail(
        &self,
        claim: &Claim,
        failure: &Failure,
    ) -> Result<Option<InvoiceRecord>, StoreError> {
        let row = sqlx::query(FAIL)
            .bind(column(claim.webshop_id, "webshop_id")?)
            .bind(column(claim.order_id, "order_id")?)
            .bind(&claim.token)
            .bind(&failure.message)
            .bind(failure.transient)
            .bind(failure.reference.as_deref())
            .bind(failure.draft_invoice_number.map(i64::from))
            .bind(now_ms())
            .fetch_optional(self.pool().await?)
            .await
            .map_err(query_error("record failure"))?;
        row.as_ref().map(decode).transpose()
    }

    /// The order's row, if it was ever synced.
    pub async fn record(
        &self,
        webshop_id: u64,
        order_id: u64,
    ) -> Result<Option<InvoiceRecord>, StoreError> {
        let row = sqlx::query(SELECT_ONE)
            .bind(column(webshop_id, "webshop_id")?)
            .bind(column(order_id, "order_id")?)
            .fetch_optional(self.pool().await?)
            .await
            .map_err(query_error("read"))?;
        row.as_ref().map(decode).transpose()
    }

    /// The shop's rows, in order id order; only those in `state` if given.
    pub async fn records(
        &self,
        webshop_id: u64,
        state: Option<SyncState>,
    ) -> Result<Vec<InvoiceRecord>, StoreError> {
        let rows = sqlx::query(SELECT_SHOP)
            .bind(column(webshop_id, "webshop_id")?)
            .bind(state.map(SyncState::as_str))
            .fetch_all(self.pool().await?)
            .await
            .map_err(query_error("list"))?;
        rows.iter().map(decode).collect()
    }

    /// Orders a retry should take: failed ones, and claimed ones whose lease ran out.
    pub async fn retryable(&self, webshop_id: u64) -> Result<Vec<u64>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(SELECT_RETRYABLE)
            .bind(column(webshop_id, "webshop_id")?)
            .bind(now_ms())
            .fetch_all(self.pool().await?)
            .await
            .map_err(query_error("list retryable"))?;
        ids.into_iter()
            .map(|id| u64::try_from(id).map_err(|_| StoreError::Invalid(format!("order id {id}"))))
            .collect()
    }
}

/// The SQLite URL the table opens for `url`: `sqlite:…` as is, `memory://` as
/// `sqlite::memory:`; any other scheme is [`StoreError::Unsupported`].
pub fn sqlite_url(url: &str) -> Result<&str, StoreError> {
    let lower = url.trim().to_ascii_lowercase();
    if lower == "memory://" || lower == "memory:" {
        Ok("sqlite::memory:")
    } else if lower.starts_with("sqlite:") {
        Ok(url.trim())
    } else {
        Err(StoreError::Unsupported(mask_url(url)))
    }
}

/// Opens (creating) the database, with the framework's [`SqliteStore`] (which also keeps its
/// own tables there), and the table.
async fn open(url: &str) -> Result<SqlitePool, StoreError> {
    let url = sqlite_url(url)?;
    let pool = SqliteStore::connect(url)
        .await
        .map_err(StoreError::Open)?
        .pool()
        .clone();
    for statement in [CREATE_TABLE, CREATE_INDEX] {
        sqlx::query(statement)
            .execute(&pool)
            .await
            .map_err(query_error("create the table"))?;
    }
    tracing::debug!(url = %mask_url(url), "opened the e-conomic order table");
    Ok(pool)
}

fn decode(row: &SqliteRow) -> Result<InvoiceRecord, StoreError> {
    let invalid = |what: &str| StoreError::Invalid(what.to_owned());
    let get_i64 = |name: &'static str| -> Result<Option<i64>, StoreError> {
        row.try_get(name).map_err(query_error("decode"))
    };
    let id = |name: &'static str| -> Result<u64, StoreError> {
        get_i64(name)?
            .and_then(|value| u64::try_from(value).ok())
            .ok_or_else(|| invalid(name))
    };
    let number = |name: &'static str| -> Result<Option<u32>, StoreError> {
        get_i64(name)?
            .map(|value| u32::try_from(value).map_err(|_| invalid(name)))
            .transpose()
    };
    let money = |name: &'static str| -> Result<Option<Money>, StoreError> {
        Ok(get_i64(name)?.map(Money::from_minor))
    };
    let time = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| invalid("time"));
    let state: String = row.try_get("state").map_err(query_error("decode"))?;
    Ok(InvoiceRecord {
        webshop_id: id("webshop_id")?,
        order_id: id("order_id")?,
        state: SyncState::parse(&state).ok_or_else(|| invalid("state"))?,
        attempts: number("attempts")?.unwrap_or_default(),
        source: row.try_get("source").map_err(query_error("decode"))?,
        reference: row.try_get("reference").map_err(query_error("decode"))?,
        customer_number: number("customer_number")?,
        draft_invoice_number: number("draft_invoice_number")?,
        booked_invoice_number: number("booked_invoice_number")?,
        net_amount: money("net_amount")?,
        vat_amount: money("vat_amount")?,
        gross_amount: money("gross_amount")?,
        error: row.try_get("error").map_err(query_error("decode"))?,
        transient: get_i64("transient")?.unwrap_or_default() != 0,
        lease_until: get_i64("lease_until")?.map(time).transpose()?,
        updated_at: time(get_i64("updated_at")?.unwrap_or_default())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn success() -> Success {
        Success {
            reference: "shoporama-1-5".to_owned(),
            customer_number: 3,
            draft_invoice_number: None,
            booked_invoice_number: Some(9),
            net_amount: Money::from_minor(10_000),
            vat_amount: Money::from_minor(2_500),
            gross_amount: Money::from_minor(12_500),
        }
    }

    async fn store(lease: Duration) -> SyncStore {
        SyncStore::connect("memory://", lease)
            .await
            .expect("memory store opens")
    }

    fn claimed(outcome: ClaimOutcome) -> Claim {
        match outcome {
            ClaimOutcome::Claimed(claim) => claim,
            other => panic!("expected a claim, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn one_claim_at_a_time_then_done_forever() {
        let store = store(Duration::from_mins(1)).await;
        let claim = claimed(store.claim(1, 5, "paid", true).await.expect("claims"));
        assert!(matches!(
            store.claim(1, 5, "paid", true).await.expect("answers"),
            ClaimOutcome::Busy(record) if record.state == SyncState::Pending
        ));
        // Another order and another shop are independent.
        claimed(store.claim(1, 6, "paid", true).await.expect("claims"));
        claimed(store.claim(2, 5, "paid", true).await.expect("claims"));
        assert!(store.renew(&claim).await.expect("renews"));
        assert!(
            store
                .succeed(&claim, &success())
                .await
                .expect("records")
                .is_some()
        );
        // The claim is spent: nothing more can be written with it.
        assert!(!store.renew(&claim).await.expect("answers"));
        assert!(
            store
                .fail(&claim, &Failure::transient("late"))
                .await
                .expect("answers")
                .is_none()
        );
        match store.claim(1, 5, "retry", true).await.expect("answers") {
            ClaimOutcome::Done(record) => {
                assert_eq!(record.state, SyncState::Ok);
                assert_eq!(record.label(), LABEL_OK);
                assert_eq!(record.booked_invoice_number, Some(9));
                assert_eq!(record.gross_amount, Some(Money::from_minor(12_500)));
                assert_eq!(record.attempts, 1);
                assert_eq!(record.error, None);
            }
            other => panic!("expected done, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn failures_are_kept_and_reclaimable() {
        let store = store(Duration::from_mins(1)).await;
        let claim = claimed(store.claim(1, 5, "paid", true).await.expect("claims"));
        let failure = Failure {
            reference: Some("shoporama-1-5".to_owned()),
            draft_invoice_number: Some(4),
            ..Failure::transient("e-conomic answered 500")
        };
        assert!(
            store
                .fail(&claim, &failure)
                .await
                .expect("records")
                .is_some()
        );
        let record = store.record(1, 5).await.expect("reads").expect("exists");
        assert_eq!(record.state, SyncState::Failed);
        assert_eq!(record.label(), LABEL_FAILED);
        assert!(record.transient);
        assert_eq!(record.draft_invoice_number, Some(4));
        assert_eq!(store.retryable(1).await.expect("lists"), [5]);
        assert_eq!(
            store
                .records(1, Some(SyncState::Failed))
                .await
                .expect("lists")
                .len(),
            1
        );
        let again = claimed(store.claim(1, 5, "retry", true).await.expect("reclaims"));
        assert_ne!(again, claim);
        let record = store.record(1, 5).await.expect("reads").expect("exists");
        assert_eq!((record.attempts, record.source.as_str()), (2, "retry"));
        assert_eq!(record.error.as_deref(), Some("e-conomic answered 500"));
        assert!(store.retryable(1).await.expect("lists").is_empty());
        assert!(
            store
                .fail(&again, &Failure::permanent("no layout"))
                .await
                .expect("records")
                .is_some()
        );
        match store.claim(1, 5, "paid", false).await.expect("answers") {
            ClaimOutcome::Failed(record) => assert_eq!(record.error.as_deref(), Some("no layout")),
            other => panic!("a failed order is not claimed without retry_failed: {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_fences_the_old_claim() {
        let store = store(Duration::from_millis(30)).await;
        let old = claimed(store.claim(1, 5, "paid", true).await.expect("claims"));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(store.retryable(1).await.expect("lists"), [5]);
        let new = claimed(store.claim(1, 5, "paid", true).await.expect("takes over"));
        assert!(
            !store.renew(&old).await.expect("answers"),
            "old claim is fenced"
        );
        assert!(
            store
                .succeed(&old, &success())
                .await
                .expect("answers")
                .is_none()
        );
        assert!(
            store
                .succeed(&new, &success())
                .await
                .expect("records")
                .is_some()
        );
    }

    #[tokio::test]
    async fn concurrent_claims_yield_exactly_one_winner() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("orders.db").display());
        let first = SyncStore::connect(&url, Duration::from_mins(1))
            .await
            .expect("opens");
        // A second pool on the same file, as a second process would have.
        let second = SyncStore::connect(&url, Duration::from_mins(1))
            .await
            .expect("opens");
        let attempts = (0..16).map(|index| {
            let store = if index % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move { store.claim(7, 42, "paid", true).await })
        });
        let mut winners = 0;
        for attempt in attempts {
            let outcome = attempt.await.expect("task runs").expect("claim answers");
            if matches!(outcome, ClaimOutcome::Claimed(_)) {
                winners += 1;
            }
        }
        assert_eq!(winners, 1);
    }

    #[tokio::test]
    async fn unsupported_urls_are_named() {
        let error = SyncStore::connect("postgres://app:hunter2@db/app", Duration::from_mins(1))
            .await
            .expect_err("postgres is not supported here");
        let text = error.to_string();
        assert!(text.contains("ECONOMIC_DATABASE_URL"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
