//! The stand-in's data and endpoints.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, NaiveDate};
use reqwest::Url;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::filter::ParsedFilter;
use super::reply::{Reply, Segment, Validation, codes, line_path, path};
use super::schema;
use super::{DEMO_TOKEN, Fault, FaultRule, RecordedRequest, Shared};
use crate::money::{Money, Quantity, VatRate, div_round};
use crate::query::{decode_path_id, encode_path_id};

/// Currencies the stand-in knows, with a fixed exchange rate per 100 units in DKK.
const CURRENCIES: [(&str, f64); 8] = [
    ("DKK", 100.0),
    ("EUR", 746.0),
    ("SEK", 65.0),
    ("NOK", 63.0),
    ("USD", 690.0),
    ("GBP", 870.0),
    ("CHF", 780.0),
    ("PLN", 172.0),
];

const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 1000;

/// The VAT zone that carries 25 % VAT (the stand-in's simplification).
const DOMESTIC_VAT_ZONE: u64 = 1;

/// Everything the stand-in holds.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) customers: BTreeMap<u32, Value>,
    pub(crate) products: BTreeMap<String, Value>,
    pub(crate) drafts: BTreeMap<u32, Value>,
    pub(crate) booked: BTreeMap<u32, Value>,
    vat_zones: BTreeMap<u32, Value>,
    payment_terms: BTreeMap<u32, Value>,
    layouts: BTreeMap<u32, Value>,
    customer_groups: BTreeMap<u32, Value>,
    product_groups: BTreeMap<u32, Value>,
    units: BTreeMap<u32, Value>,
    next_draft: u32,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) route_counts: BTreeMap<String, usize>,
    pub(crate) drafts_created: usize,
    pub(crate) booked_created: usize,
    pub(crate) customers_created: usize,
    pub(crate) products_created: usize,
    log_sequence: u64,
}

fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl World {
    /// The seed data of economic-api.md §(b).
    pub(crate) fn seeded(base: &str) -> Self {
        let mut world = Self {
            next_draft: 1,
            ..Self::default()
        };
        for (number, name, customer, supplier) in [
            (1, "Domestic", true, true),
            (2, "EU", true, true),
            (3, "Abroad", true, true),
            (4, "Domestic exempt VAT", true, false),
        ] {
            let mut zone = json!({"name": name, "vatZoneNumber": number, "self": format!("{base}/vat-zones/{number}")});
            // e-conomic omits false booleans.
            if customer {
                zone["enabledForCustomer"] = json!(true);
            }
            if supplier {
                zone["enabledForSupplier"] = json!(true);
            }
            world.vat_zones.insert(number, zone);
        }
        for (number, name, kind, days) in [
            (1, "Netto 8 dage", "net", 8),
            (2, "Netto 14 dage", "net", 14),
            (3, "Til omgående betaling", "net", 0),
            (4, "Løbende måned 30 dage", "invoiceMonth", 30),
            (8, "Prepaid", "prepaid", 0),
        ] {
            world.put_payment_terms(base, number, name, kind, days);
        }
        world.put_layout(base, 19, "DK. std. m. bankoplys. 1.5", false);
        world.put_layout(base, 21, "Eng. std. m. bankoplys. 1.5", false);
        for (number, name) in [(1, "Danske"), (2, "Udenlandske")] {
            world.customer_groups.insert(
                number,
                json!({"customerGroupNumber": number, "name": name,
                       "account": {"accountNumber": 5600 + number},
                       "customers": format!("{base}/customer-groups/{number}/customers"),
                       "self": format!("{base}/customer-groups/{number}")}),
            );
        }
        for (number, name) in [(1, "Varer m/moms"), (2, "Varer u/moms")] {
            let own = format!("{base}/product-groups/{number}");
            world.product_groups.insert(
                number,
                json!({"productGroupNumber": number, "name": name,
                       "salesAccounts": format!("{own}/sales-accounts"),
                       "products": format!("{own}/products"), "self": own}),
            );
        }
        world.units.insert(
            1,
            json!({"unitNumber": 1, "name": "stk.", "products": format!("{base}/units/1/products"),
                   "self": format!("{base}/units/1")}),
        );
        world.put_product(base, "1", "Standardvare", Money::from_major(100));
        world.put_product(base, "FRAGT", "Fragt", Money::ZERO);
        world.put_product(base, "RABAT", "Rabat", Money::ZERO);
        world
    }

    pub(crate) fn put_product(&mut self, base: &str, number: &str, name: &str, price: Money) {
        self.products.insert(
            number.to_owned(),
            json!({"productNumber": number, "name": name, "salesPrice": price.to_f64(),
                   "costPrice": 0.0, "unit": {"unitNumber": 1, "self": format!("{base}/units/1")},
                   "lastUpdated": now_text(),
                   "self": format!("{base}/products/{}", encode_path_id(number))}),
        );
    }

    pub(crate) fn put_payment_terms(
        &mut self,
        base: &str,
        number: u32,
        name: &str,
        kind: &str,
        days_of_credit: u32,
    ) {
        self.payment_terms.insert(
            number,
            json!({"paymentTermsNumber": number, "daysOfCredit": days_of_credit, "name": name,
                   "paymentTermsType": kind, "self": format!("{base}/payment-terms/{number}")}),
        );
    }

    pub(crate) fn put_layout(&mut self, base: &str, number: u32, name: &str, deleted: bool) {
        let mut layout = json!({"layoutNumber": number, "name": name, "self": format!("{base}/layouts/{number}")});
        if deleted {
            layout["deleted"] = json!(true);
        }
        self.layouts.insert(number, layout);
    }

    pub(crate) fn put_customer(&mut self, base: &str, name: &str, email: Option<&str>) -> u32 {
        let number = self.customers.keys().next_back().map_or(1, |last| last + 1);
        let mut body = json!({"name": name, "currency": "DKK",
                              "customerGroup": {"customerGroupNumber": 1},
                              "paymentTerms": {"paymentTermsNumber": 1},
                              "vatZone": {"vatZoneNumber": 1}});
        if let Some(email) = email {
            body["email"] = json!(email);
        }
        let customer = self.customer_document(base, number, &body);
        self.customers.insert(number, customer);
        number
    }

    fn next_log_id(&mut self) -> String {
        self.log_sequence += 1;
        format!("{:016x}-STANDIN", self.log_sequence)
    }

    fn customer_document(&self, base: &str, number: u32, body: &Value) -> Value {
        let mut customer = body.as_object().cloned().unwrap_or_default();
        customer.insert("customerNumber".to_owned(), json!(number));
        if let Some(group) = body.pointer("/customerGroup/customerGroupNumber") {
            customer.insert(
                "customerGroup".to_owned(),
                json!({"customerGroupNumber": group, "self": format!("{base}/customer-groups/{group}")}),
            );
        }
        if let Some(terms) = body.pointer("/paymentTerms/paymentTermsNumber") {
            customer.insert(
                "paymentTerms".to_owned(),
                json!({"paymentTermsNumber": terms, "self": format!("{base}/payment-terms/{terms}")}),
            );
        }
        if let Some(zone) = body
            .pointer("/vatZone/vatZoneNumber")
            .and_then(Value::as_u64)
        {
            let expanded = u32::try_from(zone)
                .ok()
                .and_then(|zone| self.vat_zones.get(&zone))
                .cloned();
            customer.insert(
                "vatZone".to_owned(),
                expanded.unwrap_or_else(|| json!({"vatZoneNumber": zone})),
            );
        }
        customer.insert("balance".to_owned(), json!(0.0));
        customer.insert("dueAmount".to_owned(), json!(0.0));
        customer.insert("lastUpdated".to_owned(), json!(now_text()));
        let own = format!("{base}/customers/{number}");
        customer.insert(
            "invoices".to_owned(),
            json!({"drafts": format!("{own}/invoices/drafts"), "booked": format!("{own}/invoices/booked"), "self": format!("{own}/invoices")}),
        );
        customer.insert("self".to_owned(), json!(own));
        Value::Object(customer)
    }
}

