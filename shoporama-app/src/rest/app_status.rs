//! [`AppStatusClient`]: `GET /REST/app-status` with the app's own token, and the lenient
//! reading of its (undocumented) answer.

use std::fmt;
use std::sync::Arc;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Endpoint, NO_QUERY, decode};
use super::{AuthScheme, RestConfig, RestError, lenient};
use crate::secret::AppToken;

/// The keys under which an object may wrap the list of shops.
const WRAPPERS: [&str; 7] = [
    "shops",
    "webshops",
    "installations",
    "installs",
    "apps",
    "data",
    "items",
];

/// The keys that may hold a shop's id.
const ID_KEYS: [&str; 4] = ["webshop_id", "shop_id", "webshopId", "id"];

/// A client for the app-level endpoint `GET /REST/app-status`, which lists the shops that
/// have the app installed. Authenticated with the app's own token (`Authorization: App
/// <token>`), not a shop's. Not counted against any shop's budget. Cheap to clone.
#[derive(Clone)]
pub struct AppStatusClient {
    endpoint: Arc<Endpoint>,
}

impl fmt::Debug for AppStatusClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppStatusClient")
            .field("base_url", &self.endpoint.base_url())
            .field("token", &"***")
            .finish()
    }
}

impl AppStatusClient {
    /// A client for the app whose token is `app_token` (the `x-app-token` Shoporama sends
    /// with callbacks).
    pub fn new(config: RestConfig, app_token: &AppToken) -> Self {
        Self {
            endpoint: Arc::new(Endpoint::new(config, AuthScheme::App, app_token)),
        }
    }

    /// `GET /app-status`: the shops that have the app installed.
    pub async fn status(&self) -> Result<AppStatus, RestError> {
        const SEGMENTS: &[&str] = &["app-status"];
        let bytes = self
            .endpoint
            .call(None, Method::GET, SEGMENTS, NO_QUERY, None)
            .await?;
        let raw: Value = decode(&Method::GET, SEGMENTS, &bytes)?;
        Ok(AppStatus::from_json(raw))
    }
}

/// One shop in the app-status answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AppStatusShop {
    /// The shop's id.
    pub webshop_id: u64,
    /// The entry as sent (an object, or the bare id).
    pub raw: Value,
}

/// The app-status answer.
///
/// Its shape is not documented, so it is read leniently: a bare array of shops, or an object
/// holding one (under `shops`, `webshops`, `installations`, `data`, … or as its only array),
/// or an object keyed by shop id, or a single shop object. Each shop is an object with a
/// `webshop_id` (or `shop_id` / `id`), as an int or a string, or just the id. Entries whose id
/// cannot be read are kept in [`AppStatus::unrecognised`]; the whole answer in
/// [`AppStatus::raw`].
#[derive(Debug, Clone, PartialEq)]
pub struct AppStatus {
    /// The shops that have the app installed, in the order sent.
    pub shops: Vec<AppStatusShop>,
    /// Entries that did not yield a shop id.
    pub unrecognised: Vec<Value>,
    /// Whether a list of shops was found at all (an object without one is not "no shops").
    pub recognised: bool,
    /// The answer as sent.
    pub raw: Value,
}

impl AppStatus {
    /// Reads an app-status answer.
    pub fn from_json(raw: Value) -> Self {
        let mut status = Self {
            shops: Vec::new(),
            unrecognised: Vec::new(),
            recognised: true,
            raw: Value::Null,
        };
        match entries(&raw) {
            Some(entries) => {
                for (key_id, entry) in entries {
                    match shop_id(entry).or(key_id) {
                        Some(webshop_id) => status.shops.push(AppStatusShop {
                            webshop_id,
                            raw: entry.clone(),
                        }),
                        None => status.unrecognised.push(entry.clone()),
                    }
                }
            }
            None => status.recognised = false,
        }
        status.raw = raw;
        status
    }

    /// The shop ids, sorted and without repeats.
    pub fn webshop_ids(&self) -> std::collections::BTreeSet<u64> {
        self.shops.iter().map(|shop| shop.webshop_id).collect()
    }
}

/// The shop entries of an answer (with the id their key gives, for an object keyed by shop
/// id), or `None` when there is no list in it.
fn entries(raw: &Value) -> Option<Vec<(Option<u64>, &Value)>> {
    match raw {
        Value::Array(items) => Some(items.iter().map(|item| (None, item)).collect()),
        Value::Object(map) => {
            if let Some(list) = WRAPPERS.iter().find_map(|key| map.get(*key)) {
                return entries(list);
            }
            if id_in(map).is_some() {
                return Some(vec![(None, raw)]);
            }
            let arrays: Vec<&Value> = map.values().filter(|v| v.is_array()).collect();
            if let [only] = arrays.as_slice() {
                return entries(only);
            }
            // `{"123": {...}, "456": {...}}`: keyed by shop id.
            if !map.is_empty() && map.keys().all(|k| k.parse::<u64>().is_ok()) {
                return Some(
                    map.iter()
                        .map(|(key, value)| (key.parse().ok(), value))
                        .collect(),
                );
            }
            None
        }
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

fn id_in(map: &Map<String, Value>) -> Option<u64> {
    ID_KEYS
        .iter()
        .filter_map(|key| map.get(*key))
        .find_map(lenient::value::id)
}

fn shop_id(entry: &Value) -> Option<u64> {
    match entry {
        Value::Object(map) => id_in(map).or_else(|| {
            ["webshop", "shop"]
                .iter()
                .filter_map(|key| map.get(*key))
                .find_map(|inner| inner.as_object().and_then(id_in))
        }),
        other => lenient::value::id(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(raw: Value) -> (Vec<u64>, usize, bool) {
        let status = AppStatus::from_json(raw);
        (
            status.shops.iter().map(|s| s.webshop_id).collect(),
            status.unrecognised.len(),
            status.recognised,
        )
    }

    #[test]
    fn every_plausible_shape() {
        assert_eq!(
            ids(json!([{"webshop_id": 1}, {"webshop_id": "2"}])),
            (vec![1, 2], 0, true)
        );
        assert_eq!(ids(json!([3, "4"])), (vec![3, 4], 0, true));
        assert_eq!(ids(json!({"shops": [{"shop_id": 5}]})), (vec![5], 0, true));
        assert_eq!(
            ids(json!({"count": 1, "list": [{"id": 6}]})),
            (vec![6], 0, true)
        );
        assert_eq!(
            ids(json!({"7": {"active": 1}, "8": {"active": 1}})),
            (vec![7, 8], 0, true)
        );
        assert_eq!(
            ids(json!({"webshop_id": 9, "installed": 1})),
            (vec![9], 0, true)
        );
        assert_eq!(
            ids(json!([{"webshop": {"webshop_id": 10}}])),
            (vec![10], 0, true)
        );
        assert_eq!(ids(json!([])), (vec![], 0, true));
        assert_eq!(ids(json!([{"name": "x"}, 11])), (vec![11], 1, true));
        assert_eq!(ids(json!({"status": "ok"})), (vec![], 0, false));
        assert_eq!(ids(json!("nonsense")), (vec![], 0, false));
    }
}
