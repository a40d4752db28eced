//! The cost planner: what a listing will cost in calls, against what the shop's budget has
//! left today, before a long job starts ([`Resource::plan`]).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ListQuery, Resource, RestError};

/// What a listing will cost: its items, its calls at the page size it will use, and the
/// calls the shop's budget has left today. From [`Resource::plan`].
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use shoporama_app::rest::ListQuery;
/// use shoporama_app::testing::{FakeShoporama, SAMPLE_REST_TOKEN};
///
/// let fake = FakeShoporama::builder().token(SAMPLE_REST_TOKEN).seed_samples().start().await?;
/// let client = fake.shop_client(SAMPLE_REST_TOKEN);
/// let plan = client.orders().plan(&ListQuery::new()).await?;
/// if plan.fits() == Some(false) {
///     eprintln!("{plan}: not today");
///     return Ok(());
/// }
/// assert_eq!(plan.probe_calls, 1);
/// assert!(plan.items.is_some_and(|items| items >= 1), "{plan}");
/// # Ok(()) }
/// # shoporama_app::tokio::runtime::Runtime::new()?.block_on(demo())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPlan {
    /// Items the listing holds from its offset (`paging.total` less the offset), or the
    /// whole list of an endpoint that does not page; `None` when the answer gave no total.
    pub items: Option<u64>,
    /// Items per page the listing will ask for.
    pub page_size: u32,
    /// Calls the listing will take (one per page, one for an empty list); `None` when the
    /// total is unknown.
    pub calls: Option<u64>,
    /// Calls the plan itself spent (one page of one item, to read `paging.total`).
    pub probe_calls: u64,
    /// The token's daily limit.
    pub limit: u64,
    /// Calls left today after the probe (for every process, with a shared budget).
    pub left_today: u64,
}

impl ListPlan {
    /// Whether the listing fits in what is left today; `None` when its cost is unknown.
    pub fn fits(&self) -> Option<bool> {
        self.calls.map(|calls| calls <= self.left_today)
    }

    /// Reads the probe's answer: `total` and `bare`/`count` from a page of one item.
    fn from_probe(
        paging: Option<super::Paging>,
        bare: bool,
        count: u64,
        offset: u64,
        page_size: u32,
    ) -> (Option<u64>, Option<u64>) {
        if let Some(total) = paging.and_then(|p| p.total) {
            let items = total.saturating_sub(offset);
            return (
                Some(items),
                Some(items.div_ceil(u64::from(page_size)).max(1)),
            );
        }
        if bare && count > 1 {
            // Asked for one item and got more: the endpoint does not page, one call is all.
            return (Some(count), Some(1));
        }
        if count == 0 {
            return (Some(0), Some(1));
        }
        (None, None)
    }
}

impl fmt::Display for ListPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.items, self.calls) {
            (Some(items), Some(calls)) => write!(
                f,
                "{items} items take {calls} calls of {} items",
                self.page_size
            )?,
            _ => write!(f, "the list gives no total: its cost is unknown")?,
        }
        write!(
            f,
            "; {} of {} calls left today",
            self.left_today, self.limit
        )?;
        match self.fits() {
            Some(true) => write!(f, " (fits)"),
            Some(false) => write!(f, " (does not fit)"),
            None => Ok(()),
        }
    }
}

impl<T, U> Resource<T, U>
where
    T: DeserializeOwned + Send + 'static,
    U: Serialize,
{
    /// What listing `query` will cost, before it starts: reads one page of one item (one
    /// call) for `paging.total`, works out the pages at the page size the listing will use,
    /// and compares them with what the shop's budget has left today.
    pub async fn plan(&self, query: &ListQuery) -> Result<ListPlan, RestError> {
        let page_size = query.effective_page_size(self.client().config().page_size);
        let probe = self
            .client()
            .list_page::<Value>(
                self.kind().path(),
                self.kind().list_key(),
                &query.clone().page_size(1),
            )
            .await?;
        let count = probe.items.len() as u64;
        let (items, calls) =
            ListPlan::from_probe(probe.paging, probe.bare, count, query.start(), page_size);
        let status = self.client().budget().status().await?;
        Ok(ListPlan {
            items,
            page_size,
            calls,
            probe_calls: 1,
            limit: status.limit,
            left_today: status.left,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::Paging;

    const fn paging(total: u64) -> Paging {
        Paging {
            offset: None,
            limit: None,
            count: None,
            total: Some(total),
        }
    }

    #[test]
    fn calls_are_pages_of_what_is_left_after_the_offset() {
        assert_eq!(
            ListPlan::from_probe(Some(paging(1000)), false, 1, 0, 100),
            (Some(1000), Some(10))
        );
        assert_eq!(
            ListPlan::from_probe(Some(paging(1001)), false, 1, 0, 100),
            (Some(1001), Some(11))
        );
        assert_eq!(
            ListPlan::from_probe(Some(paging(1000)), false, 1, 950, 100),
            (Some(50), Some(1))
        );
        assert_eq!(
            ListPlan::from_probe(Some(paging(0)), false, 0, 0, 100),
            (Some(0), Some(1))
        );
        assert_eq!(
            ListPlan::from_probe(None, true, 40, 0, 100),
            (Some(40), Some(1))
        );
        assert_eq!(ListPlan::from_probe(None, true, 1, 0, 100), (None, None));
        assert_eq!(
            ListPlan::from_probe(None, false, 0, 0, 100),
            (Some(0), Some(1))
        );
    }

    #[test]
    fn plans_say_whether_they_fit() {
        let plan = ListPlan {
            items: Some(12_345),
            page_size: 100,
            calls: Some(124),
            probe_calls: 1,
            limit: 1000,
            left_today: 100,
        };
        assert_eq!(plan.fits(), Some(false));
        assert_eq!(
            plan.to_string(),
            "12345 items take 124 calls of 100 items; 100 of 1000 calls left today (does not fit)"
        );
        let unknown = ListPlan {
            items: None,
            calls: None,
            ..plan
        };
        assert_eq!(unknown.fits(), None);
    }
}