/// The route template of a path, for counting and fault matching.
fn route_of(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["self"] => "/self",
        ["customers"] => "/customers",
        ["customers", _] => "/customers/{customerNumber}",
        ["customer-groups"] => "/customer-groups",
        ["product-groups"] => "/product-groups",
        ["product-groups", _] => "/product-groups/{productGroupNumber}",
        ["vat-zones"] => "/vat-zones",
        ["payment-terms"] => "/payment-terms",
        ["layouts"] => "/layouts",
        ["units"] => "/units",
        ["products"] => "/products",
        ["products", _] => "/products/{productNumber}",
        ["invoices", "drafts"] => "/invoices/drafts",
        ["invoices", "drafts", _] => "/invoices/drafts/{draftInvoiceNumber}",
        ["invoices", "booked"] => "/invoices/booked",
        ["invoices", "booked", _] => "/invoices/booked/{bookedInvoiceNumber}",
        _ => "(unknown)",
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Agreement,
    Demo,
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let route = route_of(&path);
    let parsed_body = if body.is_empty() {
        None
    } else {
        serde_json::from_slice::<Value>(&body).ok()
    };
    let fault = {
        let mut world = shared.world();
        *world
            .route_counts
            .entry(format!("{method} {route}"))
            .or_default() += 1;
        let found = world
            .faults
            .iter()
            .position(|rule| rule.applies_to(method.as_str(), route));
        found.map(|index| {
            let rule = &mut world.faults[index];
            rule.times -= 1;
            let fault = rule.fault.clone();
            if rule.times == 0 {
                world.faults.remove(index);
            }
            fault
        })
    };
    let delayed = matches!(fault, Some(Fault::Delay(_)));
    let work = async move {
        let reply = match fault {
            Some(Fault::TooManyRequests { retry_after }) => {
                let log_id = shared.world().next_log_id();
                let mut reply = Reply::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests.",
                    "Slow down and retry after the number of seconds in the Retry-After header.",
                    &log_id,
                );
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                reply.retry_after = Some(seconds);
                reply
            }
            Some(Fault::ServerError) => {
                let log_id = shared.world().next_log_id();
                Reply::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "An error occurred.",
                    "A fault injected by the stand-in.",
                    &log_id,
                )
            }
            Some(Fault::Delay(delay)) => {
                tokio::time::sleep(delay).await;
                serve(&shared, &method, &uri, &headers, &body)
            }
            None => serve(&shared, &method, &uri, &headers, &body),
        };
        shared.world().requests.push(RecordedRequest {
            method: method.to_string(),
            path,
            query: uri.query().map(str::to_owned),
            route: route.to_owned(),
            status: reply.status.as_u16(),
            body: parsed_body,
        });
        reply
    };
    if delayed {
        // A slow request is processed to the end even when the caller gives up waiting, as
        // e-conomic does: the "answer lost, invoice created" case.
        match tokio::spawn(work).await {
            Ok(reply) => reply.into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    } else {
        work.await.into_response()
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    let Some(query) = uri.query() else {
        return Vec::new();
    };
    Url::parse(&format!("http://standin/?{query}"))
        .map(|url| {
            url.query_pairs()
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    query: &[(String, String)],
    log_id: &str,
) -> Result<Caller, Reply> {
    let secret = header_text(headers, "x-appsecrettoken");
    let grant = header_text(headers, "x-agreementgranttoken");
    let demo_query = query
        .iter()
        .any(|(name, value)| name.eq_ignore_ascii_case("demo") && value == "true");
    match (secret, grant) {
        (Some(DEMO_TOKEN), Some(DEMO_TOKEN)) => Ok(Caller::Demo),
        (None, None) if demo_query => Ok(Caller::Demo),
        (Some(secret), Some(grant))
            if secret == shared.config.app_secret_token
                && grant == shared.config.agreement_grant_token =>
        {
            Ok(Caller::Agreement)
        }
        (None, _) | (_, None) => Err(Reply::error(
            StatusCode::UNAUTHORIZED,
            "The request is missing authentication headers.",
            "Send both the X-AppSecretToken and the X-AgreementGrantToken headers (use 'demo' for both to try the API).",
            log_id,
        )),
        _ => Err(Reply::error(
            StatusCode::UNAUTHORIZED,
            "Access denied. The tokens are not valid, or the grant has been revoked.",
            "Check the X-AppSecretToken and X-AgreementGrantToken headers.",
            log_id,
        )),
    }
}

/// The filterable properties of an invoice collection: its own `number`, the properties
/// drafts and booked invoices share, then any `extra` of its own.
macro_rules! invoice_filterable {
    ($number:literal $(, $extra:literal)*) => {
        &[
            $number,
            "references.other",
            "customer.customerNumber",
            "date",
            "dueDate",
            "currency",
            "notes.heading",
            "recipient.name",
            "netAmount",
            "grossAmount",
            $($extra,)*
        ]
    };
}

/// Authenticates and dispatches one request (under the world's lock; nothing here awaits).
fn serve(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Reply {
    let base = shared.base_url.as_str();
    let query = query_pairs(uri);
    let mut world = shared.world();
    let log_id = world.next_log_id();
    let caller = match authenticate(shared, headers, &query, &log_id) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let path = uri.path();
    let route = route_of(path);
    if route == "(unknown)" {
        return Reply::not_found(&log_id);
    }
    if *method != Method::GET {
        if caller == Caller::Demo {
            return Reply::error(
                StatusCode::FORBIDDEN,
                "The demo agreement is read-only.",
                "With the demo tokens you can only use the GET http method.",
                &log_id,
            );
        }
        if *method != Method::POST
            || !matches!(
                route,
                "/customers" | "/products" | "/invoices/drafts" | "/invoices/booked"
            )
        {
            return Reply::error(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{method} is not supported on {route} by the stand-in."),
                "The stand-in implements GET on every route and POST on /customers, /products, /invoices/drafts and /invoices/booked.",
                &log_id,
            );
        }
        let is_json = header_text(headers, header::CONTENT_TYPE.as_str())
            .is_some_and(|value| value.to_ascii_lowercase().starts_with("application/json"));
        if !is_json {
            return Reply::error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request body must be JSON.",
                "Send Content-Type: application/json.",
                &log_id,
            );
        }
        let document = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => Value::Object(object),
            Ok(_) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "The request body must be a JSON object.",
                    "",
                    &log_id,
                );
            }
            Err(error) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    format!("The request body is not valid JSON: {error}."),
                    "",
                    &log_id,
                );
            }
        };
        let post = Post {
            base,
            agreement_country: shared.config.agreement_country.as_str(),
            document: &document,
            log_id: &log_id,
        };
        return match route {
            "/customers" => create_customer(&mut world, post),
            "/products" => create_product(&mut world, post),
            "/invoices/drafts" => create_draft(&mut world, post),
            _ => book_draft(&mut world, post),
        };
    }
    let tail = path
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let single = |map: &BTreeMap<u32, Value>| {
        tail.parse::<u32>()
            .ok()
            .and_then(|number| map.get(&number))
            .map_or_else(
                || Reply::not_found(&log_id),
                |found| Reply::ok(found.clone()),
            )
    };
    match route {
        "/self" => Reply::ok(json!({
            "agreementNumber": shared.config.agreement_number,
            "company": {"name": shared.config.company_name, "companyIdentificationNumber": "12345678",
                        "country": country_name(&shared.config.agreement_country)},
            "settings": {"baseCurrency": "DKK"},
            "application": {"name": "shoporama-economic", "requiredRoles": []},
            "self": format!("{base}/self"),
        })),
        "/customers/{customerNumber}" => single(&world.customers),
        "/product-groups/{productGroupNumber}" => single(&world.product_groups),
        "/invoices/drafts/{draftInvoiceNumber}" => single(&world.drafts),
        "/invoices/booked/{bookedInvoiceNumber}" => single(&world.booked),
        "/products/{productNumber}" => {
            let decoded = Url::parse(&format!("http://standin/{tail}"))
                .ok()
                .and_then(|url| {
                    url.path_segments()
                        .and_then(|mut segments| segments.next())
                        .map(percent_decode)
                })
                .and_then(|segment| decode_path_id(&segment));
            decoded
                .and_then(|number| world.products.get(&number))
                .map_or_else(
                    || Reply::not_found(&log_id),
                    |found| Reply::ok(found.clone()),
                )
        }
        _ => {
            let (items, filterable): (Vec<&Value>, &[&str]) = match route {
                "/customers" => (
                    world.customers.values().collect(),
                    &[
                        "customerNumber",
                        "name",
                        "email",
                        "corporateIdentificationNumber",
                        "currency",
                        "city",
                        "zip",
                        "country",
                        "mobilePhone",
                        "ean",
                        "barred",
                    ],
                ),
                "/customer-groups" => (
                    world.customer_groups.values().collect(),
                    &["customerGroupNumber", "name"],
                ),
                "/product-groups" => (
                    world.product_groups.values().collect(),
                    &["productGroupNumber", "name"],
                ),
                "/vat-zones" => (
                    world.vat_zones.values().collect(),
                    &["vatZoneNumber", "name"],
                ),
                "/payment-terms" => (
                    world.payment_terms.values().collect(),
                    &[
                        "paymentTermsNumber",
                        "name",
                        "daysOfCredit",
                        "paymentTermsType",
                    ],
                ),
                "/layouts" => (world.layouts.values().collect(), &["layoutNumber", "name"]),
                "/units" => (world.units.values().collect(), &["unitNumber", "name"]),
                "/products" => (
                    world.products.values().collect(),
                    &["productNumber", "name", "barred", "salesPrice"],
                ),
                "/invoices/drafts" => (
                    world.drafts.values().collect(),
                    invoice_filterable!("draftInvoiceNumber"),
                ),
                _ => (
                    world.booked.values().collect(),
                    invoice_filterable!("bookedInvoiceNumber", "remainder"),
                ),
            };
            collection(base, path, &query, &items, filterable, &log_id)
        }
    }
}

