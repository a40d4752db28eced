//! Lists: [`ListQuery`] (filters), [`Page`] (one answer, either envelope), and
//! [`ListStream`] (every item, one page in memory at a time).

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use chrono::NaiveDateTime;
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{BoxStream, Stream, StreamExt};
use reqwest::Method;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{RestError, ShopClient, lenient};

/// The `paging` object of a list answer. Every field is optional: the client copes with
/// whatever part of it the platform sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Paging {
    /// The offset of this page's first item.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub offset: Option<u64>,
    /// The page size the platform applied.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub limit: Option<u64>,
    /// Items in this page.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub count: Option<u64>,
    /// Items in the whole result.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub total: Option<u64>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in the platform's order.
    pub items: Vec<T>,
    /// The `paging` object, when the answer had one.
    pub paging: Option<Paging>,
    /// Whether the answer was a bare JSON array (no envelope).
    pub bare: bool,
}

/// Filters and paging for a list. Built with chained calls; the stream sets `limit` and
/// `offset` itself.
///
/// ```
/// use shoporama_app::rest::ListQuery;
/// let query = ListQuery::new().filter("supplier_id", 11002).page_size(50);
/// assert_eq!(query.pairs(0, 50), [("supplier_id".to_owned(), "11002".to_owned()),
///     ("limit".to_owned(), "50".to_owned()), ("offset".to_owned(), "0".to_owned())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    page_size: Option<u32>,
    offset: u64,
    last_modified: Option<NaiveDateTime>,
    filters: Vec<(String, String)>,
}

impl ListQuery {
    /// No filters, from the first item, the configured page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only items changed at or after `since` (`last_modified=YYYY-MM-DDTHH:MM:SS`, the
    /// shop's local time).
    #[must_use]
    pub fn last_modified_since(mut self, since: NaiveDateTime) -> Self {
        self.last_modified = Some(since);
        self
    }

    /// Adds a filter (`supplier_id`, `category_id`, `customer_id`, `status`, …), sent as a
    /// query parameter. `limit` and `offset` are ignored here: use
    /// [`page_size`](Self::page_size) and [`offset`](Self::offset).
    #[must_use]
    pub fn filter(mut self, name: impl Into<String>, value: impl fmt::Display) -> Self {
        let name = name.into();
        if name != "limit" && name != "offset" {
            self.filters.push((name, value.to_string()));
        }
        self
    }

    /// Items per page (`limit`) for this list, instead of the configured page size.
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size.max(1));
        self
    }

    /// Starts at this offset instead of the first item.
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The query parameters for the page at `offset` with `limit` items.
    pub fn pairs(&self, offset: u64, limit: u32) -> Vec<(String, String)> {
        let mut pairs = self.filters.clone();
        if let Some(since) = self.last_modified {
            pairs.push((
                "last_modified".to_owned(),
                since.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ));
        }
        pairs.push(("limit".to_owned(), limit.to_string()));
        pairs.push(("offset".to_owned(), offset.to_string()));
        pairs
    }

    /// The offset the listing starts at.
    pub(crate) fn start(&self) -> u64 {
        self.offset
    }

    pub(crate) fn effective_page_size(&self, configured: u32) -> u32 {
        self.page_size.unwrap_or(configured).max(1)
    }
}

/// Why a [`ListStream`] stopped fetching pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// A page came back empty.
    Empty,
    /// The envelope's `total` says the last page has been read (`offset + count ≥ total`).
    Total,
    /// A page without `total` held fewer items than the page size.
    ShortPage,
    /// A bare array held more items than asked for: the endpoint does not page, so that
    /// answer was the whole list.
    Unpaged,
    /// A page was byte for byte the previous one: the endpoint ignores `offset`. The repeat
    /// was not yielded.
    Repeated,
    /// A request failed; the error was the stream's last item.
    Error,
}

