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
struct Rule {
    /// The rule, as the schema states it.
    says: &'static str,
    endpoint: Endpoint,
    /// Edits that keep the body valid (the property at its limit); may be empty.
    ok: Vec<Op>,
    /// Edits that break exactly this rule.
    bad: Vec<Op>,
    /// The property the error names (`lines.0.quantity`).
    at: &'static str,
    /// The error code.
    code: &'static str,
}

fn rule(
    says: &'static str,
    endpoint: Endpoint,
    ok: Vec<Op>,
    bad: Vec<Op>,
    at: &'static str,
    code: &'static str,
) -> Rule {
    Rule {
        says,
        endpoint,
        ok,
        bad,
        at,
        code,
    }
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

#[allow(clippy::too_many_lines)]
fn rules() -> Vec<Rule> {
    use Endpoint::{Booked, Customers, Drafts, Products};
    vec![
        // ---- POST /products: products.post.schema.json ----
        rule(
            "products: name is required",
            Products,
            vec![],
            vec![remove("/name")],
            "name",
            REQUIRED,
        ),
        rule(
            "products: name minLength 1",
            Products,
            vec![set("/name", json!("K"))],
            vec![set("/name", json!(""))],
            "name",
            RANGE,
        ),
        rule(
            "products: name maxLength 300 (emoji count once)",
            Products,
            vec![set("/name", emoji(300))],
            vec![set("/name", emoji(301))],
            "name",
            RANGE,
        ),
        rule(
            "products: name is a string",
            Products,
            vec![],
            vec![set("/name", json!(42))],
            "name",
            INVALID,
        ),
        rule(
            "products: productNumber is required",
            Products,
            vec![],
            vec![remove("/productNumber")],
            "productNumber",
            REQUIRED,
        ),
        rule(
            "products: productNumber minLength 1",
            Products,
            vec![set("/productNumber", json!("Q"))],
            vec![set("/productNumber", json!(""))],
            "productNumber",
            RANGE,
        ),
        rule(
            "products: productNumber maxLength 25 (emoji count once)",
            Products,
            vec![set("/productNumber", emoji(25))],
            vec![set("/productNumber", emoji(26))],
            "productNumber",
            RANGE,
        ),
        rule(
            "products: productNumber is a string",
            Products,
            vec![],
            vec![set("/productNumber", json!(500))],
            "productNumber",
            INVALID,
        ),
        rule(
            "products: productNumber is unique",
            Products,
            vec![],
            vec![set("/productNumber", json!("1"))],
            "productNumber",
            IN_USE,
        ),
        rule(
            "products: productGroup is required",
            Products,
            vec![],
            vec![remove("/productGroup")],
            "productGroup",
            REQUIRED,
        ),
        rule(
            "products: productGroup must exist",
            Products,
            vec![set("/productGroup", json!({"productGroupNumber": 2}))],
            vec![set("/productGroup", json!({"productGroupNumber": 99}))],
            "productGroup",
            DOES_NOT_EXIST,
        ),
        rule(
            "products: productGroup.productGroupNumber is an integer",
            Products,
            vec![],
            vec![set("/productGroup/productGroupNumber", json!("1"))],
            "productGroup.productGroupNumber",
            INVALID,
        ),
        rule(
            "products: productGroup.self is a uri",
            Products,
            vec![],
            vec![set("/productGroup/self", json!("product group one"))],
            "productGroup.self",
            INVALID,
        ),
        rule(
            "products: description maxLength 500",
            Products,
            vec![set("/description", text(500))],
            vec![set("/description", text(501))],
            "description",
            RANGE,
        ),
        rule(
            "products: barCode maxLength 50",
            Products,
            vec![set("/barCode", text(50))],
            vec![set("/barCode", text(51))],
            "barCode",
            RANGE,
        ),
        rule(
            "products: barred is a boolean",
            Products,
            vec![set("/barred", json!(true))],
            vec![set("/barred", json!("no"))],
            "barred",
            INVALID,
        ),
        rule(
            "products: salesPrice is a number",
            Products,
            vec![],
            vec![set("/salesPrice", json!("159.60"))],
            "salesPrice",
            INVALID,
        ),
        rule(
            "products: costPrice is a number",
            Products,
            vec![],
            vec![set("/costPrice", json!("50"))],
            "costPrice",
            INVALID,
        ),
        rule(
            "products: recommendedPrice is a number",
            Products,
            vec![],
            vec![set("/recommendedPrice", json!(true))],
            "recommendedPrice",
            INVALID,
        ),
        rule(
            "products: unit must exist",
            Products,
            vec![],
            vec![set("/unit", json!({"unitNumber": 99}))],
            "unit",
            DOES_NOT_EXIST,
        ),
        rule(
            "products: departmentalDistributionNumber minimum 1",
            Products,
            vec![],
            vec![set(
                "/departmentalDistribution/departmentalDistributionNumber",
                json!(0),
            )],
            "departmentalDistribution.departmentalDistributionNumber",
            RANGE,
        ),
        rule(
            "products: inventory.packageVolume is a number",
            Products,
            vec![],
            vec![set("/inventory/packageVolume", json!("0.5"))],
            "inventory.packageVolume",
            INVALID,
        ),
        rule(
            "products: read-only inventory.available is still a number",
            Products,
            vec![],
            vec![set("/inventory/available", json!("3"))],
            "inventory.available",
            INVALID,
        ),
        // ---- POST /customers: customers.post.schema.json ----
        rule(
            "customers: name is required",
            Customers,
            vec![],
            vec![remove("/name")],
            "name",
            REQUIRED,
        ),
        rule(
            "customers: name minLength 1",
            Customers,
            vec![set("/name", json!("J"))],
            vec![set("/name", json!(""))],
            "name",
            RANGE,
        ),
        rule(
            "customers: name maxLength 255 (emoji count once)",
            Customers,
            vec![set("/name", emoji(255))],
            vec![set("/name", emoji(256))],
            "name",
            RANGE,
        ),
        rule(
            "customers: name is a string",
            Customers,
            vec![],
            vec![set("/name", json!(42))],
            "name",
            INVALID,
        ),
        rule(
            "customers: currency is required",
            Customers,
            vec![],
            vec![remove("/currency")],
            "currency",
            REQUIRED,
        ),
        rule(
            "customers: currency minLength 3",
            Customers,
            vec![],
            vec![set("/currency", json!("DK"))],
            "currency",
            RANGE,
        ),
        rule(
            "customers: currency maxLength 3",
            Customers,
            vec![],
            vec![set("/currency", json!("DKKX"))],
            "currency",
            RANGE,
        ),
        rule(
            "customers: currency must exist (E06000)",
            Customers,
            vec![set("/currency", json!("eur"))],
            vec![set("/currency", json!("XXX"))],
            "currency",
            DOES_NOT_EXIST,
        ),
        rule(
            "customers: customerGroup is required",
            Customers,
            vec![],
            vec![remove("/customerGroup")],
            "customerGroup",
            REQUIRED,
        ),
        rule(
            "customers: customerGroup is an object",
            Customers,
            vec![],
            vec![set("/customerGroup", json!(1))],
            "customerGroup",
            INVALID,
        ),
        rule(
            "customers: customerGroup.customerGroupNumber is an integer",
            Customers,
            vec![],
            vec![set("/customerGroup/customerGroupNumber", json!("1"))],
            "customerGroup.customerGroupNumber",
            INVALID,
        ),
        rule(
            "customers: customerGroup.self is a uri",
            Customers,
            vec![],
            vec![set("/customerGroup/self", json!("customer-groups/1"))],
            "customerGroup.self",
            INVALID,
        ),
        rule(
            "customers: customerGroup must exist (E06000)",
            Customers,
            vec![set("/customerGroup/customerGroupNumber", json!(2))],
            vec![set("/customerGroup/customerGroupNumber", json!(99))],
            "customerGroup",
            DOES_NOT_EXIST,
        ),
        rule(
            "customers: paymentTerms is required",
            Customers,
            vec![],
            vec![remove("/paymentTerms")],
            "paymentTerms",
            REQUIRED,
        ),
        rule(
            "customers: paymentTerms.paymentTermsNumber is an integer",
            Customers,
            vec![],
            vec![set("/paymentTerms/paymentTermsNumber", json!(1.5))],
            "paymentTerms.paymentTermsNumber",
            INVALID,
        ),
        rule(
            "customers: vatZone is required",
            Customers,
            vec![],
            vec![remove("/vatZone")],
            "vatZone",
            REQUIRED,
        ),
        rule(
            "customers: vatZone.vatZoneNumber is an integer",
            Customers,
            vec![],
            vec![set("/vatZone/vatZoneNumber", json!("1"))],
            "vatZone.vatZoneNumber",
            INVALID,
        ),
        rule(
            "customers: vatZone.self is a uri",
            Customers,
            vec![],
            vec![set("/vatZone/self", json!("vat zone 1"))],
            "vatZone.self",
            INVALID,
        ),
        rule(
            "customers: address maxLength 510",
            Customers,
            vec![set("/address", text(510))],
            vec![set("/address", text(511))],
            "address",
            RANGE,
        ),
        rule(
            "customers: city maxLength 50 (emoji count once)",
            Customers,
            vec![set("/city", emoji(50))],
            vec![set("/city", emoji(51))],
            "city",
            RANGE,
        ),
        rule(
            "customers: zip maxLength 30",
            Customers,
            vec![set("/zip", text(30))],
            vec![set("/zip", text(31))],
            "zip",
            RANGE,
        ),
        rule(
            "customers: country maxLength 50",
            Customers,
            vec![set("/country", text(50))],
            vec![set("/country", text(51))],
            "country",
            RANGE,
        ),
        rule(
            "customers: email maxLength 255",
            Customers,
            vec![set("/email", email(255))],
            vec![set("/email", email(256))],
            "email",
            RANGE,
        ),
        rule(
            "customers: email is a string",
            Customers,
            vec![],
            vec![set("/email", json!(["jens@example.dk"]))],
            "email",
            INVALID,
        ),
        rule(
            "customers: mobilePhone maxLength 50",
            Customers,
            vec![set("/mobilePhone", text(50))],
            vec![set("/mobilePhone", text(51))],
            "mobilePhone",
            RANGE,
        ),
        rule(
            "customers: telephoneAndFaxNumber maxLength 255",
            Customers,
            vec![set("/telephoneAndFaxNumber", text(255))],
            vec![set("/telephoneAndFaxNumber", text(256))],
            "telephoneAndFaxNumber",
            RANGE,
        ),
        rule(
            "customers: corporateIdentificationNumber maxLength 40",
            Customers,
            vec![set("/corporateIdentificationNumber", text(40))],
            vec![set("/corporateIdentificationNumber", text(41))],
            "corporateIdentificationNumber",
            RANGE,
        ),
        rule(
            "customers: ean maxLength 40",
            Customers,
            vec![set("/ean", text(40))],
            vec![set("/ean", text(41))],
            "ean",
            RANGE,
        ),
        rule(
            "customers: pNumber minLength 10",
            Customers,
            vec![],
            vec![set("/pNumber", json!("123456789"))],
            "pNumber",
            RANGE,
        ),
        rule(
            "customers: pNumber maxLength 10",
            Customers,
            vec![],
            vec![set("/pNumber", json!("12345678901"))],
            "pNumber",
            RANGE,
        ),
        rule(
            "customers: publicEntryNumber maxLength 50",
            Customers,
            vec![set("/publicEntryNumber", text(50))],
            vec![set("/publicEntryNumber", text(51))],
            "publicEntryNumber",
            RANGE,
        ),
        rule(
            "customers: website maxLength 255",
            Customers,
            vec![set("/website", text(255))],
            vec![set("/website", text(256))],
            "website",
            RANGE,
        ),
        rule(
            "customers: vatNumber only on SE/UK/DE/PL/FI agreements (this one is DK)",
            Customers,
            vec![],
            vec![set("/vatNumber", json!("SE556000000101"))],
            "vatNumber",
            NOT_AVAILABLE,
        ),
        rule(
            "customers: customerNumber minimum 1",
            Customers,
            vec![],
            vec![set("/customerNumber", json!(0))],
            "customerNumber",
            RANGE,
        ),
        rule(
            "customers: customerNumber maximum 999999999",
            Customers,
            vec![set("/customerNumber", json!(999_999_999))],
            vec![set("/customerNumber", json!(1_000_000_000))],
            "customerNumber",
            RANGE,
        ),
        rule(
            "customers: customerNumber is an integer",
            Customers,
            vec![],
            vec![set("/customerNumber", json!(12.5))],
            "customerNumber",
            INVALID,
        ),
        rule(
            "customers: barred is a boolean",
            Customers,
            vec![set("/barred", json!(true))],
            vec![set("/barred", json!("false"))],
            "barred",
            INVALID,
        ),
        rule(
            "customers: creditLimit is a number",
            Customers,
            vec![],
            vec![set("/creditLimit", json!("1000"))],
            "creditLimit",
            INVALID,
        ),
        rule(
            "customers: layout.layoutNumber is an integer",
            Customers,
            vec![],
            vec![set("/layout/layoutNumber", json!("19"))],
            "layout.layoutNumber",
            INVALID,
        ),
        rule(
            "customers: salesPerson.employeeNumber is an integer",
            Customers,
            vec![],
            vec![set("/salesPerson/employeeNumber", json!("1"))],
            "salesPerson.employeeNumber",
            INVALID,
        ),
        rule(
            "customers: no nulls",
            Customers,
            vec![],
            vec![set("/zip", Value::Null)],
            "zip",
            NULL,
        ),
        // ---- POST /invoices/drafts: invoices.drafts.post.schema.json ----
        rule(
            "drafts: currency is required",
            Drafts,
            vec![],
            vec![remove("/currency")],
            "currency",
            REQUIRED,
        ),
        rule(
            "drafts: currency pattern [a-zA-Z]{3}",
            Drafts,
            vec![set("/currency", json!("dkk"))],
            vec![set("/currency", json!("D1K"))],
            "currency",
            INVALID,
        ),
        rule(
            "drafts: currency must exist (E06000)",
            Drafts,
            vec![set("/currency", json!("EUR"))],
            vec![set("/currency", json!("ZUL"))],
            "currency",
            DOES_NOT_EXIST,
        ),
        rule(
            "drafts: customer is required",
            Drafts,
            vec![],
            vec![remove("/customer")],
            "customer",
            REQUIRED,
        ),
        rule(
            "drafts: customer.customerNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/customer/customerNumber", json!(0))],
            "customer.customerNumber",
            RANGE,
        ),
        rule(
            "drafts: customer.customerNumber maximum 999999999",
            Drafts,
            vec![],
            vec![set("/customer/customerNumber", json!(1_000_000_000))],
            "customer.customerNumber",
            RANGE,
        ),
        rule(
            "drafts: customer.customerNumber is an integer",
            Drafts,
            vec![],
            vec![set("/customer/customerNumber", json!("1"))],
            "customer.customerNumber",
            INVALID,
        ),
        rule(
            "drafts: customer.self is a uri",
            Drafts,
            vec![],
            vec![set("/customer/self", json!("/customers/1"))],
            "customer.self",
            INVALID,
        ),
        rule(
            "drafts: customer must exist (E06000)",
            Drafts,
            vec![],
            vec![set("/customer/customerNumber", json!(987_987_987))],
            "customer",
            DOES_NOT_EXIST,
        ),
        rule(
            "drafts: date is required",
            Drafts,
            vec![],
            vec![remove("/date")],
            "date",
            REQUIRED,
        ),
        rule(
            "drafts: date is a full-date YYYY-MM-DD",
            Drafts,
            vec![set("/date", json!("2024-02-29"))],
            vec![set("/date", json!("13-02-2024"))],
            "date",
            INVALID,
        ),
        rule(
            "drafts: date is a real day",
            Drafts,
            vec![],
            vec![set("/date", json!("2023-02-29"))],
            "date",
            INVALID,
        ),
        rule(
            "drafts: date is a string",
            Drafts,
            vec![],
            vec![set("/date", json!(20_240_213))],
            "date",
            INVALID,
        ),
        rule(
            "drafts: dueDate is a full-date",
            Drafts,
            vec![],
            vec![set("/dueDate", json!("2024-02-21T00:00:00"))],
            "dueDate",
            INVALID,
        ),
        rule(
            "drafts: dueDate is mandatory for dueDate-type payment terms",
            Drafts,
            vec![set("/paymentTerms", json!({"paymentTermsNumber": 9}))],
            vec![
                set("/paymentTerms", json!({"paymentTermsNumber": 9})),
                remove("/dueDate"),
            ],
            "dueDate",
            REQUIRED,
        ),
        rule(
            "drafts: exchangeRate maxDecimal 6",
            Drafts,
            vec![set("/exchangeRate", json!(746.123_456))],
            vec![set("/exchangeRate", json!(746.123_456_7))],
            "exchangeRate",
            INVALID,
        ),
        rule(
            "drafts: exchangeRate maximum 999999999999",
            Drafts,
            vec![set("/exchangeRate", json!(999_999_999_999_i64))],
            vec![set("/exchangeRate", json!(1_000_000_000_000_i64))],
            "exchangeRate",
            RANGE,
        ),
        rule(
            "drafts: exchangeRate is a number",
            Drafts,
            vec![],
            vec![set("/exchangeRate", json!("100"))],
            "exchangeRate",
            INVALID,
        ),
        rule(
            "drafts: layout is required",
            Drafts,
            vec![],
            vec![remove("/layout")],
            "layout",
            REQUIRED,
        ),
        rule(
            "drafts: layout.layoutNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/layout/layoutNumber", json!(0))],
            "layout.layoutNumber",
            RANGE,
        ),
        rule(
            "drafts: layout must exist (E06000)",
            Drafts,
            vec![set("/layout/layoutNumber", json!(21))],
            vec![set("/layout/layoutNumber", json!(99))],
            "layout",
            DOES_NOT_EXIST,
        ),
        rule(
            "drafts: paymentTerms is required",
            Drafts,
            vec![],
            vec![remove("/paymentTerms")],
            "paymentTerms",
            REQUIRED,
        ),
        rule(
            "drafts: paymentTerms.paymentTermsNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/paymentTerms/paymentTermsNumber", json!(0))],
            "paymentTerms.paymentTermsNumber",
            RANGE,
        ),
        rule(
            "drafts: paymentTerms.daysOfCredit (read-only) is an integer",
            Drafts,
            vec![set("/paymentTerms/daysOfCredit", json!(8))],
            vec![set("/paymentTerms/daysOfCredit", json!("8"))],
            "paymentTerms.daysOfCredit",
            INVALID,
        ),
        rule(
            "drafts: recipient is required",
            Drafts,
            vec![],
            vec![remove("/recipient")],
            "recipient",
            REQUIRED,
        ),
        rule(
            "drafts: recipient.name is required",
            Drafts,
            vec![],
            vec![remove("/recipient/name")],
            "recipient.name",
            REQUIRED,
        ),
        rule(
            "drafts: recipient.name maxLength 250 (emoji count once)",
            Drafts,
            vec![set("/recipient/name", emoji(250))],
            vec![set("/recipient/name", emoji(251))],
            "recipient.name",
            RANGE,
        ),
        rule(
            "drafts: recipient.vatZone is required",
            Drafts,
            vec![],
            vec![remove("/recipient/vatZone")],
            "recipient.vatZone",
            REQUIRED,
        ),
        rule(
            "drafts: recipient.vatZone.vatZoneNumber is an integer",
            Drafts,
            vec![],
            vec![set("/recipient/vatZone/vatZoneNumber", json!("1"))],
            "recipient.vatZone.vatZoneNumber",
            INVALID,
        ),
        rule(
            "drafts: recipient.vatZone must exist (E06000)",
            Drafts,
            vec![set("/recipient/vatZone", json!({"vatZoneNumber": 2}))],
            vec![set("/recipient/vatZone", json!({"vatZoneNumber": 99}))],
            "recipient.vatZone",
            DOES_NOT_EXIST,
        ),
        rule(
            "drafts: recipient.address maxLength 250",
            Drafts,
            vec![set("/recipient/address", text(250))],
            vec![set("/recipient/address", text(251))],
            "recipient.address",
            RANGE,
        ),
        rule(
            "drafts: recipient.zip maxLength 50",
            Drafts,
            vec![set("/recipient/zip", text(50))],
            vec![set("/recipient/zip", text(51))],
            "recipient.zip",
            RANGE,
        ),
        rule(
            "drafts: recipient.city maxLength 250",
            Drafts,
            vec![set("/recipient/city", emoji(250))],
            vec![set("/recipient/city", emoji(251))],
            "recipient.city",
            RANGE,
        ),
        rule(
            "drafts: recipient.country maxLength 50",
            Drafts,
            vec![set("/recipient/country", text(50))],
            vec![set("/recipient/country", text(51))],
            "recipient.country",
            RANGE,
        ),
        rule(
            "drafts: recipient.ean maxLength 13",
            Drafts,
            vec![set("/recipient/ean", text(13))],
            vec![set("/recipient/ean", text(14))],
            "recipient.ean",
            RANGE,
        ),
        rule(
            "drafts: recipient.publicEntryNumber maxLength 40",
            Drafts,
            vec![set("/recipient/publicEntryNumber", text(40))],
            vec![set("/recipient/publicEntryNumber", text(41))],
            "recipient.publicEntryNumber",
            RANGE,
        ),
        rule(
            "drafts: recipient.nemHandelType enum ean|corporateIdentificationNumber|pNumber",
            Drafts,
            vec![set("/recipient/nemHandelType", json!("pNumber"))],
            vec![set("/recipient/nemHandelType", json!("email"))],
            "recipient.nemHandelType",
            INVALID,
        ),
        rule(
            "drafts: recipient.mobilePhone is a string",
            Drafts,
            vec![],
            vec![set("/recipient/mobilePhone", json!(4_512_345_678_i64))],
            "recipient.mobilePhone",
            INVALID,
        ),
        rule(
            "drafts: recipient.attention.customerContactNumber is an integer",
            Drafts,
            vec![],
            vec![set(
                "/recipient/attention/customerContactNumber",
                json!("1"),
            )],
            "recipient.attention.customerContactNumber",
            INVALID,
        ),
        rule(
            "drafts: delivery is an object",
            Drafts,
            vec![],
            vec![set("/delivery", json!("Havnegade 2, 1058 København K"))],
            "delivery",
            INVALID,
        ),
        rule(
            "drafts: delivery.address maxLength 255",
            Drafts,
            vec![set("/delivery/address", text(255))],
            vec![set("/delivery/address", text(256))],
            "delivery.address",
            RANGE,
        ),
        rule(
            "drafts: delivery.zip maxLength 30",
            Drafts,
            vec![set("/delivery/zip", text(30))],
            vec![set("/delivery/zip", text(31))],
            "delivery.zip",
            RANGE,
        ),
        rule(
            "drafts: delivery.city maxLength 50 (code points, not graphemes)",
            Drafts,
            vec![set("/delivery/city", json!(FAMILY.repeat(10)))],
            vec![set("/delivery/city", json!(FAMILY.repeat(11)))],
            "delivery.city",
            RANGE,
        ),
        rule(
            "drafts: delivery.country maxLength 50",
            Drafts,
            vec![set("/delivery/country", emoji(50))],
            vec![set("/delivery/country", emoji(51))],
            "delivery.country",
            RANGE,
        ),
        rule(
            "drafts: delivery.deliveryDate is a full-date",
            Drafts,
            vec![],
            vec![set("/delivery/deliveryDate", json!("14/02/2024"))],
            "delivery.deliveryDate",
            INVALID,
        ),
        rule(
            "drafts: delivery.deliveryTerms maxLength 100",
            Drafts,
            vec![set("/delivery/deliveryTerms", text(100))],
            vec![set("/delivery/deliveryTerms", text(101))],
            "delivery.deliveryTerms",
            RANGE,
        ),
        rule(
            "drafts: delivery.zip is a string",
            Drafts,
            vec![],
            vec![set("/delivery/zip", json!(1058))],
            "delivery.zip",
            INVALID,
        ),
        rule(
            "drafts: deliveryLocation.deliveryLocationNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/deliveryLocation/deliveryLocationNumber", json!(0))],
            "deliveryLocation.deliveryLocationNumber",
            RANGE,
        ),
        rule(
            "drafts: notes.heading maxLength 250",
            Drafts,
            vec![set("/notes/heading", emoji(250))],
            vec![set("/notes/heading", emoji(251))],
            "notes.heading",
            RANGE,
        ),
        rule(
            "drafts: notes.textLine1 maxLength 1000",
            Drafts,
            vec![set("/notes/textLine1", emoji(1000))],
            vec![set("/notes/textLine1", emoji(1001))],
            "notes.textLine1",
            RANGE,
        ),
        rule(
            "drafts: notes.textLine2 maxLength 1000",
            Drafts,
            vec![set("/notes/textLine2", text(1000))],
            vec![set("/notes/textLine2", text(1001))],
            "notes.textLine2",
            RANGE,
        ),
        rule(
            "drafts: notes.heading no nulls",
            Drafts,
            vec![],
            vec![set("/notes/heading", Value::Null)],
            "notes.heading",
            NULL,
        ),
        rule(
            "drafts: references.other maxLength 250",
            Drafts,
            vec![set("/references/other", emoji(250))],
            vec![set("/references/other", emoji(251))],
            "references.other",
            RANGE,
        ),
        rule(
            "drafts: references.other is a string",
            Drafts,
            vec![],
            vec![set("/references/other", json!(1042))],
            "references.other",
            INVALID,
        ),
        rule(
            "drafts: references.customerContact.customerContactNumber minimum 1",
            Drafts,
            vec![],
            vec![set(
                "/references/customerContact/customerContactNumber",
                json!(0),
            )],
            "references.customerContact.customerContactNumber",
            RANGE,
        ),
        rule(
            "drafts: references.salesPerson.employeeNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/references/salesPerson/employeeNumber", json!(0))],
            "references.salesPerson.employeeNumber",
            RANGE,
        ),
        rule(
            "drafts: references.vendorReference.employeeNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/references/vendorReference/employeeNumber", json!(-2))],
            "references.vendorReference.employeeNumber",
            RANGE,
        ),
        rule(
            "drafts: project.projectNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/project/projectNumber", json!(0))],
            "project.projectNumber",
            RANGE,
        ),
        rule(
            "drafts: pdf (read-only) is an object",
            Drafts,
            vec![set(
                "/pdf",
                json!({"self": "https://restapi.e-conomic.com/invoices/drafts/1/pdf"}),
            )],
            vec![set("/pdf", json!("pdf"))],
            "pdf",
            INVALID,
        ),
        rule(
            "drafts: lines is an array",
            Drafts,
            vec![set("/lines", json!([]))],
            vec![set("/lines", json!({"description": "Kaffekop"}))],
            "lines",
            INVALID,
        ),
        rule(
            "drafts: lines items are objects",
            Drafts,
            vec![],
            vec![set("/lines/0", json!("Kaffekop"))],
            "lines.0",
            INVALID,
        ),
        rule(
            "drafts: lines.description maxLength 2500",
            Drafts,
            vec![set("/lines/0/description", emoji(2500))],
            vec![set("/lines/0/description", emoji(2501))],
            "lines.0.description",
            RANGE,
        ),
        rule(
            "drafts: lines.description is required with a product",
            Drafts,
            vec![],
            vec![remove("/lines/0/description")],
            "lines.0.description",
            REQUIRED,
        ),
        rule(
            "drafts: lines.quantity must have a value with a product (E04730)",
            Drafts,
            vec![],
            vec![remove("/lines/0/quantity")],
            "lines.0.quantity",
            QUANTITY_REQUIRED,
        ),
        rule(
            "drafts: lines.quantity is a number",
            Drafts,
            vec![set("/lines/0/quantity", json!(1.25))],
            vec![set("/lines/0/quantity", json!("2"))],
            "lines.0.quantity",
            INVALID,
        ),
        rule(
            "drafts: lines.unitNetPrice at most two decimals (E04740)",
            Drafts,
            vec![set("/lines/0/unitNetPrice", json!(159.55))],
            vec![set("/lines/0/unitNetPrice", json!(159.555))],
            "lines.0.unitNetPrice",
            DECIMALS,
        ),
        rule(
            "drafts: lines.unitNetPrice is a number",
            Drafts,
            vec![set("/lines/0/unitNetPrice", json!(-10))],
            vec![set("/lines/0/unitNetPrice", json!("159.60"))],
            "lines.0.unitNetPrice",
            INVALID,
        ),
        rule(
            "drafts: lines.quantity at most two decimals (line schema maxDecimal 2)",
            Drafts,
            vec![set("/lines/0/quantity", json!(0.25))],
            vec![set("/lines/0/quantity", json!(0.125))],
            "lines.0.quantity",
            DECIMALS,
        ),
        rule(
            "drafts: lines.discountPercentage at most two decimals",
            Drafts,
            vec![set("/lines/0/discountPercentage", json!(12.5))],
            vec![set("/lines/0/discountPercentage", json!(12.345))],
            "lines.0.discountPercentage",
            DECIMALS,
        ),
        rule(
            "drafts: lines.unitCostPrice at most two decimals",
            Drafts,
            vec![set("/lines/0/unitCostPrice", json!(49.99))],
            vec![set("/lines/0/unitCostPrice", json!(49.999))],
            "lines.0.unitCostPrice",
            DECIMALS,
        ),
        rule(
            "drafts: lines.discountPercentage is a number",
            Drafts,
            vec![],
            vec![set("/lines/0/discountPercentage", json!("10%"))],
            "lines.0.discountPercentage",
            INVALID,
        ),
        rule(
            "drafts: lines.unitCostPrice is a number",
            Drafts,
            vec![],
            vec![set("/lines/0/unitCostPrice", json!(false))],
            "lines.0.unitCostPrice",
            INVALID,
        ),
        rule(
            "drafts: lines.lineNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/lines/0/lineNumber", json!(0))],
            "lines.0.lineNumber",
            RANGE,
        ),
        rule(
            "drafts: lines.lineNumber is an integer",
            Drafts,
            vec![],
            vec![set("/lines/0/lineNumber", json!(1.5))],
            "lines.0.lineNumber",
            INVALID,
        ),
        rule(
            "drafts: lines.sortKey minimum 1",
            Drafts,
            vec![],
            vec![set("/lines/0/sortKey", json!(0))],
            "lines.0.sortKey",
            RANGE,
        ),
        rule(
            "drafts: lines.product.productNumber maxLength 25",
            Drafts,
            vec![],
            vec![set("/lines/0/product/productNumber", text(26))],
            "lines.0.product.productNumber",
            RANGE,
        ),
        rule(
            "drafts: lines.product.productNumber is a string",
            Drafts,
            vec![],
            vec![set("/lines/0/product/productNumber", json!(1))],
            "lines.0.product.productNumber",
            INVALID,
        ),
        rule(
            "drafts: lines.product.self is a uri",
            Drafts,
            vec![],
            vec![set("/lines/0/product", json!({"self": "products/1"}))],
            "lines.0.product.self",
            INVALID,
        ),
        rule(
            "drafts: lines.product needs an identifier (E04500)",
            Drafts,
            vec![],
            vec![set("/lines/0/product", json!({}))],
            "lines.0.product",
            NO_IDENTIFIER,
        ),
        rule(
            "drafts: lines.product must exist (E06000)",
            Drafts,
            vec![set("/lines/0/product", json!({"productNumber": "FRAGT"}))],
            vec![set("/lines/0/product", json!({"productNumber": "NOPE"}))],
            "lines.0.product",
            DOES_NOT_EXIST,
        ),
        rule(
            "drafts: lines.unit.unitNumber minimum 1",
            Drafts,
            vec![],
            vec![set("/lines/0/unit", json!({"unitNumber": 0}))],
            "lines.0.unit.unitNumber",
            RANGE,
        ),
        rule(
            "drafts: lines.unit must exist (E06000)",
            Drafts,
            vec![],
            vec![set("/lines/0/unit", json!({"unitNumber": 10}))],
            "lines.0.unit",
            DOES_NOT_EXIST,
        ),
        rule(
            "drafts: lines.accrual.startDate is a full-date",
            Drafts,
            vec![],
            vec![set("/lines/0/accrual/startDate", json!("2024-02"))],
            "lines.0.accrual.startDate",
            INVALID,
        ),
        rule(
            "drafts: lines.accrual.endDate is a full-date",
            Drafts,
            vec![],
            vec![set("/lines/0/accrual/endDate", json!("2024-02-30"))],
            "lines.0.accrual.endDate",
            INVALID,
        ),
        rule(
            "drafts: lines.departmentalDistribution.departmentalDistributionNumber minimum 1",
            Drafts,
            vec![],
            vec![set(
                "/lines/0/departmentalDistribution/departmentalDistributionNumber",
                json!(0),
            )],
            "lines.0.departmentalDistribution.departmentalDistributionNumber",
            RANGE,
        ),
        rule(
            "drafts: lines.departmentalDistribution.distributionType is a string",
            Drafts,
            vec![],
            vec![set(
                "/lines/0/departmentalDistribution/distributionType",
                json!(1),
            )],
            "lines.0.departmentalDistribution.distributionType",
            INVALID,
        ),
        rule(
            "drafts: lines no nulls",
            Drafts,
            vec![],
            vec![set("/lines/0/unit", Value::Null)],
            "lines.0.unit",
            NULL,
        ),
        // ---- POST /invoices/booked: invoices.booked.post.schema.json ----
        rule(
            "booked: draftInvoice is required",
            Booked,
            vec![],
            vec![remove("/draftInvoice")],
            "draftInvoice",
            REQUIRED,
        ),
        rule(
            "booked: draftInvoice is an object",
            Booked,
            vec![],
            vec![set("/draftInvoice", json!(1))],
            "draftInvoice",
            INVALID,
        ),
        rule(
            "booked: draftInvoice.draftInvoiceNumber minimum 1",
            Booked,
            vec![],
            vec![set("/draftInvoice/draftInvoiceNumber", json!(0))],
            "draftInvoice.draftInvoiceNumber",
            RANGE,
        ),
        rule(
            "booked: draftInvoice.draftInvoiceNumber maximum 999999999",
            Booked,
            vec![],
            vec![set(
                "/draftInvoice/draftInvoiceNumber",
                json!(1_000_000_000),
            )],
            "draftInvoice.draftInvoiceNumber",
            RANGE,
        ),
        rule(
            "booked: draftInvoice.draftInvoiceNumber is an integer",
            Booked,
            vec![],
            vec![set("/draftInvoice/draftInvoiceNumber", json!("1"))],
            "draftInvoice.draftInvoiceNumber",
            INVALID,
        ),
        rule(
            "booked: draftInvoice.self is a uri",
            Booked,
            vec![],
            vec![set("/draftInvoice/self", json!("drafts/1"))],
            "draftInvoice.self",
            INVALID,
        ),
        rule(
            "booked: draftInvoice needs draftInvoiceNumber or self",
            Booked,
            vec![],
            vec![set("/draftInvoice", json!({}))],
            "draftInvoice",
            REQUIRED,
        ),
        rule(
            "booked: bookWithNumber is an integer",
            Booked,
            vec![set("/bookWithNumber", json!(700))],
            vec![set("/bookWithNumber", json!("701"))],
            "bookWithNumber",
            INVALID,
        ),
        rule(
            "booked: sendBy enum none|ean",
            Booked,
            vec![set("/sendBy", json!("ean"))],
            vec![set("/sendBy", json!("email"))],
            "sendBy",
            INVALID,
        ),
        rule(
            "booked: sentBy enum none|EAN",
            Booked,
            vec![set("/sentBy", json!("EAN"))],
            vec![set("/sentBy", json!("post"))],
            "sentBy",
            INVALID,
        ),
    ]
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

    async fn new_draft(&self) -> u64 {
        let (status, draft) = self.post("/invoices/drafts", &draft_body()).await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        draft["draftInvoiceNumber"].as_u64().expect("a number")
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

#[tokio::test]
async fn every_documented_rule_accepts_the_valid_body_and_names_the_broken_property() {
    let harness = Harness::start(StandInConfig::default()).await;
    let rules = rules();
    let mut failures = Vec::new();
    for rule in &rules {
        let valid = harness.body(rule.endpoint, &rule.ok).await;
        let (status, answer) = harness.post(rule.endpoint.path(), &valid).await;
        if status != StatusCode::CREATED {
            failures.push(format!(
                "{}: the valid body was refused ({status}): {answer}",
                rule.says
            ));
            continue;
        }
        let broken = harness.body(rule.endpoint, &rule.bad).await;
        let (status, answer) = harness.post(rule.endpoint.path(), &broken).await;
        let found = leaves_of(&answer);
        let wanted = vec![(rule.at.to_owned(), rule.code.to_owned())];
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
    assert!(rules.len() >= 60, "{} rules", rules.len());
}

#[tokio::test]
async fn lengths_are_unicode_code_points_not_utf16_units_bytes_or_graphemes() {
    let harness = Harness::start(StandInConfig::default()).await;
    // 50 emoji: 50 code points, 100 UTF-16 units, 200 bytes: within city's 50.
    let fifty = EMOJI.repeat(50);
    assert_eq!(fifty.encode_utf16().count(), 100);
    assert_eq!(fifty.len(), 200);
    let body = harness
        .body(Endpoint::Customers, &[set("/city", json!(fifty))])
        .await;
    assert_eq!(
        harness.post("/customers", &body).await.0,
        StatusCode::CREATED
    );
    // 10 family emoji are 10 graphemes but 50 code points: within delivery.city's 50; one
    // more family is 55 code points: too long although only 11 graphemes.
    let body = harness
        .body(
            Endpoint::Drafts,
            &[set("/delivery/city", json!(FAMILY.repeat(10)))],
        )
        .await;
    assert_eq!(
        harness.post("/invoices/drafts", &body).await.0,
        StatusCode::CREATED
    );
    let body = harness
        .body(
            Endpoint::Drafts,
            &[set("/delivery/city", json!(FAMILY.repeat(11)))],
        )
        .await;
    let (status, error) = harness.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let leaf = &error["errors"]["delivery"]["city"]["errors"][0];
    assert_eq!(leaf["errorCode"], RANGE);
    assert_eq!(
        leaf["message"],
        "city must be at most 50 characters (it is 55)."
    );
    // e + combining acute accent: two code points.
    let body = harness
        .body(
            Endpoint::Drafts,
            &[set("/recipient/ean", json!("e\u{301}".repeat(7)))],
        )
        .await;
    let (status, error) = harness.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(
        leaves_of(&error),
        vec![("recipient.ean".to_owned(), RANGE.to_owned())]
    );
}

#[tokio::test]
async fn every_violation_of_a_body_is_reported_at_once() {
    let harness = Harness::start(StandInConfig::default()).await;
    let body = harness
        .body(
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
    let (status, error) = harness.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut found = leaves_of(&error);
    found.sort();
    let mut wanted: Vec<(String, String)> = [
        ("currency", REQUIRED),
        ("date", INVALID),
        ("delivery.deliveryDate", INVALID),
        ("delivery.zip", RANGE),
        ("lines.0.product", DOES_NOT_EXIST),
        ("lines.0.unitNetPrice", DECIMALS),
        ("notes.heading", NULL),
        ("recipient.name", RANGE),
        ("references.other", RANGE),
    ]
    .into_iter()
    .map(|(at, code)| (at.to_owned(), code.to_owned()))
    .collect();
    wanted.sort();
    assert_eq!(found, wanted, "{error}");
    // The documented wording of E04740.
    assert_eq!(
        error["errors"]["lines"][0]["unitNetPrice"]["errors"][0]["message"],
        "unitNetPrice scale cannot be greater then two decimal places."
    );
    assert_eq!(harness.stand_in.invoices_created(), 0);

    let mut customer = customer_body();
    apply(
        &mut customer,
        &[
            remove("/name"),
            set("/email", email(256)),
            set("/zip", text(31)),
            set("/vatNumber", json!("DE123456789")),
            set("/currency", json!("DANISH KRONE")),
        ],
    );
    let (status, error) = harness.post("/customers", &customer).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut found = leaves_of(&error);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("currency".to_owned(), RANGE.to_owned()),
            ("email".to_owned(), RANGE.to_owned()),
            ("name".to_owned(), REQUIRED.to_owned()),
            ("vatNumber".to_owned(), NOT_AVAILABLE.to_owned()),
            ("zip".to_owned(), RANGE.to_owned()),
        ],
        "{error}"
    );
}

#[tokio::test]
async fn vat_numbers_exist_on_swedish_uk_german_polish_and_finnish_agreements_only() {
    for country in ["SE", "GB", "DE", "PL", "FI"] {
        let harness = Harness::start(StandInConfig {
            agreement_country: country.to_owned(),
            ..StandInConfig::default()
        })
        .await;
        let body = harness
            .body(
                Endpoint::Customers,
                &[set(
                    "/vatNumber",
                    json!(format!("{country}{}", "1".repeat(48))),
                )],
            )
            .await;
        let (status, customer) = harness.post("/customers", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{country}: {customer}");
        assert_eq!(customer["vatNumber"], body["vatNumber"]);
        // maxLength 50 applies where the field exists.
        let body = harness
            .body(Endpoint::Customers, &[set("/vatNumber", text(51))])
            .await;
        let (status, error) = harness.post("/customers", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{country}");
        assert_eq!(
            leaves_of(&error),
            vec![("vatNumber".to_owned(), RANGE.to_owned())]
        );
        harness.stand_in.shutdown().await;
    }
    for country in ["DK", "NO"] {
        let harness = Harness::start(StandInConfig {
            agreement_country: country.to_owned(),
            ..StandInConfig::default()
        })
        .await;
        let body = harness
            .body(
                Endpoint::Customers,
                &[set("/vatNumber", json!("SE556000000101"))],
            )
            .await;
        let (status, error) = harness.post("/customers", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{country}");
        assert_eq!(
            leaves_of(&error),
            vec![("vatNumber".to_owned(), NOT_AVAILABLE.to_owned())]
        );
        assert!(
            error["errors"]["vatNumber"]["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.contains("Sweden") || message.contains("SE")),
            "{error}"
        );
    }
}

#[tokio::test]
async fn ean_invoices_need_a_danish_agreement_an_ean_on_the_customer_and_a_contact() {
    let harness = Harness::start(StandInConfig::default()).await;
    let book_by_ean = |draft: u64| {
        let mut body = booking_body(draft, harness.stand_in.base_url());
        body["sendBy"] = json!("ean");
        body
    };
    // Customer 1 has an EAN, the draft a contact: booked.
    let draft = harness.new_draft().await;
    let (status, booked) = harness.post("/invoices/booked", &book_by_ean(draft)).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");

    // No contact person on the invoice.
    let mut body = draft_body();
    apply(&mut body, &[remove("/references/customerContact")]);
    let (_, draft) = harness.post("/invoices/drafts", &body).await;
    let number = draft["draftInvoiceNumber"].as_u64().expect("a draft");
    let (status, error) = harness.post("/invoices/booked", &book_by_ean(number)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        leaves_of(&error),
        vec![("sendBy".to_owned(), INVALID.to_owned())]
    );
    // Still a draft: a refused booking changes nothing.
    assert_eq!(harness.stand_in.drafts().len(), 1);

    // No EAN on the customer.
    let mut customer = customer_body();
    apply(&mut customer, &[remove("/ean")]);
    let (_, customer) = harness.post("/customers", &customer).await;
    let mut body = draft_body();
    body["customer"] = json!({"customerNumber": customer["customerNumber"]});
    let (_, draft) = harness.post("/invoices/drafts", &body).await;
    let number = draft["draftInvoiceNumber"].as_u64().expect("a draft");
    let (status, error) = harness.post("/invoices/booked", &book_by_ean(number)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        leaves_of(&error),
        vec![("sendBy".to_owned(), INVALID.to_owned())]
    );

    // Not a Danish agreement.
    let swedish = Harness::start(StandInConfig {
        agreement_country: "SE".to_owned(),
        ..StandInConfig::default()
    })
    .await;
    let draft = swedish.new_draft().await;
    let mut body = booking_body(draft, swedish.stand_in.base_url());
    body["sendBy"] = json!("ean");
    let (status, error) = swedish.post("/invoices/booked", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        leaves_of(&error),
        vec![("sendBy".to_owned(), NOT_AVAILABLE.to_owned())]
    );
}

#[tokio::test]
async fn references_by_self_link_and_read_only_properties_are_accepted() {
    let harness = Harness::start(StandInConfig::default()).await;
    // e-conomic's own example request sends read-only totals; they are ignored.
    let base = harness.stand_in.base_url().to_owned();
    let body = harness
        .body(
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
    let (status, draft) = harness.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["customer"]["customerNumber"], 1);
    assert_eq!(draft["layout"]["layoutNumber"], 19);
    // 2 × 159.60 less 10 % = 287.28, whatever the body claimed.
    assert_eq!(draft["netAmount"], 287.28);
    // A reference without number or self identifies nothing.
    let body = harness
        .body(Endpoint::Drafts, &[set("/layout", json!({}))])
        .await;
    let (status, error) = harness.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        leaves_of(&error),
        vec![("layout".to_owned(), REQUIRED.to_owned())]
    );
}