/// The company country `GET /self` reports for the agreement's ISO code.
fn country_name(code: &str) -> String {
    match code.trim().to_ascii_uppercase().as_str() {
        "DK" => "Denmark".to_owned(),
        "SE" => "Sweden".to_owned(),
        "GB" | "UK" => "United Kingdom".to_owned(),
        "DE" => "Germany".to_owned(),
        "PL" => "Poland".to_owned(),
        "FI" => "Finland".to_owned(),
        "NO" => "Norway".to_owned(),
        other => other.to_owned(),
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(byte) = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            decoded.push(byte);
            index += 3;
            continue;
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// A collection page with e-conomic's envelope.
fn collection(
    base: &str,
    path: &str,
    query: &[(String, String)],
    items: &[&Value],
    filterable: &[&str],
    log_id: &str,
) -> Reply {
    let parameter = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let skip_pages = match parameter("skippages").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(skip)) => skip,
        Some(Err(_)) => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "skippages must be a non-negative integer.",
                "",
                log_id,
            );
        }
    };
    let page_size = match parameter("pagesize").map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(size)) if size > 0 => size.min(MAX_PAGE_SIZE),
        Some(_) => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "pagesize must be an integer from 1 to 1000.",
                "",
                log_id,
            );
        }
    };
    let filter_text = parameter("filter");
    let matching: Vec<&Value> = match filter_text {
        None => items.to_vec(),
        Some(text) => {
            let filter = match ParsedFilter::parse(text) {
                Ok(filter) => filter,
                Err(message) => {
                    return Reply::error(
                        StatusCode::BAD_REQUEST,
                        message,
                        "See the filtering section of the documentation.",
                        log_id,
                    );
                }
            };
            if let Some(property) = filter
                .properties()
                .find(|property| !filterable.contains(property))
            {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    format!("The property '{property}' is not filterable."),
                    format!("Filterable properties here: {}.", filterable.join(", ")),
                    log_id,
                );
            }
            items
                .iter()
                .copied()
                .filter(|item| filter.matches(item))
                .collect()
        }
    };
    let results = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip(skip_pages.saturating_mul(page_size))
        .take(page_size)
        .map(|item| (*item).clone())
        .collect();
    let link = |skip: usize| {
        let mut url = Url::parse(&format!("{base}{path}")).unwrap_or_else(|_| {
            Url::parse("http://127.0.0.1/")
                .unwrap_or_else(|_| unreachable!("a constant URL parses"))
        });
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("skippages", &skip.to_string());
            pairs.append_pair("pagesize", &page_size.to_string());
            if let Some(filter) = filter_text {
                pairs.append_pair("filter", filter);
            }
        }
        url.to_string()
    };
    let mut pagination = Map::new();
    pagination.insert("maxPageSizeAllowed".to_owned(), json!(MAX_PAGE_SIZE));
    pagination.insert("skipPages".to_owned(), json!(skip_pages));
    pagination.insert("pageSize".to_owned(), json!(page_size));
    pagination.insert("results".to_owned(), json!(results));
    pagination.insert("resultsWithoutFilter".to_owned(), json!(items.len()));
    if results == 0 {
        pagination.insert(
            "developerHint".to_owned(),
            json!("Pagination links are suppressed when there are no results."),
        );
    } else {
        let last = (results - 1) / page_size;
        pagination.insert("firstPage".to_owned(), json!(link(0)));
        if skip_pages > 0 {
            pagination.insert(
                "previousPage".to_owned(),
                json!(link((skip_pages - 1).min(last))),
            );
        }
        if skip_pages < last {
            pagination.insert("nextPage".to_owned(), json!(link(skip_pages + 1)));
        }
        pagination.insert("lastPage".to_owned(), json!(link(last)));
    }
    Reply::ok(json!({"collection": page, "pagination": pagination, "self": link(skip_pages)}))
}

