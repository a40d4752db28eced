//! The stand-in against e-conomic's published request schemas, one rule a row: a valid body
//! (with the property at its limit where the rule has one) is accepted, then the same body
//! broken in exactly that one way is refused with a 400 that names exactly that property.
//!
//! Sources (see `src/standin/schema.rs`): the property tables of `customers.post.schema.json`,
//! `products.post.schema.json`, `invoices.drafts.post.schema.json` and `invoices.booked.post.schema.json` in e-conomic's
//! REST documentation (`e-conomic/slate@a36f68f`), the schema file
//! `https://restapi.e-conomic.com/schema/invoices.drafts.post.schema.json` (patterns,
//! `maxDecimal`), e-conomic's draft invoice line schema (`maxDecimal: 2` on line amounts), and
//! the documented error codes of the annotated-errors example.
//! Lengths are Unicode code points, as JSON Schema counts them: the emoji rows fill a limit
//! with characters that are two UTF-16 units and four bytes each.

use Fill::{Email, Emoji, Text};
use economic::standin::{StandIn, StandInConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// One character, two UTF-16 code units, four UTF-8 bytes.
const EMOJI: &str = "😀";
/// One grapheme, five code points (man, ZWJ, woman, ZWJ, girl).
const FAMILY: &str = "👨\u{200d}👩\u{200d}👧";

fn text(length: usize) -> Value {
    json!("x".repeat(length))
}

fn emoji(count: usize) -> Value {
    json!(EMOJI.repeat(count))
}

/// `local@example.dk`, `length` characters long.
fn email(length: usize) -> Value {
    let domain = "@example.dk";
    json!(format!("{}{domain}", "a".repeat(length - domain.len())))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Customers,
    Products,
    Drafts,
    Booked,
}

impl Endpoint {
    /// How a rule's wording names the endpoint: its path's last segment.
    fn name(self) -> &'static str {
        let path = self.path();
        path.rsplit_once('/').map_or(path, |(_, last)| last)
    }

    fn path(self) -> &'static str {
        match self {
            Self::Customers => "/customers",
            Self::Products => "/products",
            Self::Drafts => "/invoices/drafts",
            Self::Booked => "/invoices/booked",
        }
    }
}

