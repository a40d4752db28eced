//! The fake's in-memory shop: collections per resource, tokens and their daily usage, the
//! app-status answer, and the request log.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::rest::ResourceKind;
use crate::rest::lenient::{self, DATETIME_FORMAT, parse_datetime};

/// Requests kept in the log; older ones are dropped.
pub(super) const MAX_LOGGED: usize = 10_000;

/// One request the fake received, without its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method (`GET`).
    pub method: String,
    /// The path (`/REST/product/42`).
    pub path: String,
    /// The query string, if any (`limit=100&offset=0`).
    pub query: Option<String>,
    /// The `Authorization` scheme used: `Shoporama`, `Bearer`, `App`, `raw`, or `None`.
    pub auth_scheme: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
}

impl RecordedRequest {
    /// The value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref().and_then(|query| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| *key == name)
                .map(|(_, v)| v.to_owned())
        })
    }
}

/// One resource's items.
#[derive(Debug, Default)]
pub(super) struct Collection {
    pub(super) items: BTreeMap<u64, Map<String, Value>>,
    pub(super) deleted: BTreeSet<u64>,
    pub(super) next_id: u64,
}

/// A shop token's daily budget.
#[derive(Debug, Clone, Copy)]
pub(super) struct Usage {
    pub(super) limit: u64,
    pub(super) used: u64,
}

/// What `GET /REST/app-status` answers.
#[derive(Debug, Clone)]
pub(super) enum AppStatusBody {
    /// `[{"webshop_id": …, "installed": …}]` for these shops.
    Installed(Vec<u64>),
    /// Exactly this JSON.
    Raw(Value),
}

/// The whole shop.
#[derive(Debug)]
pub(super) struct Data {
    pub(super) collections: BTreeMap<ResourceKind, Collection>,
    pub(super) self_info: Map<String, Value>,
    pub(super) tokens: BTreeMap<String, Usage>,
    pub(super) app_tokens: BTreeSet<String>,
    pub(super) app_status: AppStatusBody,
    /// Resources that answer a bare array; `true`: honouring `limit`/`offset`.
    pub(super) bare_lists: BTreeMap<ResourceKind, bool>,
    pub(super) max_page_size: u64,
    pub(super) log: VecDeque<RecordedRequest>,
}

/// Why a write was refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    NotFound,
    Gone,
    BadRequest(&'static str),
}

/// A page of a list.
pub(super) struct Listing<'a> {
    pub(super) items: Vec<&'a Map<String, Value>>,
    pub(super) offset: u64,
    pub(super) limit: u64,
    pub(super) total: u64,
}

/// A datetime in the platform's form, `"2025-02-07 11:22:05"`.
pub(super) fn stamp(at: NaiveDateTime) -> Value {
    Value::String(at.format(DATETIME_FORMAT).to_string())
}

/// Now, in the shop's (here: the machine's) local time.
pub(super) fn now_stamp() -> Value {
    stamp(chrono::Local::now().naive_local())
}

fn id_of(value: Option<&Value>) -> Option<u64> {
    value.and_then(lenient::value::id)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(u8::from(*b).to_string()),
        _ => None,
    }
}

impl Data {
    pub(super) fn collection(&mut self, kind: ResourceKind) -> &mut Collection {
        self.collections.entry(kind).or_insert_with(|| Collection {
            next_id: 1,
            ..Collection::default()
        })
    }

    /// Stores `item`, with its id from the item's id field or the next free one.
    pub(super) fn insert(&mut self, kind: ResourceKind, mut item: Map<String, Value>) -> u64 {
        let collection = self.collection(kind);
        let id = id_of(item.get(kind.id_field())).unwrap_or(collection.next_id);
        collection.next_id = collection.next_id.max(id.saturating_add(1));
        if !item.contains_key(kind.id_field()) {
            item.insert(kind.id_field().to_owned(), Value::from(id));
        }
        if !item.contains_key("last_modified") {
            item.insert("last_modified".to_owned(), now_stamp());
        }
        collection.deleted.remove(&id);
        collection.items.insert(id, item);
        id
    }

    /// Creates an item from a POST body.
    pub(super) fn create(
        &mut self,
        kind: ResourceKind,
        body: Value,
    ) -> Result<Map<String, Value>, Refusal> {
        let Value::Object(mut item) = body else {
            return Err(Refusal::BadRequest("the body must be a JSON object"));
        };
        item.remove(kind.id_field());
        let stamp = now_stamp();
        item.entry("created").or_insert_with(|| stamp.clone());
        item.insert("last_modified".to_owned(), stamp);
        let id = self.insert(kind, item);
        self.get(kind, id)
    }

    pub(super) fn get(
        &mut self,
        kind: ResourceKind,
        id: u64,
    ) -> Result<Map<String, Value>, Refusal> {
        let collection = self.collection(kind);
        match collection.items.get(&id) {
            Some(item) => Ok(item.clone()),
            None if collection.deleted.contains(&id) => Err(Refusal::Gone),
            None => Err(Refusal::NotFound),
        }
    }