/// Every `null` in the document is a validation error at its path.
fn find_nulls(node: &Value, at: &mut Vec<Segment>, validation: &mut Validation) {
    match node {
        Value::Null => validation.add(
            at.clone(),
            codes::NULL_NOT_ALLOWED,
            "Null is not an accepted value.",
            None,
        ),
        Value::Object(object) => {
            for (key, child) in object {
                at.push(Segment::Key(key.clone()));
                find_nulls(child, at, validation);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                at.push(Segment::Index(index));
                find_nulls(child, at, validation);
                at.pop();
            }
        }
        _ => {}
    }
}

/// One `POST` the stand-in validates and carries out.
#[derive(Clone, Copy)]
struct Post<'a> {
    /// The stand-in's base URL, for `self` links.
    base: &'a str,
    /// The agreement's ISO country code.
    agreement_country: &'a str,
    /// The request body.
    document: &'a Value,
    /// The request's log id, for error replies.
    log_id: &'a str,
}

impl Post<'_> {
    /// The body checked against its schema `table` ([`structural`]).
    fn structural(&self, table: &[schema::Property]) -> Validation {
        structural(table, self.document, self.agreement_country)
    }
}

/// The structural checks of a write: every `null` (e-conomic: "We do not generally accept null
/// as a value", economic-api.md §1.2), then the published schema ([`schema`]). The
/// resource-specific checks that follow skip properties these already reported.
fn structural(table: &[schema::Property], document: &Value, agreement_country: &str) -> Validation {
    let mut validation = Validation::default();
    find_nulls(document, &mut Vec::new(), &mut validation);
    schema::validate(table, document, agreement_country, &mut validation);
    validation
}

/// The property's name for messages: the last key of its path, capitalised.
fn display_name(property: &str) -> String {
    let last = property.rsplit('.').next().unwrap_or(property);
    let mut characters = last.chars();
    characters
        .next()
        .map(|first| first.to_uppercase().chain(characters).collect())
        .unwrap_or_default()
}

/// The property (`recipient.vatZone`) unless absent or `null`.
fn value_at<'a>(document: &'a Value, property: &str) -> Option<&'a Value> {
    document
        .pointer(&format!("/{}", property.replace('.', "/")))
        .filter(|value| !value.is_null())
}

/// The number at the end of a `self` link (`…/customers/7` → 7).
fn self_link_number(link: &str) -> Option<i128> {
    link.trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|tail| tail.parse::<i128>().ok())
}

/// A reference `property` (an object with `numberKey` or `self`: "References to other objects
/// may use either the number or self", economic-api.md §1.2) that must exist in `known`.
/// Absent references and references with schema violations are left to the schema's report.
fn reference(
    document: &Value,
    property: &str,
    known: &BTreeMap<u32, Value>,
    validation: &mut Validation,
) -> Option<u32> {
    reference_in(document, &[], property, known, validation)
}

/// The number property of a reference `property`, named after what it refers to:
/// `recipient.vatZone` carries a `vatZoneNumber`.
fn number_key(property: &str) -> String {
    let name = property.rsplit('.').next().unwrap_or(property);
    format!("{name}Number")
}

/// [`reference`] on a part of the request (`lines[2]`) at `prefix`.
fn reference_in(
    document: &Value,
    prefix: &[Segment],
    property: &str,
    known: &BTreeMap<u32, Value>,
    validation: &mut Validation,
) -> Option<u32> {
    let object = value_at(document, property)?.as_object()?;
    let mut at = prefix.to_vec();
    at.extend(path(property));
    if validation.has_errors_under(&at) {
        return None;
    }
    let number_key = number_key(property);
    let by_number = object.get(&number_key).filter(|value| !value.is_null());
    let by_self = object.get("self").and_then(Value::as_str);
    let number = match (by_number, by_self) {
        (None, None) => {
            // The stand-in's code: e-conomic documents this check (E04500) for products only.
            validation.add(
                at,
                codes::REQUIRED,
                format!(
                    "No identifiers present on {property}. Please include either a self link or a {number_key}."
                ),
                None,
            );
            return None;
        }
        (Some(number), _) => schema::integer_value(number),
        (None, Some(link)) => self_link_number(link),
    };
    let found = number
        .and_then(|number| u32::try_from(number).ok())
        .filter(|number| known.contains_key(number));
    if found.is_none() {
        // Documented: E06000 "<x> does not exist." (economic-api.md §1.4).
        validation.add(
            at,
            codes::DOES_NOT_EXIST,
            format!("{} does not exist.", display_name(property)),
            by_number.or(object.get("self")),
        );
    }
    found
}