/// What a [`ListStream`] has done so far: pages, items, and whether the list changed
/// underneath it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListReport {
    /// Pages fetched.
    pub pages: u64,
    /// Items yielded (including any that failed to parse).
    pub items: u64,
    /// `total` of the first page, when the envelope had one.
    pub first_total: Option<u64>,
    /// `total` of the latest page.
    pub last_total: Option<u64>,
    /// `total` dropped between two pages: items were deleted while paging, so items after
    /// them moved to lower offsets and **some may have been skipped**. A warning is logged
    /// too. Re-list (or list by `last_modified`) when this matters.
    pub shrank: bool,
    /// `total` rose between two pages: items were added while paging.
    pub grew: bool,
    /// Why paging stopped, once it has.
    pub stop: Option<StopReason>,
}

/// Every item of a list, fetched page by page with `limit`/`offset` as it is consumed.
///
/// At most one page is held in memory. Items come in the platform's order; errors come as
/// `Err` items: a request error ends the stream, an item that fails to parse is reported
/// on its own and the stream goes on. Dropping the stream stops paging.
///
/// **When paging stops.** After a page at `offset` with `n` items:
/// - `n = 0`: done ([`StopReason::Empty`]). An empty list costs one call.
/// - the envelope has `total`: more pages while `offset + n < total`, so a list that is an
///   exact multiple of the page size costs no extra empty call ([`StopReason::Total`]);
/// - no `total`: more pages while `n` reaches the page size (the `limit` the platform
///   reports, if any); an exact multiple then costs one final empty call
///   ([`StopReason::ShortPage`] / [`StopReason::Empty`]);
/// - a bare array longer than the page size means the endpoint does not page: that was the
///   whole list ([`StopReason::Unpaged`]); a page identical to the previous one means it
///   ignores `offset`: the repeat is dropped ([`StopReason::Repeated`]).
///
/// The next offset is always `offset + n`, so each call moves forward and paging cannot
/// loop. **Changes while paging** (offset paging is not a snapshot): items added at the
/// end are picked up, since each page's `total` is re-read; an item added before the current
/// offset shifts the rest, so one item can come twice (deduplicate by id if it matters); an
/// item deleted before the current offset shifts the rest back, so one can be skipped: the
/// stream notices `total` dropping, logs a warning and sets [`ListReport::shrank`].
pub struct ListStream<T> {
    inner: BoxStream<'static, Result<T, RestError>>,
    report: Arc<Mutex<ListReport>>,
}

impl<T> fmt::Debug for ListStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListStream")
            .field("report", &self.report())
            .finish_non_exhaustive()
    }
}