    /// A partial update: the body's fields replace the item's, the others stay.
    pub(super) fn update(
        &mut self,
        kind: ResourceKind,
        id: u64,
        body: Value,
    ) -> Result<Map<String, Value>, Refusal> {
        let Value::Object(changes) = body else {
            return Err(Refusal::BadRequest("the body must be a JSON object"));
        };
        let collection = self.collection(kind);
        let Some(item) = collection.items.get_mut(&id) else {
            return Err(if collection.deleted.contains(&id) {
                Refusal::Gone
            } else {
                Refusal::NotFound
            });
        };
        for (key, value) in changes {
            if key != kind.id_field() {
                item.insert(key, value);
            }
        }
        item.insert("last_modified".to_owned(), now_stamp());
        Ok(item.clone())
    }

    pub(super) fn delete(&mut self, kind: ResourceKind, id: u64) -> Result<(), Refusal> {
        let collection = self.collection(kind);
        if collection.items.remove(&id).is_some() {
            collection.deleted.insert(id);
            Ok(())
        } else if collection.deleted.contains(&id) {
            Err(Refusal::Gone)
        } else {
            Err(Refusal::NotFound)
        }
    }

    /// Sets a stock level (`PUT`/`POST /stock`): upserts the row of the product (by
    /// `product_id` or `own_id`) and variant, and mirrors a product-level stock into the
    /// product's `in_stock`.
    pub(super) fn set_stock(&mut self, body: Value) -> Result<Map<String, Value>, Refusal> {
        let Value::Object(mut row) = body else {
            return Err(Refusal::BadRequest("the body must be a JSON object"));
        };
        let product_id = if let Some(id) = id_of(row.get("product_id")) {
            id
        } else {
            let own_id = row
                .get("own_id")
                .and_then(text_of)
                .ok_or(Refusal::BadRequest("product_id or own_id is required"))?;
            self.collection(ResourceKind::Product)
                .items
                .iter()
                .find(|(_, p)| {
                    p.get("own_id").and_then(text_of).as_deref() == Some(own_id.as_str())
                })
                .map(|(id, _)| *id)
                .ok_or(Refusal::NotFound)?
        };
        let level = ["stock", "amount", "quantity"]
            .iter()
            .find_map(|key| row.get(*key))
            .and_then(lenient::value::integer);
        let Some(level) = level else {
            return Err(Refusal::BadRequest("stock is required"));
        };
        let variant = id_of(row.get("attribute_value_id"));
        self.get(ResourceKind::Product, product_id)?;
        if variant.is_none()
            && let Some(product) = self
                .collection(ResourceKind::Product)
                .items
                .get_mut(&product_id)
        {
            product.insert("in_stock".to_owned(), Value::from(level));
            product.insert("last_modified".to_owned(), now_stamp());
        }
        row.insert("product_id".to_owned(), Value::from(product_id));
        row.insert("stock".to_owned(), Value::from(level));
        let stock = self.collection(ResourceKind::Stock);
        let existing = stock
            .items
            .iter()
            .find(|(_, r)| {
                id_of(r.get("product_id")) == Some(product_id)
                    && id_of(r.get("attribute_value_id")) == variant
            })
            .map(|(id, _)| *id);
        let id = existing.unwrap_or_else(|| {
            let id = stock.next_id;
            stock.next_id += 1;
            id
        });
        row.insert(ResourceKind::Stock.id_field().to_owned(), Value::from(id));
        row.insert("last_modified".to_owned(), now_stamp());
        stock.items.insert(id, row.clone());
        Ok(row)
    }

    /// The items of `kind` matching `filters`, the page at `offset`.
    pub(super) fn list(
        &mut self,
        kind: ResourceKind,
        filters: &BTreeMap<String, String>,
        offset: u64,
        limit: u64,
    ) -> Listing<'_> {
        let since = filters.get("last_modified").and_then(|s| parse_datetime(s));
        let others: Vec<(&String, &String)> = filters
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "last_modified" | "limit" | "offset"))
            .collect();
        let collection = &*self.collection(kind);
        let matches = |item: &Map<String, Value>| {
            let recent = since.is_none_or(|since| {
                item.get("last_modified")
                    .and_then(|v| v.as_str())
                    .and_then(parse_datetime)
                    .is_some_and(|modified| modified >= since)
            });
            recent
                && others
                    .iter()
                    .all(|(key, wanted)| field_matches(item, key, wanted))
        };
        let mut total = 0usize;
        let mut items = Vec::new();
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        if since.is_none() && others.is_empty() {
            total = collection.items.len();
            items.extend(collection.items.values().skip(skip).take(take));
        } else {
            for item in collection.items.values().filter(|item| matches(item)) {
                if total >= skip && items.len() < take {
                    items.push(item);
                }
                total += 1;
            }
        }
        Listing {
            items,
            offset,
            limit,
            total: total as u64,
        }
    }
}

/// Whether `item` passes the filter `key=wanted`: equal as text, or (for `category_id` on a
/// product, and any array field) contained. An unknown filter matches everything, as the
/// platform ignores parameters it does not know.
fn field_matches(item: &Map<String, Value>, key: &str, wanted: &str) -> bool {
    if key == "search" {
        let needle = wanted.to_lowercase();
        return item
            .get("name")
            .and_then(|v| v.as_str())
            .is_some_and(|name| name.to_lowercase().contains(&needle));
    }
    let field = match item.get(key) {
        Some(value) => value,
        None if key == "category_id" => match item.get("categories") {
            Some(categories) => categories,
            None => return true,
        },
        None => return true,
    };
    match field {
        Value::Array(values) => values.iter().filter_map(text_of).any(|v| v == wanted),
        other => text_of(other).is_some_and(|v| v == wanted),
    }
}