/// The invoice or customer currency, if it is one e-conomic (here: the stand-in) knows.
fn known_currency(document: &Value, validation: &mut Validation) -> Option<&'static str> {
    let code = value_at(document, "currency")?.as_str()?;
    if validation.has_errors_under(&path("currency")) {
        return None;
    }
    let found = CURRENCIES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(code))
        .map(|(known, _)| *known);
    if found.is_none() {
        validation.add(
            path("currency"),
            codes::DOES_NOT_EXIST,
            "Currency does not exist.",
            Some(&json!(code)),
        );
    }
    found
}

/// [stand-in] a required name that is only blanks is refused (the schemas only require the
/// property to be present).
fn not_blank(document: &Value, property: &str, validation: &mut Validation) {
    if let Some(text) = value_at(document, property).and_then(Value::as_str)
        && text.trim().is_empty()
        && !validation.has_errors_under(&path(property))
    {
        validation.add(
            path(property),
            codes::REQUIRED,
            format!("Property {property} must not be empty."),
            Some(&json!(text)),
        );
    }
}

/// A number (or product number) the request chooses must be free: `chosen` already in
/// `taken` is refused at `property` with E00140 and `message`.
fn refuse_taken<K, Q>(
    taken: &BTreeMap<K, Value>,
    chosen: Option<&Q>,
    property: &str,
    message: &str,
    validation: &mut Validation,
) where
    K: Ord + Borrow<Q>,
    Q: Ord + Serialize + ?Sized,
{
    if let Some(chosen) = chosen
        && taken.contains_key(chosen)
    {
        validation.add(
            path(property),
            codes::ALREADY_IN_USE,
            message,
            Some(&json!(chosen)),
        );
    }
}

fn create_customer(world: &mut World, post: Post<'_>) -> Reply {
    let Post {
        base,
        document,
        log_id,
        ..
    } = post;
    let mut validation = post.structural(schema::CUSTOMER_POST);
    not_blank(document, "name", &mut validation);
    known_currency(document, &mut validation);
    reference(
        document,
        "customerGroup",
        &world.customer_groups,
        &mut validation,
    );
    reference(
        document,
        "paymentTerms",
        &world.payment_terms,
        &mut validation,
    );
    if let Some(zone) = reference(document, "vatZone", &world.vat_zones, &mut validation) {
        // [stand-in] the VAT zone list's `enabledForCustomer` flag (economic-api.md §1.7 "VAT
        // zones"); no published schema states the rule.
        let enabled = world
            .vat_zones
            .get(&zone)
            .and_then(|zone| zone.get("enabledForCustomer"))
            .and_then(Value::as_bool);
        if enabled != Some(true) {
            validation.add(
                path("vatZone"),
                codes::INVALID_VALUE,
                "VatZone is not enabled for customers.",
                Some(&json!(zone)),
            );
        }
    }
    reference(document, "layout", &world.layouts, &mut validation);
    let chosen = value_at(document, "customerNumber")
        .and_then(schema::integer_value)
        .filter(|_| !validation.has_errors_under(&path("customerNumber")))
        .and_then(|number| u32::try_from(number).ok());
    // [stand-in] a chosen number must be free.
    refuse_taken(
        &world.customers,
        chosen.as_ref(),
        "customerNumber",
        "CustomerNumber is already in use.",
        &mut validation,
    );
    if !validation.is_empty() {
        return Reply::validation(&validation, log_id);
    }
    let number = chosen.unwrap_or_else(|| {
        world
            .customers
            .keys()
            .next_back()
            .map_or(1, |last| last + 1)
    });
    let mut normalised = document.clone();
    if let Some(code) = document.get("currency").and_then(Value::as_str) {
        normalised["currency"] = json!(code.to_ascii_uppercase());
    }
    let customer = world.customer_document(base, number, &normalised);
    world.customers.insert(number, customer.clone());
    world.customers_created += 1;
    Reply::created(customer)
}

/// `POST /products` ([`schema::PRODUCT_POST`]): the product group and unit must exist, the
/// product number must be free.
fn create_product(world: &mut World, post: Post<'_>) -> Reply {
    let Post {
        base,
        document,
        log_id,
        ..
    } = post;
    let mut validation = post.structural(schema::PRODUCT_POST);
    not_blank(document, "name", &mut validation);
    not_blank(document, "productNumber", &mut validation);
    let group = reference(
        document,
        "productGroup",
        &world.product_groups,
        &mut validation,
    );
    let unit = reference(document, "unit", &world.units, &mut validation);
    let number = value_at(document, "productNumber")
        .and_then(Value::as_str)
        .filter(|_| !validation.has_errors_under(&path("productNumber")));
    // [stand-in] "Unique alphanumeric product number": a taken one is refused.
    refuse_taken(
        &world.products,
        number,
        "productNumber",
        "ProductNumber is already in use.",
        &mut validation,
    );
    let (Some(number), Some(group), true) = (number, group, validation.is_empty()) else {
        return Reply::validation(&validation, log_id);
    };
    let mut product = document.as_object().cloned().unwrap_or_default();
    product.remove("inventory");
    let group = world
        .product_groups
        .get(&group)
        .cloned()
        .unwrap_or_default();
    product.insert("productGroup".to_owned(), group);
    if let Some(unit) = unit {
        let link = format!("{base}/units/{unit}");
        product.insert("unit".to_owned(), json!({"unitNumber": unit, "self": link}));
    }
    for property in ["salesPrice", "costPrice", "recommendedPrice"] {
        product.entry(property).or_insert(json!(0.0));
    }
    product.entry("barred").or_insert(json!(false));
    product.insert("lastUpdated".to_owned(), json!(now_text()));
    let own = format!("{base}/products/{}", encode_path_id(number));
    product.insert("self".to_owned(), json!(own));
    let product = Value::Object(product);
    world.products.insert(number.to_owned(), product.clone());
    world.products_created += 1;
    Reply::created(product)
}

/// A validated line, ready to compute.
struct Line {
    document: Map<String, Value>,
    quantity: Quantity,
    unit_net_price: Money,
    discount_basis_points: i64,
}