/// An edit of a body at a JSON pointer.
#[derive(Debug, Clone)]
enum Op {
    Set(&'static str, Value),
    Remove(&'static str),
}

fn set(pointer: &'static str, value: Value) -> Op {
    Op::Set(pointer, value)
}

fn remove(pointer: &'static str) -> Op {
    Op::Remove(pointer)
}

fn apply(body: &mut Value, ops: &[Op]) {
    for op in ops {
        let pointer = match op {
            Op::Set(pointer, _) | Op::Remove(pointer) => *pointer,
        };
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        let parent = body
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{pointer}: no parent"));
        match (op, parent) {
            (Op::Set(_, value), Value::Object(object)) => {
                object.insert(key.to_owned(), value.clone());
            }
            (Op::Set(_, value), Value::Array(items)) => {
                items[key.parse::<usize>().expect("an index")] = value.clone();
            }
            (Op::Remove(_), Value::Object(object)) => {
                assert!(object.remove(key).is_some(), "{pointer}: nothing to remove");
            }
            (_, other) => panic!("{pointer}: cannot edit {other}"),
        }
    }
}

/// One documented rule.
#[derive(Clone)]
struct Rule {
    /// The rule, as the schema states it.
    says: String,
    endpoint: Endpoint,
    /// Edits that keep the body valid (the property at its limit); may be empty.
    ok: Vec<Op>,
    /// Edits that break exactly this rule.
    bad: Vec<Op>,
    /// The property the error names (`lines.0.quantity`).
    at: String,
    /// The error code.
    code: &'static str,
}

fn rule(
    says: impl Into<String>,
    endpoint: Endpoint,
    ok: Vec<Op>,
    bad: Vec<Op>,
    at: impl Into<String>,
    code: &'static str,
) -> Rule {
    Rule {
        says: says.into(),
        endpoint,
        ok,
        bad,
        at: at.into(),
        code,
    }
}

/// The property a JSON pointer names, as errors name it: `/lines/0/unit` is `lines.0.unit`.
fn property(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// A rule about the property at `pointer`: the base body with `ok` (if any) set there
/// passes, with `bad` set there it is refused with `code` at that property.
fn single(
    endpoint: Endpoint,
    pointer: &'static str,
    what: &str,
    ok: Option<Value>,
    bad: Value,
    code: &'static str,
) -> Rule {
    let at = property(pointer);
    let ok = ok.map(|value| set(pointer, value)).into_iter().collect();
    rule(
        format!("{}: {at} {what}", endpoint.name()),
        endpoint,
        ok,
        vec![set(pointer, bad)],
        at,
        code,
    )
}

/// `… is required`: the base body without the property is refused with E00100.
fn required(endpoint: Endpoint, pointers: &[&'static str]) -> Vec<Rule> {
    pointers
        .iter()
        .map(|&pointer| {
            let at = property(pointer);
            let says = format!("{}: {at} is required", endpoint.name());
            rule(says, endpoint, vec![], vec![remove(pointer)], at, REQUIRED)
        })
        .collect()
}

/// What fills a string property up to its length limit.
#[derive(Debug, Clone, Copy)]
enum Fill {
    /// `x`s: one byte each.
    Text,
    /// Emoji: one code point, two UTF-16 units and four bytes each.
    Emoji,
    /// An address at `example.dk`.
    Email,
}

impl Fill {
    fn of(self, length: usize) -> Value {
        match self {
            Self::Text => text(length),
            Self::Emoji => emoji(length),
            Self::Email => email(length),
        }
    }

    /// How the rule's wording notes the fill.
    fn note(self) -> &'static str {
        match self {
            Self::Emoji => " (emoji count once)",
            Self::Text | Self::Email => "",
        }
    }
}

/// `maxLength n` as (pointer, n, fill): `n` characters pass, `n + 1` are refused with E00130.
fn max_lengths(endpoint: Endpoint, limits: &[(&'static str, usize, Fill)]) -> Vec<Rule> {
    limits
        .iter()
        .map(|&(pointer, limit, fill)| {
            let what = format!("maxLength {limit}{}", fill.note());
            let (ok, bad) = (fill.of(limit), fill.of(limit + 1));
            single(endpoint, pointer, &what, Some(ok), bad, RANGE)
        })
        .collect()
}

/// Rules with a limit to reach, as (pointer, rule, value at the limit, value past it, code).
fn bounded(
    endpoint: Endpoint,
    cases: Vec<(&'static str, &str, Value, Value, &'static str)>,
) -> Vec<Rule> {
    cases
        .into_iter()
        .map(|(pointer, what, ok, bad, code)| single(endpoint, pointer, what, Some(ok), bad, code))
        .collect()
}

/// Rules the base body meets as it is, as (pointer, rule, value that breaks it, code).
fn refused(endpoint: Endpoint, cases: Vec<(&'static str, &str, Value, &'static str)>) -> Vec<Rule> {
    cases
        .into_iter()
        .map(|(pointer, what, bad, code)| single(endpoint, pointer, what, None, bad, code))
        .collect()
}

const REQUIRED: &str = "E00100";
const NULL: &str = "E00110";
const INVALID: &str = "E00120";
const RANGE: &str = "E00130";
const IN_USE: &str = "E00140";
const NOT_AVAILABLE: &str = "E00150";
const DOES_NOT_EXIST: &str = "E06000";
const DECIMALS: &str = "E04740";
const NO_IDENTIFIER: &str = "E04500";
const QUANTITY_REQUIRED: &str = "E04730";

/// A customer with every writable property of `customers.post.schema.json` set (but
/// `vatNumber`, which a Danish agreement does not have).
fn customer_body() -> Value {
    json!({
        "name": "Jens Hansen", "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1, "self": "https://restapi.e-conomic.com/customer-groups/1"},
        "paymentTerms": {"paymentTermsNumber": 1, "self": "https://restapi.e-conomic.com/payment-terms/1"},
        "vatZone": {"vatZoneNumber": 1, "self": "https://restapi.e-conomic.com/vat-zones/1"},
        "address": "Vestergade 1", "zip": "8000", "city": "Aarhus C", "country": "Danmark",
        "email": "jens@example.dk anne@example.dk", "mobilePhone": "+45 12 34 56 78",
        "telephoneAndFaxNumber": "+45 87 65 43 21", "corporateIdentificationNumber": "12345678",
        "ean": "5790000000000", "pNumber": "1234567890", "publicEntryNumber": "DK-1",
        "website": "https://example.dk", "barred": false, "creditLimit": 1000.5,
        "layout": {"layoutNumber": 19, "self": "https://restapi.e-conomic.com/layouts/19"},
        "salesPerson": {"employeeNumber": 1, "self": "https://restapi.e-conomic.com/employees/1"}
    })
}

/// A product with every writable property of `products.post.schema.json` set (and typed
/// read-only inventory figures, which e-conomic ignores); the harness gives each a fresh
/// number.
fn product_body() -> Value {
    json!({
        "productNumber": "P-0", "name": "Kaffekop", "description": "Hvid porcelæn, 25 cl",
        "productGroup": {"productGroupNumber": 1, "self": "https://restapi.e-conomic.com/product-groups/1"},
        "salesPrice": 159.6, "costPrice": 50, "recommendedPrice": 199.5,
        "barCode": "5701234567890", "barred": false,
        "unit": {"unitNumber": 1, "self": "https://restapi.e-conomic.com/units/1"},
        "departmentalDistribution": {"departmentalDistributionNumber": 1, "distributionType": "department"},
        "inventory": {"packageVolume": 0.5, "recommendedCostPrice": 50, "available": 3}
    })
}

/// A draft with every writable property of `invoices.drafts.post.schema.json` set.
fn draft_body() -> Value {
    json!({
        "currency": "DKK", "date": "2024-02-13", "dueDate": "2024-02-21", "exchangeRate": 100,
        "customer": {"customerNumber": 1, "self": "https://restapi.e-conomic.com/customers/1"},
        "layout": {"layoutNumber": 19, "self": "https://restapi.e-conomic.com/layouts/19"},
        "paymentTerms": {"paymentTermsNumber": 1, "self": "https://restapi.e-conomic.com/payment-terms/1"},
        "recipient": {
            "name": "Jens Hansen", "address": "Vestergade 1", "zip": "8000", "city": "Aarhus C",
            "country": "Danmark", "ean": "5790000000000", "publicEntryNumber": "DK-1",
            "nemHandelType": "ean", "mobilePhone": "+4512345678",
            "attention": {"customerContactNumber": 1, "self": "https://restapi.e-conomic.com/customers/1/contacts/1"},
            "vatZone": {"vatZoneNumber": 1, "self": "https://restapi.e-conomic.com/vat-zones/1"}
        },
        "delivery": {
            "address": "Havnegade 2", "zip": "1058", "city": "København K", "country": "Danmark",
            "deliveryDate": "2024-02-14", "deliveryTerms": "Ab lager"
        },
        "deliveryLocation": {"deliveryLocationNumber": 1},
        "notes": {"heading": "Ordre 1042", "textLine1": "Tak for købet", "textLine2": "Betalt med kort"},
        "references": {
            "other": "shoporama-7-1042",
            "customerContact": {"customerContactNumber": 1},
            "salesPerson": {"employeeNumber": 1},
            "vendorReference": {"employeeNumber": 2}
        },
        "project": {"projectNumber": 1},
        "lines": [{
            "lineNumber": 1, "sortKey": 1, "description": "Kaffekop",
            "product": {"productNumber": "1"}, "quantity": 2, "unitNetPrice": 159.6,
            "discountPercentage": 10, "unitCostPrice": 50,
            "unit": {"unitNumber": 1, "self": "https://restapi.e-conomic.com/units/1"},
            "accrual": {"startDate": "2024-02-01", "endDate": "2024-02-29"},
            "departmentalDistribution": {"departmentalDistributionNumber": 1, "distributionType": "department"}
        }]
    })
}

fn booking_body(draft: u64, base: &str) -> Value {
    json!({"draftInvoice": {"draftInvoiceNumber": draft, "self": format!("{base}/invoices/drafts/{draft}")},
           "sendBy": "none"})
}

/// Every rule of the four schemas. The tables below keep one rule a row, so rustfmt leaves
/// them as written.
fn rules() -> Vec<Rule> {
    [
        product_rules(),
        customer_rules(),
        draft_rules(),
        booking_rules(),
    ]
    .concat()
}

/// `POST /products`: `products.post.schema.json`.
#[rustfmt::skip]
fn product_rules() -> Vec<Rule> {
    let endpoint = Endpoint::Products;
    [
        required(endpoint, &["/name", "/productNumber", "/productGroup"]),
        max_lengths(endpoint, &[
            ("/name", 300, Emoji),
            ("/productNumber", 25, Emoji),
            ("/description", 500, Text),
            ("/barCode", 50, Text),
        ]),
        bounded(endpoint, vec![
            ("/name", "minLength 1", json!("K"), json!(""), RANGE),
            ("/productNumber", "minLength 1", json!("Q"), json!(""), RANGE),
            ("/productGroup", "must exist", json!({"productGroupNumber": 2}), json!({"productGroupNumber": 99}), DOES_NOT_EXIST),
            ("/barred", "is a boolean", json!(true), json!("no"), INVALID),
        ]),
        refused(endpoint, vec![
            ("/name", "is a string", json!(42), INVALID),
            ("/productNumber", "is a string", json!(500), INVALID),
            ("/productNumber", "is unique", json!("1"), IN_USE),
            ("/productGroup/productGroupNumber", "is an integer", json!("1"), INVALID),
            ("/productGroup/self", "is a uri", json!("product group one"), INVALID),
            ("/salesPrice", "is a number", json!("159.60"), INVALID),
            ("/costPrice", "is a number", json!("50"), INVALID),
            ("/recommendedPrice", "is a number", json!(true), INVALID),
            ("/unit", "must exist", json!({"unitNumber": 99}), DOES_NOT_EXIST),
            ("/departmentalDistribution/departmentalDistributionNumber", "minimum 1", json!(0), RANGE),
            ("/inventory/packageVolume", "is a number", json!("0.5"), INVALID),
            ("/inventory/available", "is a number (read-only)", json!("3"), INVALID),
        ]),
    ]
    .concat()
}

/// `POST /customers`: `customers.post.schema.json`.
#[rustfmt::skip]
fn customer_rules() -> Vec<Rule> {
    let endpoint = Endpoint::Customers;
    [
        required(endpoint, &["/name", "/currency", "/customerGroup", "/paymentTerms", "/vatZone"]),
        max_lengths(endpoint, &[
            ("/name", 255, Emoji),
            ("/address", 510, Text),
            ("/city", 50, Emoji),
            ("/zip", 30, Text),
            ("/country", 50, Text),
            ("/email", 255, Email),
            ("/mobilePhone", 50, Text),
            ("/telephoneAndFaxNumber", 255, Text),
            ("/corporateIdentificationNumber", 40, Text),
            ("/ean", 40, Text),
            ("/publicEntryNumber", 50, Text),
            ("/website", 255, Text),
        ]),
        bounded(endpoint, vec![
            ("/name", "minLength 1", json!("J"), json!(""), RANGE),
            ("/currency", "must exist (E06000)", json!("eur"), json!("XXX"), DOES_NOT_EXIST),
            ("/customerNumber", "maximum 999999999", json!(999_999_999), json!(1_000_000_000), RANGE),
            ("/barred", "is a boolean", json!(true), json!("false"), INVALID),
        ]),
        refused(endpoint, vec![
            ("/name", "is a string", json!(42), INVALID),
            ("/currency", "minLength 3", json!("DK"), RANGE),
            ("/currency", "maxLength 3", json!("DKKX"), RANGE),
            ("/customerGroup", "is an object", json!(1), INVALID),
            ("/customerGroup/customerGroupNumber", "is an integer", json!("1"), INVALID),
            ("/customerGroup/self", "is a uri", json!("customer-groups/1"), INVALID),
            ("/paymentTerms/paymentTermsNumber", "is an integer", json!(1.5), INVALID),
            ("/vatZone/vatZoneNumber", "is an integer", json!("1"), INVALID),
            ("/vatZone/self", "is a uri", json!("vat zone 1"), INVALID),
            ("/email", "is a string", json!(["jens@example.dk"]), INVALID),
            ("/pNumber", "minLength 10", json!("123456789"), RANGE),
            ("/pNumber", "maxLength 10", json!("12345678901"), RANGE),
            ("/vatNumber", "only on SE/UK/DE/PL/FI agreements (this one is DK)", json!("SE556000000101"), NOT_AVAILABLE),
            ("/customerNumber", "minimum 1", json!(0), RANGE),
            ("/customerNumber", "is an integer", json!(12.5), INVALID),
            ("/creditLimit", "is a number", json!("1000"), INVALID),
            ("/layout/layoutNumber", "is an integer", json!("19"), INVALID),
            ("/salesPerson/employeeNumber", "is an integer", json!("1"), INVALID),
            ("/zip", "no nulls", Value::Null, NULL),
        ]),
        vec![
            rule("customers: customerGroup must exist (E06000)", endpoint,
                vec![set("/customerGroup/customerGroupNumber", json!(2))],
                vec![set("/customerGroup/customerGroupNumber", json!(99))],
                "customerGroup", DOES_NOT_EXIST),
        ],
    ]
    .concat()
}

/// `POST /invoices/drafts`: `invoices.drafts.post.schema.json`.
#[rustfmt::skip]
fn draft_rules() -> Vec<Rule> {
    let endpoint = Endpoint::Drafts;
    [
        required(endpoint, &[
            "/currency",
            "/customer",
            "/date",
            "/layout",
            "/paymentTerms",
            "/recipient",
            "/recipient/name",
            "/recipient/vatZone",
            "/lines/0/description",
        ]),
        max_lengths(endpoint, &[
            ("/recipient/name", 250, Emoji),
            ("/recipient/address", 250, Text),
            ("/recipient/zip", 50, Text),
            ("/recipient/city", 250, Emoji),
            ("/recipient/country", 50, Text),
            ("/recipient/ean", 13, Text),
            ("/recipient/publicEntryNumber", 40, Text),
            ("/delivery/address", 255, Text),
            ("/delivery/zip", 30, Text),
            ("/delivery/country", 50, Emoji),
            ("/delivery/deliveryTerms", 100, Text),
            ("/notes/heading", 250, Emoji),
            ("/notes/textLine1", 1000, Emoji),
            ("/notes/textLine2", 1000, Text),
            ("/references/other", 250, Emoji),
            ("/lines/0/description", 2500, Emoji),
        ]),
        bounded(endpoint, vec![
            ("/currency", "pattern [a-zA-Z]{3}", json!("dkk"), json!("D1K"), INVALID),
            ("/currency", "must exist (E06000)", json!("EUR"), json!("ZUL"), DOES_NOT_EXIST),
            ("/date", "is a full-date YYYY-MM-DD", json!("2024-02-29"), json!("13-02-2024"), INVALID),
            ("/exchangeRate", "maxDecimal 6", json!(746.123_456), json!(746.123_456_7), INVALID),
            ("/exchangeRate", "maximum 999999999999", json!(999_999_999_999_i64), json!(1_000_000_000_000_i64), RANGE),
            ("/paymentTerms/daysOfCredit", "(read-only) is an integer", json!(8), json!("8"), INVALID),
            ("/recipient/vatZone", "must exist (E06000)", json!({"vatZoneNumber": 2}), json!({"vatZoneNumber": 99}), DOES_NOT_EXIST),
            ("/recipient/nemHandelType", "enum ean|corporateIdentificationNumber|pNumber", json!("pNumber"), json!("email"), INVALID),
            ("/delivery/city", "maxLength 50 (code points, not graphemes)", json!(FAMILY.repeat(10)), json!(FAMILY.repeat(11)), RANGE),
            ("/pdf", "(read-only) is an object", json!({"self": "https://restapi.e-conomic.com/invoices/drafts/1/pdf"}), json!("pdf"), INVALID),
            ("/lines", "is an array", json!([]), json!({"description": "Kaffekop"}), INVALID),
            ("/lines/0/quantity", "is a number", json!(1.25), json!("2"), INVALID),
            ("/lines/0/unitNetPrice", "at most two decimals (E04740)", json!(159.55), json!(159.555), DECIMALS),
            ("/lines/0/unitNetPrice", "is a number", json!(-10), json!("159.60"), INVALID),
            ("/lines/0/quantity", "at most two decimals (line schema maxDecimal 2)", json!(0.25), json!(0.125), DECIMALS),
            ("/lines/0/discountPercentage", "at most two decimals", json!(12.5), json!(12.345), DECIMALS),
            ("/lines/0/unitCostPrice", "at most two decimals", json!(49.99), json!(49.999), DECIMALS),
            ("/lines/0/product", "must exist (E06000)", json!({"productNumber": "FRAGT"}), json!({"productNumber": "NOPE"}), DOES_NOT_EXIST),
        ]),
        refused(endpoint, vec![
            ("/customer/customerNumber", "minimum 1", json!(0), RANGE),
            ("/customer/customerNumber", "maximum 999999999", json!(1_000_000_000), RANGE),
            ("/customer/customerNumber", "is an integer", json!("1"), INVALID),
            ("/customer/self", "is a uri", json!("/customers/1"), INVALID),
            ("/date", "is a real day", json!("2023-02-29"), INVALID),
            ("/date", "is a string", json!(20_240_213), INVALID),
            ("/dueDate", "is a full-date", json!("2024-02-21T00:00:00"), INVALID),
            ("/exchangeRate", "is a number", json!("100"), INVALID),
            ("/layout/layoutNumber", "minimum 1", json!(0), RANGE),
            ("/paymentTerms/paymentTermsNumber", "minimum 1", json!(0), RANGE),
            ("/recipient/vatZone/vatZoneNumber", "is an integer", json!("1"), INVALID),
            ("/recipient/mobilePhone", "is a string", json!(4_512_345_678_i64), INVALID),
            ("/recipient/attention/customerContactNumber", "is an integer", json!("1"), INVALID),
            ("/delivery", "is an object", json!("Havnegade 2, 1058 København K"), INVALID),
            ("/delivery/deliveryDate", "is a full-date", json!("14/02/2024"), INVALID),
            ("/delivery/zip", "is a string", json!(1058), INVALID),
            ("/deliveryLocation/deliveryLocationNumber", "minimum 1", json!(0), RANGE),
            ("/notes/heading", "no nulls", Value::Null, NULL),
            ("/references/other", "is a string", json!(1042), INVALID),
            ("/references/customerContact/customerContactNumber", "minimum 1", json!(0), RANGE),
            ("/references/salesPerson/employeeNumber", "minimum 1", json!(0), RANGE),
            ("/references/vendorReference/employeeNumber", "minimum 1", json!(-2), RANGE),
            ("/project/projectNumber", "minimum 1", json!(0), RANGE),
            ("/lines/0", "items are objects", json!("Kaffekop"), INVALID),
            ("/lines/0/discountPercentage", "is a number", json!("10%"), INVALID),
            ("/lines/0/unitCostPrice", "is a number", json!(false), INVALID),
            ("/lines/0/lineNumber", "minimum 1", json!(0), RANGE),
            ("/lines/0/lineNumber", "is an integer", json!(1.5), INVALID),
            ("/lines/0/sortKey", "minimum 1", json!(0), RANGE),
            ("/lines/0/product/productNumber", "maxLength 25", text(26), RANGE),
            ("/lines/0/product/productNumber", "is a string", json!(1), INVALID),
            ("/lines/0/product", "needs an identifier (E04500)", json!({}), NO_IDENTIFIER),
            ("/lines/0/unit", "must exist (E06000)", json!({"unitNumber": 10}), DOES_NOT_EXIST),
            ("/lines/0/accrual/startDate", "is a full-date", json!("2024-02"), INVALID),
            ("/lines/0/accrual/endDate", "is a full-date", json!("2024-02-30"), INVALID),
            ("/lines/0/departmentalDistribution/departmentalDistributionNumber", "minimum 1", json!(0), RANGE),
            ("/lines/0/departmentalDistribution/distributionType", "is a string", json!(1), INVALID),
            ("/lines/0/unit", "no nulls", Value::Null, NULL),
        ]),
        vec![
            rule("drafts: customer must exist (E06000)", endpoint,
                vec![],
                vec![set("/customer/customerNumber", json!(987_987_987))],
                "customer", DOES_NOT_EXIST),
            rule("drafts: dueDate is mandatory for dueDate-type payment terms", endpoint,
                vec![set("/paymentTerms", json!({"paymentTermsNumber": 9}))],
                vec![set("/paymentTerms", json!({"paymentTermsNumber": 9})), remove("/dueDate")],
                "dueDate", REQUIRED),
            rule("drafts: layout must exist (E06000)", endpoint,
                vec![set("/layout/layoutNumber", json!(21))],
                vec![set("/layout/layoutNumber", json!(99))],
                "layout", DOES_NOT_EXIST),
            rule("drafts: lines.quantity must have a value with a product (E04730)", endpoint,
                vec![],
                vec![remove("/lines/0/quantity")],
                "lines.0.quantity", QUANTITY_REQUIRED),
            rule("drafts: lines.product.self is a uri", endpoint,
                vec![],
                vec![set("/lines/0/product", json!({"self": "products/1"}))],
                "lines.0.product.self", INVALID),
            rule("drafts: lines.unit.unitNumber minimum 1", endpoint,
                vec![],
                vec![set("/lines/0/unit", json!({"unitNumber": 0}))],
                "lines.0.unit.unitNumber", RANGE),
        ],
    ]
    .concat()
}

/// `POST /invoices/booked`: `invoices.booked.post.schema.json`.
#[rustfmt::skip]
fn booking_rules() -> Vec<Rule> {
    let endpoint = Endpoint::Booked;
    [
        required(endpoint, &["/draftInvoice"]),
        bounded(endpoint, vec![
            ("/bookWithNumber", "is an integer", json!(700), json!("701"), INVALID),
            ("/sendBy", "enum none|ean", json!("ean"), json!("email"), INVALID),
            ("/sentBy", "enum none|EAN", json!("EAN"), json!("post"), INVALID),
        ]),
        refused(endpoint, vec![
            ("/draftInvoice", "is an object", json!(1), INVALID),
            ("/draftInvoice/draftInvoiceNumber", "minimum 1", json!(0), RANGE),
            ("/draftInvoice/draftInvoiceNumber", "maximum 999999999", json!(1_000_000_000), RANGE),
            ("/draftInvoice/draftInvoiceNumber", "is an integer", json!("1"), INVALID),
            ("/draftInvoice/self", "is a uri", json!("drafts/1"), INVALID),
            ("/draftInvoice", "needs draftInvoiceNumber or self", json!({}), REQUIRED),
        ]),
    ]
    .concat()
}
/// Every error leaf of an annotated `errors` mirror as (`lines.0.unit`, code).
fn leaves(node: &Value, at: &str, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    };
    match node {
        Value::Object(object) => {
            for (key, child) in object {
                match key.as_str() {
                    "errors" => {
                        for error in child.as_array().into_iter().flatten() {
                            let code = error["errorCode"].as_str().unwrap_or_default();
                            out.push((at.to_owned(), code.to_owned()));
                        }
                    }
                    "arrayIndex" => {}
                    _ => leaves(child, &join(key), out),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let index = item["arrayIndex"].to_string();
                leaves(item, &join(&index), out);
            }
        }
        _ => {}
    }
}

fn leaves_of(error: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    leaves(&error["errors"], "", &mut out);
    out
}

struct Harness {
    stand_in: StandIn,
    http: reqwest::Client,
    /// The number of the next product body.
    products: std::sync::atomic::AtomicU32,
}

impl Harness {
    async fn start(config: StandInConfig) -> Self {
        let stand_in = StandIn::bind(([127, 0, 0, 1], 0).into(), config)
            .await
            .expect("starts");
        // Payment terms of type dueDate, for the "dueDate is mandatory" rule.
        stand_in.add_payment_terms(9, "Forfaldsdato", "dueDate", 0);
        let harness = Self {
            stand_in,
            http: reqwest::Client::new(),
            products: std::sync::atomic::AtomicU32::new(1),
        };
        // Customer 1, with an EAN (for the EAN booking rules).
        let (status, customer) = harness.post("/customers", &customer_body()).await;
        assert_eq!(status, StatusCode::CREATED, "{customer}");
        assert_eq!(customer["customerNumber"], 1);
        harness
    }

    /// A harness on an agreement of `country` (`SE`).
    async fn in_country(country: &str) -> Self {
        Self::start(StandInConfig {
            agreement_country: country.to_owned(),
            ..StandInConfig::default()
        })
        .await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let config = self.stand_in.config();
        let response = self
            .http
            .post(format!("{}{path}", self.stand_in.base_url()))
            .header("X-AppSecretToken", &config.app_secret_token)
            .header("X-AgreementGrantToken", &config.agreement_grant_token)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("answer");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    /// Posts the base body of `endpoint` with `ops` applied.
    async fn send(&self, endpoint: Endpoint, ops: &[Op]) -> (StatusCode, Value) {
        let body = self.body(endpoint, ops).await;
        self.post(endpoint.path(), &body).await
    }

    /// Posts a draft `body` and gives its number.
    async fn draft(&self, body: &Value) -> u64 {
        let (status, draft) = self.post("/invoices/drafts", body).await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        draft["draftInvoiceNumber"].as_u64().expect("a number")
    }

    async fn new_draft(&self) -> u64 {
        self.draft(&draft_body()).await
    }

    /// Books `draft` to be sent by EAN.
    async fn book_by_ean(&self, draft: u64) -> (StatusCode, Value) {
        let mut body = booking_body(draft, self.stand_in.base_url());
        body["sendBy"] = json!("ean");
        self.post("/invoices/booked", &body).await
    }

    /// The base body of `endpoint` with `ops` applied (a booking gets a fresh draft).
    async fn body(&self, endpoint: Endpoint, ops: &[Op]) -> Value {
        let mut body = match endpoint {
            Endpoint::Customers => customer_body(),
            Endpoint::Products => {
                let ordinal = self
                    .products
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut body = product_body();
                body["productNumber"] = json!(format!("P-{ordinal}"));
                body
            }
            Endpoint::Drafts => draft_body(),
            Endpoint::Booked => booking_body(self.new_draft().await, self.stand_in.base_url()),
        };
        apply(&mut body, ops);
        body
    }
}

/// (property, code) pairs as [`leaves_of`] gives them, sorted.
fn sorted_leaves(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut leaves: Vec<(String, String)> = pairs
        .iter()
        .map(|&(at, code)| (at.to_owned(), code.to_owned()))
        .collect();
    leaves.sort();
    leaves
}

/// Asserts that `answer` is a 400 whose errors are exactly `wanted` (property, code), in
/// any order.
#[track_caller]
fn assert_refused(status: StatusCode, answer: &Value, wanted: &[(&str, &str)]) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let mut found = leaves_of(answer);
    found.sort();
    assert_eq!(found, sorted_leaves(wanted), "{answer}");
}

#[tokio::test]
async fn every_documented_rule_accepts_the_valid_body_and_names_the_broken_property() {
    let harness = Harness::start(StandInConfig::default()).await;
    let rules = rules();
    let mut failures = Vec::new();
    for rule in &rules {
        let (status, answer) = harness.send(rule.endpoint, &rule.ok).await;
        if status != StatusCode::CREATED {
            failures.push(format!(
                "{}: the valid body was refused ({status}): {answer}",
                rule.says
            ));
            continue;
        }
        let (status, answer) = harness.send(rule.endpoint, &rule.bad).await;
        let found = leaves_of(&answer);
        let wanted = sorted_leaves(&[(&rule.at, rule.code)]);
        if status != StatusCode::BAD_REQUEST || found != wanted {
            failures.push(format!(
                "{}: wanted 400 with {wanted:?}, got {status} with {found:?}: {answer}",
                rule.says
            ));
            continue;
        }
        assert_eq!(answer["message"], "Validation error.");
        assert_eq!(answer["httpStatusCode"], 400);
    }
    assert!(
        failures.is_empty(),
        "{} of {} rules failed:\n{}",
        failures.len(),
        rules.len(),
        failures.join("\n")
    );
    assert_eq!(rules.len(), 161, "the number of documented rules checked");
}

#[tokio::test]
async fn lengths_are_unicode_code_points_not_utf16_units_bytes_or_graphemes() {
    let harness = Harness::start(StandInConfig::default()).await;
    // 50 emoji: 50 code points, 100 UTF-16 units, 200 bytes: within city's 50.
    let fifty = EMOJI.repeat(50);
    assert_eq!(fifty.encode_utf16().count(), 100);
    assert_eq!(fifty.len(), 200);
    let (status, _) = harness
        .send(Endpoint::Customers, &[set("/city", json!(fifty))])
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // 10 family emoji are 10 graphemes but 50 code points: within delivery.city's 50; one
    // more family is 55 code points: too long although only 11 graphemes.
    let city = |families: usize| [set("/delivery/city", json!(FAMILY.repeat(families)))];
    let (status, _) = harness.send(Endpoint::Drafts, &city(10)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = harness.send(Endpoint::Drafts, &city(11)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let leaf = &error["errors"]["delivery"]["city"]["errors"][0];
    assert_eq!(leaf["errorCode"], RANGE);
    assert_eq!(
        leaf["message"],
        "city must be at most 50 characters (it is 55)."
    );
    // e + combining acute accent: two code points.
    let (status, error) = harness
        .send(
            Endpoint::Drafts,
            &[set("/recipient/ean", json!("e\u{301}".repeat(7)))],
        )
        .await;
    assert_refused(status, &error, &[("recipient.ean", RANGE)]);
}

#[tokio::test]
async fn every_violation_of_a_body_is_reported_at_once() {
    let harness = Harness::start(StandInConfig::default()).await;
    let (status, error) = harness
        .send(
            Endpoint::Drafts,
            &[
                remove("/currency"),
                set("/date", json!("2024-13-01")),
                set("/delivery/zip", text(31)),
                set("/delivery/deliveryDate", json!("tomorrow")),
                set("/recipient/name", emoji(251)),
                set("/notes/heading", Value::Null),
                set("/references/other", text(251)),
                set("/lines/0/unitNetPrice", json!(1.234)),
                set("/lines/0/product/productNumber", json!("NOPE")),
            ],
        )
        .await;
    assert_refused(
        status,
        &error,
        &[
            ("currency", REQUIRED),
            ("date", INVALID),
            ("delivery.deliveryDate", INVALID),
            ("delivery.zip", RANGE),
            ("lines.0.product", DOES_NOT_EXIST),
            ("lines.0.unitNetPrice", DECIMALS),
            ("notes.heading", NULL),
            ("recipient.name", RANGE),
            ("references.other", RANGE),
        ],
    );
    // The documented wording of E04740.
    assert_eq!(
        error["errors"]["lines"][0]["unitNetPrice"]["errors"][0]["message"],
        "unitNetPrice scale cannot be greater then two decimal places."
    );
    assert_eq!(harness.stand_in.invoices_created(), 0);

    let (status, error) = harness
        .send(
            Endpoint::Customers,
            &[
                remove("/name"),
                set("/email", email(256)),
                set("/zip", text(31)),
                set("/vatNumber", json!("DE123456789")),
                set("/currency", json!("DANISH KRONE")),
            ],
        )
        .await;
    assert_refused(
        status,
        &error,
        &[
            ("currency", RANGE),
            ("email", RANGE),
            ("name", REQUIRED),
            ("vatNumber", NOT_AVAILABLE),
            ("zip", RANGE),
        ],
    );
}

#[tokio::test]
async fn vat_numbers_exist_on_swedish_uk_german_polish_and_finnish_agreements_only() {
    for country in ["SE", "GB", "DE", "PL", "FI"] {
        let harness = Harness::in_country(country).await;
        let vat_number = json!(format!("{country}{}", "1".repeat(48)));
        let (status, customer) = harness
            .send(
                Endpoint::Customers,
                &[set("/vatNumber", vat_number.clone())],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{country}: {customer}");
        assert_eq!(customer["vatNumber"], vat_number);
        // maxLength 50 applies where the field exists.
        let (status, error) = harness
            .send(Endpoint::Customers, &[set("/vatNumber", text(51))])
            .await;
        assert_refused(status, &error, &[("vatNumber", RANGE)]);
        harness.stand_in.shutdown().await;
    }
    for country in ["DK", "NO"] {
        let harness = Harness::in_country(country).await;
        let (status, error) = harness
            .send(
                Endpoint::Customers,
                &[set("/vatNumber", json!("SE556000000101"))],
            )
            .await;
        assert_refused(status, &error, &[("vatNumber", NOT_AVAILABLE)]);
        assert!(
            error["errors"]["vatNumber"]["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.contains("Sweden") || message.contains("SE")),
            "{country}: {error}"
        );
    }
}

#[tokio::test]
async fn ean_invoices_need_a_danish_agreement_an_ean_on_the_customer_and_a_contact() {
    let harness = Harness::start(StandInConfig::default()).await;
    // Customer 1 has an EAN, the draft a contact: booked.
    let draft = harness.new_draft().await;
    let (status, booked) = harness.book_by_ean(draft).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");

    // No contact person on the invoice.
    let mut body = draft_body();
    apply(&mut body, &[remove("/references/customerContact")]);
    let draft = harness.draft(&body).await;
    let (status, error) = harness.book_by_ean(draft).await;
    assert_refused(status, &error, &[("sendBy", INVALID)]);
    // Still a draft: a refused booking changes nothing.
    assert_eq!(harness.stand_in.drafts().len(), 1);

    // No EAN on the customer.
    let (_, customer) = harness.send(Endpoint::Customers, &[remove("/ean")]).await;
    let mut body = draft_body();
    body["customer"] = json!({"customerNumber": customer["customerNumber"]});
    let draft = harness.draft(&body).await;
    let (status, error) = harness.book_by_ean(draft).await;
    assert_refused(status, &error, &[("sendBy", INVALID)]);

    // Not a Danish agreement.
    let swedish = Harness::in_country("SE").await;
    let draft = swedish.new_draft().await;
    let (status, error) = swedish.book_by_ean(draft).await;
    assert_refused(status, &error, &[("sendBy", NOT_AVAILABLE)]);
}

#[tokio::test]
async fn references_by_self_link_and_read_only_properties_are_accepted() {
    let harness = Harness::start(StandInConfig::default()).await;
    // e-conomic's own example request sends read-only totals; they are ignored.
    let base = harness.stand_in.base_url().to_owned();
    let (status, draft) = harness
        .send(
            Endpoint::Drafts,
            &[
                set("/customer", json!({"self": format!("{base}/customers/1")})),
                set("/layout", json!({"self": format!("{base}/layouts/19")})),
                set("/netAmount", json!(10.123)),
                set("/grossAmount", json!(12.5)),
                set("/lines/0/totalNetAmount", json!(1)),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["customer"]["customerNumber"], 1);
    assert_eq!(draft["layout"]["layoutNumber"], 19);
    // 2 × 159.60 less 10 % = 287.28, whatever the body claimed.
    assert_eq!(draft["netAmount"], 287.28);
    // A reference without number or self identifies nothing.
    let (status, error) = harness
        .send(Endpoint::Drafts, &[set("/layout", json!({}))])
        .await;
    assert_refused(status, &error, &[("layout", REQUIRED)]);
}