impl<T> ListStream<T> {
    /// What the stream has done so far.
    pub fn report(&self) -> ListReport {
        self.report
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl<T> Stream for ListStream<T> {
    type Item = Result<T, RestError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// The state of a list being paged.
struct Pager<T> {
    client: ShopClient,
    path: &'static str,
    key: &'static str,
    query: ListQuery,
    page_size: u32,
    offset: u64,
    /// The current page's items not yet handed out.
    items: Buffered<T>,
    /// An error to hand out after them (it ends the stream).
    error: Option<RestError>,
    done: bool,
    /// A fingerprint of the previous page, kept for pages without `total` only.
    previous_hash: Option<u64>,
    report: Arc<Mutex<ListReport>>,
}

/// One page's items: typed in one pass (the usual case), or item by item when some failed.
enum Buffered<T> {
    Typed(std::vec::IntoIter<T>),
    Mixed(std::vec::IntoIter<Result<T, RestError>>),
}

impl<T> Buffered<T> {
    fn len(&self) -> usize {
        match self {
            Self::Typed(items) => items.len(),
            Self::Mixed(items) => items.len(),
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> ListStream<T> {
    pub(crate) fn new(
        client: ShopClient,
        path: &'static str,
        key: &'static str,
        query: ListQuery,
    ) -> Self {
        let page_size = query.effective_page_size(client.config().page_size);
        let report = Arc::new(Mutex::new(ListReport::default()));
        let pager = Pager {
            client,
            path,
            key,
            offset: query.offset,
            query,
            page_size,
            items: Buffered::Typed(Vec::new().into_iter()),
            error: None,
            done: false,
            previous_hash: None,
            report: Arc::clone(&report),
        };
        let inner = Paged {
            idle: Some(pager),
            fetching: None,
        }
        .boxed();
        Self { inner, report }
    }
}

/// The stream behind a [`ListStream`]: hands out the buffered page's items without any
/// future, and runs one boxed future per page to fetch the next.
struct Paged<T> {
    /// The pager, while no page is being fetched.
    idle: Option<Pager<T>>,
    /// The fetch in flight; it gives the pager back with the next page buffered.
    fetching: Option<BoxFuture<'static, Pager<T>>>,
}

// Nothing is pinned structurally: the pager is moved in and out by value, and the fetch
// future is boxed.
impl<T> Unpin for Paged<T> {}

impl<T: DeserializeOwned + Send + 'static> Stream for Paged<T> {
    type Item = Result<T, RestError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(fetch) = &mut this.fetching {
                let pager = futures::ready!(fetch.as_mut().poll(cx));
                this.fetching = None;
                this.idle = Some(pager);
            }
            let Some(pager) = this.idle.as_mut() else {
                return Poll::Ready(None);
            };
            if let Some(item) = pager.next_item() {
                return Poll::Ready(Some(item));
            }
            if pager.done {
                return Poll::Ready(None);
            }
            let Some(mut pager) = this.idle.take() else {
                return Poll::Ready(None);
            };
            this.fetching = Some(
                async move {
                    pager.fetch().await;
                    pager
                }
                .boxed(),
            );
        }
    }
}

impl<T: DeserializeOwned> Pager<T> {
    fn next_item(&mut self) -> Option<Result<T, RestError>> {
        match &mut self.items {
            Buffered::Typed(items) => items.next().map(Ok),
            Buffered::Mixed(items) => items.next(),
        }
        .or_else(|| self.error.take().map(Err))
    }

    fn fail(&mut self, error: RestError) {
        self.error = Some(error);
        self.stop(StopReason::Error);
    }

    fn update_report(&self, update: impl FnOnce(&mut ListReport)) {
        update(
            &mut self
                .report
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }

    fn stop(&mut self, reason: StopReason) {
        self.done = true;
        self.update_report(|r| r.stop = Some(reason));
    }

    /// Fetches the page at the current offset into the buffer, and decides whether there is
    /// another.
    async fn fetch(&mut self) {
        let pairs = self.query.pairs(self.offset, self.page_size);
        let bytes = match self
            .client
            .call(Method::GET, &[self.path], &pairs, None)
            .await
        {
            Ok(bytes) => bytes,
            Err(error) => return self.fail(error),
        };
        let page = match parse_page_lenient::<T>(&bytes, self.key, self.path) {
            Ok(page) => page,
            Err(error) => return self.fail(error),
        };
        let n = page.items.len() as u64;
        let (offset, path) = (self.offset, self.path);
        let total = page.paging.and_then(|p| p.total);
        // Without `total`, an endpoint that ignores `offset` would be paged forever: compare
        // each page with the previous one. (With `total`, the offset alone ends paging.)
        let hash = total.is_none().then(|| {
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            hasher.finish()
        });
        if n > 0 && hash.is_some() && self.previous_hash == hash {
            tracing::warn!(
                path,
                offset,
                "the list endpoint answered the same page twice (it ignores offset); stopping"
            );
            self.stop(StopReason::Repeated);
            return;
        }
        self.previous_hash = hash;
        let reported_limit = page.paging.and_then(|p| p.limit).filter(|l| *l > 0);
        self.update_report(|r| {
            r.pages += 1;
            r.items += n;
            if let (Some(previous), Some(now)) = (r.last_total, total) {
                if now < previous {
                    r.shrank = true;
                    tracing::warn!(
                        path,
                        offset,
                        previous,
                        now,
                        "items were deleted while paging; some may have been skipped"
                    );
                } else if now > previous {
                    r.grew = true;
                }
            }
            if r.first_total.is_none() {
                r.first_total = total;
            }
            if total.is_some() {
                r.last_total = total;
            }
        });
        let asked = u64::from(self.page_size);
        self.items = page.items;
        self.offset += n;
        if n == 0 {
            self.stop(StopReason::Empty);
        } else if page.bare && n > asked {
            self.stop(StopReason::Unpaged);
        } else if let Some(total) = total {
            if offset + n >= total {
                self.stop(StopReason::Total);
            }
        } else if n < reported_limit.unwrap_or(asked).min(asked) {
            self.stop(StopReason::ShortPage);
        }
    }
}

/// A parsed page, its items ready to hand out.
struct Parsed<T> {
    items: Buffered<T>,
    paging: Option<Paging>,
    bare: bool,
}

/// Parses a list answer: typed in one pass; if that fails, item by item, so one odd item
/// does not hide the others.
fn parse_page_lenient<T: DeserializeOwned>(
    bytes: &[u8],
    key: &str,
    path: &str,
) -> Result<Parsed<T>, RestError> {
    match parse_page::<T>(bytes, key) {
        Ok(Some(page)) => {
            return Ok(Parsed {
                items: Buffered::Typed(page.items.into_iter()),
                paging: page.paging,
                bare: page.bare,
            });
        }
        Ok(None) => return Err(not_a_list(path, key)),
        Err(_) => {}
    }
    let page = parse_page::<Value>(bytes, key)
        .map_err(|source| decode_error(path, source))?
        .ok_or_else(|| not_a_list(path, key))?;
    let items: Vec<Result<T, RestError>> = page
        .items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(|source| decode_error(path, source)))
        .collect();
    Ok(Parsed {
        items: Buffered::Mixed(items.into_iter()),
        paging: page.paging,
        bare: page.bare,
    })
}

fn decode_error(path: &str, source: serde_json::Error) -> RestError {
    RestError::Decode {
        method: Method::GET,
        path: path.to_owned(),
        source,
    }
}

fn not_a_list(path: &str, key: &str) -> RestError {
    RestError::NotAList {
        path: path.to_owned(),
        key: key.to_owned(),
    }
}

/// Parses a list answer: `{"paging": …, "<key>": [...]}`, an envelope whose one array has
/// another name, or a bare array. `Ok(None)` when there is no list in it.
pub(crate) fn parse_page<T: DeserializeOwned>(
    bytes: &[u8],
    key: &str,
) -> Result<Option<Page<T>>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let page = PageSeed::<T> {
        key,
        marker: PhantomData,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(page)
}

struct PageSeed<'k, T> {
    key: &'k str,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = Option<Page<T>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<'_, T> {
    type Value = Option<Page<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a list: {{\"paging\": …, \"{}\": [...]}} or a bare array",
            self.key
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<T>()? {
            items.push(item);
        }
        Ok(Some(Page {
            items,
            paging: None,
            bare: true,
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut paging = None;
        let mut items: Option<Vec<T>> = None;
        let mut arrays: Vec<Value> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if name == "paging" {
                // `null`, `[]` (PHP's empty array) or anything odd: no paging, not an error.
                paging = serde_json::from_value::<Paging>(map.next_value::<Value>()?).ok();
            } else if name == self.key && items.is_none() {
                items = Some(map.next_value::<ListOf<T>>()?.0);
            } else {
                let value = map.next_value::<Value>()?;
                if value.is_array() {
                    arrays.push(value);
                }
            }
        }
        let items = match items {
            Some(items) => items,
            // The envelope's list under another name: accept it when it is the only array.
            None if arrays.len() == 1 => {
                let Some(Value::Array(values)) = arrays.pop() else {
                    return Ok(None);
                };
                values
                    .into_iter()
                    .map(|v| T::deserialize(v).map_err(serde::de::Error::custom))
                    .collect::<Result<_, _>>()?
            }
            None if paging.is_some_and(|p| p.count == Some(0) || p.total == Some(0)) => Vec::new(),
            None => return Ok(None),
        };
        Ok(Some(Page {
            items,
            paging,
            bare: false,
        }))
    }
}

/// The envelope's list: an array, or empty for `null` / `false` / `""`.
struct ListOf<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ListOf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::list(d).map(Self)
    }
}

impl ShopClient {
    /// Fetches one page of the list at `path`.
    pub(crate) async fn list_page<T: DeserializeOwned>(
        &self,
        path: &'static str,
        key: &'static str,
        query: &ListQuery,
    ) -> Result<Page<T>, RestError> {
        let limit = query.effective_page_size(self.config().page_size);
        let bytes = self
            .call(
                Method::GET,
                &[path],
                &query.pairs(query.offset, limit),
                None,
            )
            .await?;
        parse_page::<T>(&bytes, key)
            .map_err(|source| decode_error(path, source))?
            .ok_or_else(|| not_a_list(path, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(raw: &Value, key: &str) -> Option<Page<Value>> {
        parse_page::<Value>(raw.to_string().as_bytes(), key)
            .ok()
            .flatten()
    }

    #[test]
    fn envelopes_and_bare_arrays() {
        let enveloped = page(
            &json!({"paging": {"offset": 0, "limit": 100, "count": 2, "total": 2}, "products": [{"a": 1}, {"a": 2}]}),
            "products",
        );
        let enveloped = enveloped.unwrap_or(Page {
            items: vec![],
            paging: None,
            bare: true,
        });
        assert_eq!(enveloped.items.len(), 2);
        assert_eq!(enveloped.paging.and_then(|p| p.total), Some(2));
        assert!(!enveloped.bare);

        let bare = page(&json!([{"a": 1}]), "categories");
        assert!(bare.is_some_and(|p| p.bare && p.items.len() == 1 && p.paging.is_none()));

        let renamed = page(
            &json!({"paging": {"total": "1"}, "blog_entries": [{"a": 1}]}),
            "blog_posts",
        );
        assert!(
            renamed
                .is_some_and(|p| p.items.len() == 1 && p.paging.and_then(|p| p.total) == Some(1))
        );

        let empty = page(
            &json!({"paging": {"offset": 0, "limit": 100, "count": 0, "total": 0}}),
            "products",
        );
        assert!(empty.is_some_and(|p| p.items.is_empty()));

        let php_object = page(
            &json!({"products": {"0": {"a": 1}, "1": {"a": 2}}}),
            "products",
        );
        assert!(php_object.is_some_and(|p| p.items.len() == 2));

        assert!(page(&json!({"error": "nope"}), "products").is_none());
        assert!(parse_page::<Value>(b"410 Gone", "products").is_err());
    }

    #[test]
    fn one_bad_item_does_not_hide_the_others() {
        #[derive(Debug, Deserialize)]
        struct Item {
            #[serde(deserialize_with = "lenient::id")]
            #[allow(dead_code)]
            id: u64,
        }
        let raw = json!({"products": [{"id": 1}, {"id": "x"}, {"id": "3"}]}).to_string();
        let page = parse_page_lenient::<Item>(raw.as_bytes(), "products", "product");
        let items: Vec<Result<Item, RestError>> = match page.map(|p| p.items) {
            Ok(Buffered::Mixed(items)) => items.collect(),
            _ => Vec::new(),
        };
        assert_eq!(items.len(), 3);
        assert!(items[0].is_ok() && items[1].is_err() && items[2].is_ok());
    }

    #[test]
    fn query_pairs() {
        let since = chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        let query = ListQuery::new()
            .last_modified_since(since)
            .filter("limit", 5)
            .filter("status", "new");
        assert_eq!(
            query.pairs(200, 100),
            [
                ("status".to_owned(), "new".to_owned()),
                ("last_modified".to_owned(), "2020-01-01T00:00:00".to_owned()),
                ("limit".to_owned(), "100".to_owned()),
                ("offset".to_owned(), "200".to_owned()),
            ]
        );
    }
}