/// The lines' references and cross-property rules (the schema checked their shapes).
fn validate_lines(
    world: &World,
    base: &str,
    document: &Value,
    validation: &mut Validation,
) -> Vec<Line> {
    let Some(raw_lines) = value_at(document, "lines").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut lines = Vec::with_capacity(raw_lines.len());
    for (index, raw) in raw_lines.iter().enumerate() {
        let Some(object) = raw.as_object() else {
            continue;
        };
        let line_document = raw;
        let here = |property: &str| line_path(index, property);
        let mut line = object.clone();
        let mut sales_price = None;
        let product = object.get("product").filter(|value| !value.is_null());
        if let Some(product) = product
            && product.is_object()
            && !validation.has_errors_under(&here("product"))
        {
            let number = product
                .get("productNumber")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| {
                    product
                        .get("self")
                        .and_then(Value::as_str)
                        .and_then(|link| link.rsplit('/').next())
                        .map(percent_decode)
                        .and_then(|segment| decode_path_id(&segment))
                });
            match number {
                // Documented: E04500 (economic-api.md §1.4).
                None => validation.add(
                    here("product"),
                    codes::PRODUCT_WITHOUT_IDENTIFIER,
                    "No identifiers present on product. Please include either a self link or a productNumber.",
                    Some(product),
                ),
                Some(number) => match world.products.get(&number) {
                    // Documented: E06000.
                    None => validation.add(
                        here("product"),
                        codes::DOES_NOT_EXIST,
                        "Product does not exist.",
                        Some(&json!(number)),
                    ),
                    Some(found) => {
                        sales_price = found.get("salesPrice").and_then(Value::as_f64);
                        line.insert(
                            "product".to_owned(),
                            json!({"productNumber": number, "self": format!("{base}/products/{}", encode_path_id(&number))}),
                        );
                        if let Some(cost) = found.get("costPrice") {
                            line.entry("unitCostPrice").or_insert_with(|| cost.clone());
                        }
                    }
                },
            }
        }
        if product.is_some() {
            // invoices.drafts.post (_invoices.md): "when setting existing products,
            // description field is required".
            if !object.contains_key("description") {
                validation.add(
                    here("description"),
                    codes::REQUIRED,
                    "Property description is required when product is set.",
                    None,
                );
            }
            // Documented: E04730 (economic-api.md §1.4).
            if !object.contains_key("quantity") {
                validation.add(
                    here("quantity"),
                    codes::QUANTITY_REQUIRED,
                    "Property quantity must have a value when product is set.",
                    None,
                );
            }
        }
        let mut amount = |property: &str| -> Option<f64> {
            let value = value_at(line_document, property)?;
            let number = value.as_f64()?;
            if validation.has_errors_under(&here(property)) {
                return None;
            }
            // [stand-in] amounts beyond 10^12 cannot be computed exactly here.
            if number.abs() > 1e12 {
                validation.add(
                    here(property),
                    codes::OUT_OF_RANGE,
                    format!("{} is out of range.", display_name(property)),
                    Some(value),
                );
                return None;
            }
            Some(number)
        };
        let quantity = amount("quantity");
        let unit_net_price = amount("unitNetPrice").or(sales_price);
        let discount = amount("discountPercentage");
        // [stand-in] a percentage outside 0–100 (e-conomic states no range).
        if let Some(discount) = discount
            && !(0.0..=100.0).contains(&discount)
        {
            validation.add(
                here("discountPercentage"),
                codes::OUT_OF_RANGE,
                "DiscountPercentage must be from 0 to 100.",
                Some(&json!(discount)),
            );
        }
        if let Some(number) = reference_in(
            line_document,
            &line_path(index, ""),
            "unit",
            &world.units,
            validation,
        ) {
            line.insert(
                "unit".to_owned(),
                json!({"unitNumber": number, "self": format!("{base}/units/{number}")}),
            );
        }
        let quantity = Quantity::from_f64(quantity.unwrap_or(1.0)).unwrap_or(Quantity::ONE);
        let unit_net_price = Money::from_f64(unit_net_price.unwrap_or(0.0)).unwrap_or(Money::ZERO);
        let discount_basis_points =
            Money::from_f64(discount.unwrap_or(0.0)).map_or(0, Money::minor);
        lines.push(Line {
            document: line,
            quantity,
            unit_net_price,
            discount_basis_points,
        });
    }
    lines
}

/// `round2(quantity × unitNetPrice × (1 − discount/100))`.
fn line_total(line: &Line) -> Money {
    let numerator = i128::from(line.quantity.hundredths())
        * i128::from(line.unit_net_price.minor())
        * i128::from(10_000 - line.discount_basis_points);
    Money::from_minor(i64::try_from(div_round(numerator, 1_000_000)).unwrap_or(0))
}

fn vat_rate_of_zone(zone: u64) -> VatRate {
    if zone == DOMESTIC_VAT_ZONE {
        VatRate::DANISH
    } else {
        VatRate::ZERO
    }
}

fn due_date(date: NaiveDate, terms: &Value) -> NaiveDate {
    let days = terms
        .get("daysOfCredit")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    match terms.get("paymentTermsType").and_then(Value::as_str) {
        Some("net") => date.checked_add_days(Days::new(days)).unwrap_or(date),
        Some("invoiceMonth") => {
            let first_of_next = if date.month() == 12 {
                NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
            };
            first_of_next
                .and_then(|first| first.pred_opt())
                .and_then(|end| end.checked_add_days(Days::new(days)))
                .unwrap_or(date)
        }
        _ => date,
    }
}

