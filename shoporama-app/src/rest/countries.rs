//! ISO 3166-1 alpha-2 country codes for order addresses.
//!
//! Shoporama's orders name a country by `order_country_id` / `del_country_id`: an id in the
//! shop's own country table, `GET /REST/country`. That endpoint is listed by Shoporama's REST
//! documentation without a schema; the theme's country object has `getCountryId` and
//! `getName` only. So [`Countries`] reads each item's `country_id` and `name`, takes an ISO
//! code from `code` (or `iso`, `iso_code`, `iso2`, `country_code`, `alpha2`) when the item
//! has one, and otherwise recognises the name ([`country_code`]: the ISO code itself, or a
//! Danish or English name of an EU or EEA country, the UK, Switzerland, the USA, Greenland,
//! the Faroe Islands or Åland).
//!
//! [`ShopClient::country_table`] reads the table once per shop and keeps it for
//! [`RestConfig::country_cache_ttl`](super::RestConfig::country_cache_ttl) (1 hour by
//! default), shared by every client of the shop in the app's runtime;
//! [`ShopClient::resolve_countries`] fills an order's addresses from it, after which
//! [`Address::country_code`](super::Address::country_code) answers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use serde_json::Value;

use super::{Order, RestError, ShopClient, lenient};

/// One country of a shop's country table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// The shop's id of the country (`country_id`), as orders' `*_country_id` name it.
    pub country_id: u64,
    /// The name as the shop writes it (`Danmark`).
    pub name: Option<String>,
    /// The ISO 3166-1 alpha-2 code, upper case: from the item, or recognised from the name.
    pub code: Option<String>,
}

/// A shop's country table (`GET /REST/country`), by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Countries {
    by_id: BTreeMap<u64, Country>,
}

/// The keys an item's ISO code is read from, in order.
const CODE_KEYS: [&str; 6] = ["code", "iso", "iso_code", "iso2", "country_code", "alpha2"];

impl Countries {
    /// Reads the items of `GET /REST/country`; items without a usable `country_id` are
    /// skipped.
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut by_id = BTreeMap::new();
        for item in items {
            let Some(country_id) = item.get("country_id").and_then(lenient::value::id) else {
                continue;
            };
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned);
            let code = CODE_KEYS
                .iter()
                .filter_map(|key| item.get(*key).and_then(Value::as_str))
                .find_map(iso_code)
                .or_else(|| name.as_deref().and_then(country_code))
                .map(str::to_owned);
            by_id.insert(
                country_id,
                Country {
                    country_id,
                    name,
                    code,
                },
            );
        }
        Self { by_id }
    }

    /// The country with this id.
    pub fn get(&self, country_id: u64) -> Option<&Country> {
        self.by_id.get(&country_id)
    }

    /// The ISO code of the country with this id, when the table has it and knows its code.
    pub fn code_of(&self, country_id: u64) -> Option<&str> {
        self.get(country_id)?.code.as_deref()
    }

    /// The countries, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Country> {
        self.by_id.values()
    }

    /// How many countries the table has.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Fills the resolved code of both of `order`'s addresses from their `country_id`
    /// (addresses whose `country` text is already an ISO code keep it).
    pub fn resolve(&self, order: &mut Order) {
        for address in [&mut order.billing, &mut order.delivery] {
            if let Some(code) = address.country_id.and_then(|id| self.code_of(id)) {
                address.set_country_code(code);
            }
        }
    }
}

/// A shop's country table as fetched, shared by the clients of the shop; fetched again
/// after the TTL. Concurrent callers wait for one fetch.
#[derive(Debug, Default)]
pub(crate) struct CountryCache {
    entry: tokio::sync::Mutex<Option<(Instant, Arc<Countries>)>>,
}

impl CountryCache {
    /// The cached table, or a fresh one from `client` when there is none or it is older
    /// than `ttl`. Not cached on failure; a shop without the endpoint (404) caches an
    /// empty table.
    pub(crate) async fn get(
        &self,
        client: &ShopClient,
        ttl: Duration,
    ) -> Result<Arc<Countries>, RestError> {
        let mut entry = self.entry.lock().await;
        if let Some((at, countries)) = entry.as_ref()
            && at.elapsed() < ttl
        {
            return Ok(Arc::clone(countries));
        }
        let countries = match client
            .resource(super::ResourceKind::Country)
            .all()
            .try_collect::<Vec<Value>>()
            .await
        {
            Ok(items) => Countries::from_items(&items),
            Err(error) if error.is_not_found() => {
                tracing::warn!(
                    "the shop has no country table (GET /country answered 404): country ids cannot be resolved"
                );
                Countries::default()
            }
            Err(error) => return Err(error),
        };
        let countries = Arc::new(countries);
        *entry = Some((Instant::now(), Arc::clone(&countries)));
        Ok(countries)
    }
}

impl ShopClient {
    /// The shop's country table (`GET /REST/country`, every page), read once and kept for
    /// [`RestConfig::country_cache_ttl`](super::RestConfig::country_cache_ttl) by every
    /// client of the shop in the app's runtime. A shop that answers 404 has an empty table.
    pub async fn country_table(&self) -> Result<Arc<Countries>, RestError> {
        let ttl = self.config().country_cache_ttl;
        self.country_cache().get(self, ttl).await
    }

    /// Resolves the ISO codes of `order`'s addresses from their `country_id`, so that
    /// [`Address::country_code`](super::Address::country_code) answers for them. Reads the
    /// [country table](Self::country_table) only when an address needs it (it has a
    /// `country_id`, and its `country` text is not already an ISO code).
    ///
    /// ```no_run
    /// # async fn demo(shop: shoporama_app::Shop<()>) -> Result<(), shoporama_app::rest::RestError> {
    /// let mut order = shop.rest().orders().get(5512).await?;
    /// shop.rest().resolve_countries(&mut order).await?;
    /// let destination = order.ship_to().country_code(); // Some("DK")
    /// # let _ = destination; Ok(()) }
    /// ```
    pub async fn resolve_countries(&self, order: &mut Order) -> Result<(), RestError> {
        let needs_table = [&order.billing, &order.delivery]
            .into_iter()
            .any(|address| {
                address.country_id.is_some_and(|id| id > 0)
                    && address.resolved_code.is_none()
                    && address.country.as_deref().and_then(iso_code).is_none()
            });
        if needs_table {
            self.country_table().await?.resolve(order);
        }
        Ok(())
    }
}

/// The ISO 3166-1 alpha-2 code `text` names: `text` itself when it is one (any case), or a
/// known country name in Danish or English (`Danmark`, `Germany`, `Storbritannien`).
///
/// ```
/// use shoporama_app::rest::country_code;
///
/// assert_eq!(country_code("dk"), Some("DK"));
/// assert_eq!(country_code(" Tyskland "), Some("DE"));
/// assert_eq!(country_code("The Netherlands"), Some("NL"));
/// assert_eq!(country_code("Atlantis"), None);
/// ```
pub fn country_code(text: &str) -> Option<&'static str> {
    iso_code(text).or_else(|| {
        let wanted = normalise(text);
        NAMES
            .iter()
            .find(|(_, names)| names.iter().any(|name| normalise(name) == wanted))
            .map(|(code, _)| *code)
    })
}

/// `text` as an assigned ISO 3166-1 alpha-2 code, upper case.
pub(crate) fn assigned_code(text: &str) -> Option<&'static str> {
    iso_code(text)
}

fn iso_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.len() != 2 {
        return None;
    }
    ISO_CODES
        .iter()
        .copied()
        .find(|code| code.eq_ignore_ascii_case(text))
}

/// Lower case, single spaces, no leading "the", Danish and German letters spelled out.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            match c {
                'æ' | 'ä' => out.push_str("ae"),
                'ø' | 'ö' => out.push_str("oe"),
                'å' => out.push_str("aa"),
                'ü' => out.push_str("ue"),
                'é' | 'è' => out.push('e'),
                '.' => {}
                other => out.push(other),
            }
        }
    }
    out.strip_prefix("the ").map(str::to_owned).unwrap_or(out)
}