fn create_draft(world: &mut World, post: Post<'_>) -> Reply {
    let Post {
        base,
        document,
        log_id,
        ..
    } = post;
    let mut validation = post.structural(schema::DRAFT_POST);
    let currency = known_currency(document, &mut validation);
    let customer = reference(document, "customer", &world.customers, &mut validation);
    let date = value_at(document, "date")
        .and_then(Value::as_str)
        .and_then(schema::parse_full_date);
    let layout = reference(document, "layout", &world.layouts, &mut validation);
    if let Some(layout) = layout
        && world
            .layouts
            .get(&layout)
            .and_then(|found| found.get("deleted"))
            .and_then(Value::as_bool)
            == Some(true)
    {
        validation.add(
            path("layout"),
            codes::DOES_NOT_EXIST,
            "Layout does not exist.",
            Some(&json!(layout)),
        );
    }
    let terms = reference(
        document,
        "paymentTerms",
        &world.payment_terms,
        &mut validation,
    );
    // invoices.drafts.post (_invoices.md, `dueDate`): "Only used if the terms of payment is of
    // type 'duedate', in which case it is mandatory."
    if let Some(terms) = terms
        && world
            .payment_terms
            .get(&terms)
            .and_then(|found| found.get("paymentTermsType"))
            .and_then(Value::as_str)
            == Some("dueDate")
        && document.get("dueDate").is_none()
    {
        validation.add(
            path("dueDate"),
            codes::REQUIRED,
            "Property dueDate is required when the payment terms are of type dueDate.",
            None,
        );
    }
    not_blank(document, "recipient.name", &mut validation);
    let zone = reference(
        document,
        "recipient.vatZone",
        &world.vat_zones,
        &mut validation,
    );
    let lines = validate_lines(world, base, document, &mut validation);
    let (Some(currency), Some(customer), Some(date), Some(layout), Some(terms), Some(zone), true) = (
        currency,
        customer,
        date,
        layout,
        terms,
        zone,
        validation.is_empty(),
    ) else {
        return Reply::validation(&validation, log_id);
    };
    let number = world.next_draft;
    world.next_draft += 1;
    let rate = vat_rate_of_zone(u64::from(zone));
    let mut net = Money::ZERO;
    let mut rendered_lines = Vec::with_capacity(lines.len());
    for (index, mut line) in lines.into_iter().enumerate() {
        let total = line_total(&line);
        net += total;
        let position = index + 1;
        line.document
            .insert("lineNumber".to_owned(), json!(position));
        line.document.insert("sortKey".to_owned(), json!(position));
        line.document
            .insert("quantity".to_owned(), json!(line.quantity.to_f64()));
        line.document.insert(
            "unitNetPrice".to_owned(),
            json!(line.unit_net_price.to_f64()),
        );
        line.document.insert(
            "discountPercentage".to_owned(),
            json!(Money::from_minor(line.discount_basis_points).to_f64()),
        );
        line.document
            .insert("totalNetAmount".to_owned(), json!(total.to_f64()));
        rendered_lines.push(Value::Object(line.document));
    }
    let vat = net.vat_at(rate);
    let terms_document = world
        .payment_terms
        .get(&terms)
        .cloned()
        .unwrap_or_else(|| json!({"paymentTermsNumber": terms}));
    let due = document
        .get("dueDate")
        .and_then(Value::as_str)
        .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .unwrap_or_else(|| due_date(date, &terms_document));
    // The desired rate when given, else the stand-in's fixed daily rate.
    let exchange_rate = document
        .get("exchangeRate")
        .and_then(Value::as_f64)
        .unwrap_or_else(|| {
            CURRENCIES
                .iter()
                .find(|(code, _)| *code == currency)
                .map_or(100.0, |(_, rate)| *rate)
        });
    let own = format!("{base}/invoices/drafts/{number}");
    let mut draft = document.as_object().cloned().unwrap_or_default();
    let mut recipient = document
        .get("recipient")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    recipient.insert(
        "vatZone".to_owned(),
        world
            .vat_zones
            .get(&zone)
            .cloned()
            .unwrap_or_else(|| json!({"vatZoneNumber": zone})),
    );
    for (key, value) in [
        ("draftInvoiceNumber", json!(number)),
        ("currency", json!(currency)),
        ("exchangeRate", json!(exchange_rate)),
        ("date", json!(date.format("%Y-%m-%d").to_string())),
        ("dueDate", json!(due.format("%Y-%m-%d").to_string())),
        (
            "customer",
            json!({"customerNumber": customer, "self": format!("{base}/customers/{customer}")}),
        ),
        (
            "layout",
            json!({"layoutNumber": layout, "self": format!("{base}/layouts/{layout}")}),
        ),
        ("paymentTerms", terms_document),
        ("recipient", Value::Object(recipient)),
        ("lines", Value::Array(rendered_lines)),
        ("netAmount", json!(net.to_f64())),
        (
            "netAmountInBaseCurrency",
            json!(in_base(net, exchange_rate).to_f64()),
        ),
        ("vatAmount", json!(vat.to_f64())),
        ("grossAmount", json!((net + vat).to_f64())),
        (
            "grossAmountInBaseCurrency",
            json!(in_base(net + vat, exchange_rate).to_f64()),
        ),
        ("roundingAmount", json!(0.0)),
        ("pdf", json!({"download": format!("{own}/pdf")})),
        (
            "templates",
            json!({"bookingInstructions": format!("{own}/templates/booking-instructions"), "self": format!("{own}/templates")}),
        ),
        ("lastUpdated", json!(now_text())),
        ("self", json!(own)),
    ] {
        draft.insert(key.to_owned(), value);
    }
    let draft = Value::Object(draft);
    world.drafts.insert(number, draft.clone());
    world.drafts_created += 1;
    Reply::created(draft)
}

fn in_base(amount: Money, exchange_rate: f64) -> Money {
    Money::from_f64(amount.to_f64() * exchange_rate / 100.0).unwrap_or(amount)
}

/// The draft a booking names, by `draftInvoiceNumber` or `self` (existence is answered with
/// 404 afterwards).
fn draft_to_book(document: &Value, validation: &mut Validation) -> Option<u32> {
    let object = value_at(document, "draftInvoice")?.as_object()?;
    if validation.has_errors_under(&path("draftInvoice")) {
        return None;
    }
    let by_number = object
        .get("draftInvoiceNumber")
        .and_then(schema::integer_value);
    let by_self = object
        .get("self")
        .and_then(Value::as_str)
        .and_then(self_link_number);
    if by_number.is_none() && by_self.is_none() {
        validation.add(
            path("draftInvoice"),
            codes::REQUIRED,
            "No identifiers present on draftInvoice. Please include either a self link or a draftInvoiceNumber.",
            None,
        );
    }
    by_number
        .or(by_self)
        .and_then(|number| u32::try_from(number).ok())
}

/// `sendBy: ean` (economic-api.md §1.7 "Booking"; `_invoices.md`, POST /invoices/booked,
/// "EAN"): "To send an invoice via EAN it must meet the following conditions: … A valid EAN
/// number must exist on the customer … Contact person on the invoice must be provided … EAN
/// invoices are only valid for the Danish agreements". (The agreement's CVR and the customer's
/// contact person are conditions too; the stand-in models neither and does not check them.)
fn ean_conditions(
    world: &World,
    agreement_country: &str,
    document: &Value,
    draft: &Value,
    validation: &mut Validation,
) {
    let Some((property, value)) = ["sendBy", "sentBy"].into_iter().find_map(|property| {
        document
            .get(property)
            .filter(|value| {
                value
                    .as_str()
                    .is_some_and(|text| text.eq_ignore_ascii_case("ean"))
            })
            .map(|value| (property, value))
    }) else {
        return;
    };
    if !agreement_country.trim().eq_ignore_ascii_case("DK") {
        validation.add(
            path(property),
            codes::NOT_AVAILABLE,
            format!(
                "EAN invoices are only valid for the Danish agreements; this agreement is in {}.",
                agreement_country.trim()
            ),
            Some(value),
        );
    }
    let customer_ean = draft
        .pointer("/customer/customerNumber")
        .and_then(Value::as_u64)
        .and_then(|number| u32::try_from(number).ok())
        .and_then(|number| world.customers.get(&number))
        .and_then(|customer| customer.get("ean"))
        .and_then(Value::as_str)
        .is_some_and(|ean| !ean.trim().is_empty());
    if !customer_ean {
        validation.add(
            path(property),
            codes::INVALID_VALUE,
            "To send an invoice via EAN a valid EAN number must exist on the customer.",
            Some(value),
        );
    }
    if draft.pointer("/references/customerContact").is_none() {
        validation.add(
            path(property),
            codes::INVALID_VALUE,
            "To send an invoice via EAN the contact person on the invoice (references.customerContact) must be provided.",
            Some(value),
        );
    }
}