/// Danish and English names, by code: the EU, the EEA, the UK, Switzerland, the USA and the
/// Nordic territories.
const NAMES: &[(&str, &[&str])] = &[
    ("AT", &["Austria", "Østrig"]),
    ("BE", &["Belgium", "Belgien"]),
    ("BG", &["Bulgaria", "Bulgarien"]),
    ("HR", &["Croatia", "Kroatien"]),
    ("CY", &["Cyprus", "Cypern"]),
    (
        "CZ",
        &[
            "Czech Republic",
            "Czechia",
            "Tjekkiet",
            "Den Tjekkiske Republik",
        ],
    ),
    ("DK", &["Denmark", "Danmark"]),
    ("EE", &["Estonia", "Estland"]),
    ("FI", &["Finland"]),
    ("FR", &["France", "Frankrig"]),
    ("DE", &["Germany", "Tyskland", "Deutschland"]),
    ("GR", &["Greece", "Grækenland"]),
    ("HU", &["Hungary", "Ungarn"]),
    ("IE", &["Ireland", "Irland", "Republic of Ireland"]),
    ("IT", &["Italy", "Italien"]),
    ("LV", &["Latvia", "Letland"]),
    ("LT", &["Lithuania", "Litauen"]),
    ("LU", &["Luxembourg", "Luxemburg"]),
    ("MT", &["Malta"]),
    ("NL", &["Netherlands", "Holland", "Nederlandene"]),
    ("PL", &["Poland", "Polen"]),
    ("PT", &["Portugal"]),
    ("RO", &["Romania", "Rumænien"]),
    ("SK", &["Slovakia", "Slovakiet"]),
    ("SI", &["Slovenia", "Slovenien"]),
    ("ES", &["Spain", "Spanien"]),
    ("SE", &["Sweden", "Sverige"]),
    ("IS", &["Iceland", "Island"]),
    ("LI", &["Liechtenstein"]),
    ("NO", &["Norway", "Norge"]),
    (
        "GB",
        &[
            "United Kingdom",
            "UK",
            "Great Britain",
            "Britain",
            "England",
            "Scotland",
            "Skotland",
            "Wales",
            "Northern Ireland",
            "Nordirland",
            "Storbritannien",
            "Det Forenede Kongerige",
        ],
    ),
    ("CH", &["Switzerland", "Schweiz"]),
    (
        "US",
        &[
            "United States",
            "United States of America",
            "USA",
            "US",
            "America",
            "Amerika",
            "De Forenede Stater",
        ],
    ),
    ("GL", &["Greenland", "Grønland"]),
    ("FO", &["Faroe Islands", "Færøerne", "Færøer"]),
    ("AX", &["Åland", "Åland Islands", "Ålandsøerne"]),
];

/// Every officially assigned ISO 3166-1 alpha-2 code.
const ISO_CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_and_names_in_danish_and_english() {
        assert_eq!(ISO_CODES.len(), 249);
        assert_eq!(country_code("se"), Some("SE"));
        assert_eq!(country_code("XX"), None, "not an assigned code");
        for (text, code) in [
            ("Danmark", "DK"),
            ("denmark", "DK"),
            ("Østrig", "AT"),
            ("Oestrig", "AT"),
            ("Grækenland", "GR"),
            ("the Netherlands", "NL"),
            ("Holland", "NL"),
            ("Storbritannien", "GB"),
            ("United  Kingdom", "GB"),
            ("U.S.A.", "US"),
            ("Norge", "NO"),
            ("Schweiz", "CH"),
            ("Færøerne", "FO"),
            ("Grønland", "GL"),
        ] {
            assert_eq!(country_code(text), Some(code), "{text}");
        }
        // Every EU and EEA member has a name in both languages (or one shared).
        let eu_eea = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
            "LI", "NO",
        ];
        for code in eu_eea {
            assert!(NAMES.iter().any(|(c, _)| *c == code), "{code} has no names");
            assert!(ISO_CODES.contains(&code));
        }
        for (code, _) in NAMES {
            assert!(ISO_CODES.contains(code), "{code}");
        }
    }

    #[test]
    fn tables_read_codes_and_fall_back_to_names() {
        let countries = Countries::from_items(&[
            json!({"country_id": 45, "name": "Danmark", "code": "dk"}),
            json!({"country_id": "47", "name": "Norge"}),
            json!({"country_id": 44, "name": "Storbritannien", "iso": "GB"}),
            json!({"country_id": 99, "name": "Atlantis"}),
            json!({"name": "No id"}),
        ]);
        assert_eq!(countries.len(), 4);
        assert_eq!(countries.code_of(45), Some("DK"));
        assert_eq!(countries.code_of(47), Some("NO"));
        assert_eq!(countries.code_of(44), Some("GB"));
        assert_eq!(countries.code_of(99), None);
        assert_eq!(
            countries.get(99).and_then(|c| c.name.as_deref()),
            Some("Atlantis")
        );
    }
}