fn book_draft(world: &mut World, post: Post<'_>) -> Reply {
    let Post {
        base,
        agreement_country,
        document,
        log_id,
    } = post;
    let mut validation = post.structural(schema::BOOKED_POST);
    let draft_number = draft_to_book(document, &mut validation);
    let chosen = value_at(document, "bookWithNumber")
        .and_then(schema::integer_value)
        .filter(|_| !validation.has_errors_under(&path("bookWithNumber")));
    let chosen = match chosen {
        // [stand-in] invoice numbers are positive (the schema states no minimum).
        Some(number) if number < 1 || number > i128::from(u32::MAX) => {
            validation.add(
                path("bookWithNumber"),
                codes::OUT_OF_RANGE,
                "BookWithNumber must be a positive integer.",
                Some(&json!(number.to_string())),
            );
            None
        }
        Some(number) => u32::try_from(number).ok(),
        None => None,
    };
    refuse_taken(
        &world.booked,
        chosen.as_ref(),
        "bookWithNumber",
        "An invoice with this number is already booked.",
        &mut validation,
    );
    let (Some(draft_number), true) = (draft_number, validation.is_empty()) else {
        return Reply::validation(&validation, log_id);
    };
    let Some(draft) = world.drafts.get(&draft_number) else {
        return Reply::not_found(log_id);
    };
    ean_conditions(world, agreement_country, document, draft, &mut validation);
    if !validation.is_empty() {
        return Reply::validation(&validation, log_id);
    }
    let Some(draft) = world.drafts.remove(&draft_number) else {
        return Reply::not_found(log_id);
    };
    let number =
        chosen.unwrap_or_else(|| world.booked.keys().next_back().map_or(1, |last| last + 1));
    let zone = draft
        .pointer("/recipient/vatZone/vatZoneNumber")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let rate = vat_rate_of_zone(zone);
    let own = format!("{base}/invoices/booked/{number}");
    let mut booked = Map::new();
    for key in [
        "date",
        "currency",
        "exchangeRate",
        "netAmount",
        "netAmountInBaseCurrency",
        "grossAmount",
        "grossAmountInBaseCurrency",
        "vatAmount",
        "roundingAmount",
        "dueDate",
        "paymentTerms",
        "customer",
        "recipient",
        "delivery",
        "notes",
        "references",
        "layout",
    ] {
        if let Some(value) = draft.get(key) {
            booked.insert(key.to_owned(), value.clone());
        }
    }
    let lines: Vec<Value> = draft
        .get("lines")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .map(|line| {
                    let mut line = line.clone();
                    let total = line
                        .get("totalNetAmount")
                        .and_then(Value::as_f64)
                        .and_then(|total| Money::from_f64(total).ok())
                        .unwrap_or(Money::ZERO);
                    line["vatRate"] = json!(rate.percent());
                    line["vatAmount"] = json!(total.vat_at(rate).to_f64());
                    line
                })
                .collect()
        })
        .unwrap_or_default();
    let gross = draft.get("grossAmount").cloned().unwrap_or(json!(0.0));
    let gross_base = draft
        .get("grossAmountInBaseCurrency")
        .cloned()
        .unwrap_or_else(|| gross.clone());
    for (key, value) in [
        ("bookedInvoiceNumber", json!(number)),
        ("lines", Value::Array(lines)),
        ("remainder", gross),
        ("remainderInBaseCurrency", gross_base),
        ("pdf", json!({"download": format!("{own}/pdf")})),
        ("sent", json!(format!("{own}/sent"))),
        ("self", json!(own)),
    ] {
        booked.insert(key.to_owned(), value);
    }
    let booked = Value::Object(booked);
    world.booked.insert(number, booked.clone());
    world.booked_created += 1;
    Reply::created(booked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templated() {
        assert_eq!(
            route_of("/invoices/drafts/12"),
            "/invoices/drafts/{draftInvoiceNumber}"
        );
        assert_eq!(route_of("/invoices/drafts/"), "/invoices/drafts");
        assert_eq!(route_of("/products/My_9_P"), "/products/{productNumber}");
        assert_eq!(route_of("/nope"), "(unknown)");
    }

    #[test]
    fn due_dates_follow_the_terms() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 13).expect("valid");
        let net8 = json!({"paymentTermsType": "net", "daysOfCredit": 8});
        assert_eq!(
            due_date(date, &net8),
            NaiveDate::from_ymd_opt(2024, 2, 21).expect("valid")
        );
        let month30 = json!({"paymentTermsType": "invoiceMonth", "daysOfCredit": 30});
        assert_eq!(
            due_date(date, &month30),
            NaiveDate::from_ymd_opt(2024, 3, 30).expect("valid")
        );
        let december = NaiveDate::from_ymd_opt(2024, 12, 5).expect("valid");
        assert_eq!(
            due_date(december, &month30),
            NaiveDate::from_ymd_opt(2025, 1, 30).expect("valid")
        );
        assert_eq!(
            due_date(date, &json!({"paymentTermsType": "prepaid"})),
            date
        );
    }

    #[test]
    fn self_links_are_percent_decoded() {
        assert_eq!(percent_decode("%C3%A6ble_9_x"), "æble_9_x");
        assert_eq!(self_link_number("http://x/customers/7/"), Some(7));
        assert_eq!(self_link_number("http://x/customers/abc"), None);
    }

    #[test]
    fn line_totals_apply_discounts() {
        let line = Line {
            document: Map::new(),
            quantity: Quantity::from_units(3),
            unit_net_price: Money::from_minor(3_333),
            discount_basis_points: 1_000,
        };
        // 3 × 33.33 = 99.99, less 10 % = 89.991 → 89.99.
        assert_eq!(line_total(&line), Money::from_minor(8_999));
    }
}
