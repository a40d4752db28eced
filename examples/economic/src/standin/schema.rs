//! e-conomic's published request schemas as tables, and the validator that applies them.
//!
//! One table per write: [`CUSTOMER_POST`] (`POST /customers`), [`PRODUCT_POST`]
//! (`POST /products`), [`DRAFT_POST`] (`POST /invoices/drafts`) and [`BOOKED_POST`]
//! (`POST /invoices/booked`). A row is one
//! property path (`recipient.vatZone.vatZoneNumber`; `lines[]` walks every line) with what the
//! schema states about it: required, JSON type, `minLength`/`maxLength`, `minimum`/`maximum`,
//! decimals (`maxDecimal`), enumerated values, format (`full-date`, `uri`) or pattern, and, for
//! `vatNumber`, the agreement countries that have the field. Every row names its source:
//!
//! * [`CUSTOMERS`], [`PRODUCTS`], [`DRAFTS`], [`BOOKED`]: the property tables e-conomic
//!   generated from `customers.post.schema.json`, `products.post.schema.json`,
//!   `invoices.drafts.post.schema.json` and `invoices.booked.post.schema.json` in its REST
//!   documentation (repository `e-conomic/slate`, commit `a36f68f`,
//!   `source/includes/_customers.md`, `_products.md` and `_invoices.md`; economic-api.md §1.7);
//! * [`DRAFTS_SCHEMA`]: the schema file itself
//!   (<https://restapi.e-conomic.com/schema/invoices.drafts.post.schema.json>), which adds the
//!   patterns of `date`, `dueDate` and `currency` and `maxDecimal`/`maximum` of `exchangeRate`;
//! * [`ANNOTATED_ERRORS`]: the annotated-errors example of the documentation
//!   (`_introduction.md`), which documents `unitNetPrice` with more than two decimals as
//!   `E04740`;
//! * [`LINE_TEMPLATE`]: e-conomic's draft invoice line schema (the line template it serves
//!   for drafts), which states `maxDecimal: 2` for `quantity`, `unitNetPrice`,
//!   `discountPercentage` and `unitCostPrice`.
//!
//! Checks no published source states but the stand-in made before this table existed are kept
//! in `api.rs` and marked `[stand-in]` there.
//!
//! # Lengths
//!
//! `maxLength`/`minLength` count characters as JSON Schema does: "the length of a string
//! instance is defined as the number of its characters as defined by RFC 8259", i.e. Unicode
//! code points (JSON Schema validation 2020-12 §6.3.1; the JSON-Schema-Test-Suite's
//! `maxLength.json` holds two emoji, four UTF-16 code units, valid against `maxLength: 2`).
//! A Rust `char` is a Unicode scalar value, so `str::chars().count()` is that count: an emoji
//! is one character (not two UTF-16 units, not four bytes), and a family emoji joined with
//! zero-width joiners is as many characters as it has code points.
//!
//! # Error codes
//!
//! e-conomic documents the codes of four violations (`E06000` does not exist, `E04740` more
//! than two decimals on `unitNetPrice`, `E04500` a product without identifier, `E04730` a line
//! with product and no quantity); the stand-in answers those with them, and uses `E04740` for
//! every line amount with `maxDecimal: 2` (the same schema keyword as on `unitNetPrice`). For every other
//! violation e-conomic's code is undocumented and the code is the stand-in's choice
//! ([`codes`]): `E00100` required, `E00120` wrong type, format, pattern or value, `E00130` too
//! long, too short or out of range, `E00150` not available on this agreement.
//!
//! Read-only properties (`netAmount`, `pdf`, …) are accepted and ignored, as in e-conomic's
//! own example requests, but must have the type the schema states. Properties the schema does
//! not list are ignored (the schemas do not forbid additional properties).

use reqwest::Url;
use serde_json::Value;

use super::reply::{Segment, Validation, codes};

/// `customers.post.schema.json`, as e-conomic's REST documentation prints it.
pub(crate) const CUSTOMERS: &str = "customers.post.schema.json (e-conomic/slate@a36f68f source/includes/_customers.md, POST /customers, Properties)";
/// `invoices.drafts.post.schema.json`, as e-conomic's REST documentation prints it.
pub(crate) const DRAFTS: &str = "invoices.drafts.post.schema.json (e-conomic/slate@a36f68f source/includes/_invoices.md, POST /invoices/drafts, Properties)";
/// The schema file itself: patterns, `maxDecimal`, `maximum`.
pub(crate) const DRAFTS_SCHEMA: &str =
    "https://restapi.e-conomic.com/schema/invoices.drafts.post.schema.json";
/// `products.post.schema.json`, as e-conomic's REST documentation prints it.
pub(crate) const PRODUCTS: &str = "products.post.schema.json (e-conomic/slate@a36f68f source/includes/_products.md, POST /products, Properties)";
/// `invoices.booked.post.schema.json`, as e-conomic's REST documentation prints it.
pub(crate) const BOOKED: &str = "invoices.booked.post.schema.json (e-conomic/slate@a36f68f source/includes/_invoices.md, POST /invoices/booked)";
/// e-conomic's draft invoice line ("Draft invoice line template schema"): `maxDecimal: 2` on
/// the line amounts.
pub(crate) const LINE_TEMPLATE: &str = "https://restapi.e-conomic.com/schema/customers.customerNumber.templates.invoiceline.productNumber.get.schema.json";
/// The annotated-errors example (`E04740` on `unitNetPrice`).
pub(crate) const ANNOTATED_ERRORS: &str = "e-conomic/slate@a36f68f source/includes/_introduction.md, Annotated errors (economic-api.md §1.4)";

/// A JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

impl Kind {
    fn matches(self, value: &Value) -> bool {
        match self {
            Self::String => value.is_string(),
            Self::Integer => integer_value(value).is_some(),
            Self::Number => value.is_number(),
            Self::Boolean => value.is_boolean(),
            Self::Object => value.is_object(),
            Self::Array => value.is_array(),
        }
    }

    fn described(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Boolean => "a boolean",
            Self::Object => "an object",
            Self::Array => "an array",
        }
    }
}

/// A string format or pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `format: full-date` with `pattern: \d{4}-\d{2}-\d{2}`: an RFC 3339 `YYYY-MM-DD` date.
    FullDate,
    /// `format: uri`: an absolute URI (`self` links).
    Uri,
    /// `pattern: [a-zA-Z]{3}` (not anchored, as JSON Schema patterns are not).
    ThreeLetters,
}

impl Format {
    fn accepts(self, text: &str) -> bool {
        match self {
            Self::FullDate => parse_full_date(text).is_some(),
            Self::Uri => Url::parse(text).is_ok(),
            Self::ThreeLetters => text
                .as_bytes()
                .windows(3)
                .any(|letters| letters.iter().all(u8::is_ascii_alphabetic)),
        }
    }

    fn described(self) -> &'static str {
        match self {
            Self::FullDate => "must be a date in the format YYYY-MM-DD",
            Self::Uri => "must be an absolute URI",
            Self::ThreeLetters => "must match the pattern [a-zA-Z]{3}",
        }
    }
}

/// What a schema states about one property.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Property {
    /// `recipient.vatZone.vatZoneNumber`; `lines[]` stands for every item of `lines`.
    pub(crate) path: &'static str,
    pub(crate) kind: Kind,
    /// Required whenever its parent object is present.
    pub(crate) required: bool,
    pub(crate) read_only: bool,
    /// In characters (Unicode code points).
    pub(crate) min_length: Option<usize>,
    /// In characters (Unicode code points).
    pub(crate) max_length: Option<usize>,
    pub(crate) minimum: Option<i64>,
    pub(crate) maximum: Option<i64>,
    /// At most this many decimals, and the error code for more.
    pub(crate) max_decimals: Option<(usize, &'static str)>,
    /// The enumerated values (empty: any).
    pub(crate) values: &'static [&'static str],
    pub(crate) format: Option<Format>,
    /// The agreement countries (ISO 3166-1 alpha-2) that have this property (empty: all).
    pub(crate) agreements: &'static [&'static str],
    /// Where the rule comes from.
    pub(crate) source: &'static str,
}

impl Property {
    const fn new(path: &'static str, kind: Kind, source: &'static str) -> Self {
        Self {
            path,
            kind,
            required: false,
            read_only: false,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            max_decimals: None,
            values: &[],
            format: None,
            agreements: &[],
            source,
        }
    }

    const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    const fn read_only(self) -> Self {
        Self {
            read_only: true,
            ..self
        }
    }

    const fn length(self, min: usize, max: usize) -> Self {
        Self {
            min_length: Some(min),
            max_length: Some(max),
            ..self
        }
    }

    const fn max_length(self, max: usize) -> Self {
        Self {
            max_length: Some(max),
            ..self
        }
    }

    const fn min(self, minimum: i64) -> Self {
        Self {
            minimum: Some(minimum),
            ..self
        }
    }

    const fn max(self, maximum: i64) -> Self {
        Self {
            maximum: Some(maximum),
            ..self
        }
    }

    const fn decimals(self, max: usize, code: &'static str, source: &'static str) -> Self {
        Self {
            max_decimals: Some((max, code)),
            source,
            ..self
        }
    }

    const fn one_of(self, values: &'static [&'static str]) -> Self {
        Self { values, ..self }
    }

    const fn format(self, format: Format, source: &'static str) -> Self {
        Self {
            format: Some(format),
            source,
            ..self
        }
    }

    const fn only_for(self, agreements: &'static [&'static str]) -> Self {
        Self { agreements, ..self }
    }

    /// The property's own name (last key of its path).
    fn name(&self) -> &'static str {
        self.path
            .rsplit('.')
            .next()
            .unwrap_or(self.path)
            .trim_end_matches("[]")
    }
}

const fn string(path: &'static str, source: &'static str) -> Property {
    Property::new(path, Kind::String, source)
}

const fn integer(path: &'static str, source: &'static str) -> Property {
    Property::new(path, Kind::Integer, source)
}

const fn number(path: &'static str, source: &'static str) -> Property {
    Property::new(path, Kind::Number, source)
}

const fn boolean(path: &'static str, source: &'static str) -> Property {
    Property::new(path, Kind::Boolean, source)
}

const fn object(path: &'static str, source: &'static str) -> Property {
    Property::new(path, Kind::Object, source)
}

const fn array(path: &'static str, source: &'static str) -> Property {
    Property::new(path, Kind::Array, source)
}

/// A `self` link: `string`, `format: uri`.
const fn link(path: &'static str, source: &'static str) -> Property {
    string(path, source).format(Format::Uri, source)
}

/// A `full-date` string.
const fn date(path: &'static str, source: &'static str) -> Property {
    string(path, source).format(Format::FullDate, source)
}

/// `customers.post.schema.json`: "This field is only available to agreements in Sweden, UK,
/// Germany, Poland and Finland" (`vatNumber`). `GB` is the ISO code of the UK; `UK` is
/// accepted as a spelling of it.
pub(crate) const VAT_NUMBER_COUNTRIES: &[&str] = &["SE", "GB", "UK", "DE", "PL", "FI"];

/// `paymentTerms.paymentTermsType` (read-only on drafts).
const PAYMENT_TERMS_TYPES: &[&str] = &[
    "net",
    "invoiceMonth",
    "paidInCash",
    "prepaid",
    "dueDate",
    "factoring",
    "invoiceWeekStartingSunday",
    "invoiceWeekStartingMonday",
    "creditcard",
    "avtaleGiro",
];

/// `recipient.nemHandelType`.
const NEM_HANDEL_TYPES: &[&str] = &["ean", "corporateIdentificationNumber", "pNumber"];

/// `sendBy`: the prose lists `none` and `ean`, the property table (which spells the property
/// `sentBy`) `none` and `EAN`; every documented spelling is accepted under both names.
const SEND_BY: &[&str] = &["none", "ean", "EAN"];

/// `POST /customers` ([`CUSTOMERS`]). Required: currency, customerGroup, name, paymentTerms,
/// vatZone.
pub(crate) const CUSTOMER_POST: &[Property] = &[
    string("address", CUSTOMERS).max_length(510),
    number("balance", CUSTOMERS).read_only(),
    boolean("barred", CUSTOMERS),
    string("city", CUSTOMERS).max_length(50),
    string("corporateIdentificationNumber", CUSTOMERS).max_length(40),
    string("country", CUSTOMERS).max_length(50),
    number("creditLimit", CUSTOMERS),
    string("currency", CUSTOMERS).required().length(3, 3),
    object("customerGroup", CUSTOMERS).required(),
    integer("customerGroup.customerGroupNumber", CUSTOMERS),
    link("customerGroup.self", CUSTOMERS),
    integer("customerNumber", CUSTOMERS).min(1).max(999_999_999),
    string("ean", CUSTOMERS).max_length(40),
    // "you can specify multiple email addresses in this field, separated by a space": no
    // pattern, only the length.
    string("email", CUSTOMERS).max_length(255),
    object("layout", CUSTOMERS),
    integer("layout.layoutNumber", CUSTOMERS),
    link("layout.self", CUSTOMERS),
    string("mobilePhone", CUSTOMERS).max_length(50),
    string("name", CUSTOMERS).required().length(1, 255),
    string("pNumber", CUSTOMERS).length(10, 10),
    object("paymentTerms", CUSTOMERS).required(),
    integer("paymentTerms.paymentTermsNumber", CUSTOMERS),
    link("paymentTerms.self", CUSTOMERS),
    string("publicEntryNumber", CUSTOMERS).max_length(50),
    object("salesPerson", CUSTOMERS),
    integer("salesPerson.employeeNumber", CUSTOMERS),
    link("salesPerson.self", CUSTOMERS),
    string("telephoneAndFaxNumber", CUSTOMERS).max_length(255),
    string("vatNumber", CUSTOMERS)
        .max_length(50)
        .only_for(VAT_NUMBER_COUNTRIES),
    object("vatZone", CUSTOMERS).required(),
    link("vatZone.self", CUSTOMERS),
    integer("vatZone.vatZoneNumber", CUSTOMERS),
    string("website", CUSTOMERS).max_length(255),
    string("zip", CUSTOMERS).max_length(30),
];

/// `POST /products` ([`PRODUCTS`]). Required: name, productGroup, productNumber. The
/// `inventory` properties the table marks read-only are accepted and ignored.
pub(crate) const PRODUCT_POST: &[Property] = &[
    string("barCode", PRODUCTS).max_length(50),
    boolean("barred", PRODUCTS),
    number("costPrice", PRODUCTS),
    object("departmentalDistribution", PRODUCTS),
    integer(
        "departmentalDistribution.departmentalDistributionNumber",
        PRODUCTS,
    )
    .min(1),
    string("departmentalDistribution.distributionType", PRODUCTS),
    link("departmentalDistribution.self", PRODUCTS),
    string("description", PRODUCTS).max_length(500),
    object("inventory", PRODUCTS),
    number("inventory.available", PRODUCTS).read_only(),
    number("inventory.grossWeight", PRODUCTS).read_only(),
    number("inventory.inStock", PRODUCTS).read_only(),
    number("inventory.netWeight", PRODUCTS).read_only(),
    number("inventory.orderedByCustomers", PRODUCTS).read_only(),
    number("inventory.orderedFromSuppliers", PRODUCTS).read_only(),
    number("inventory.packageVolume", PRODUCTS),
    number("inventory.recommendedCostPrice", PRODUCTS),
    string("name", PRODUCTS).required().length(1, 300),
    object("productGroup", PRODUCTS).required(),
    integer("productGroup.productGroupNumber", PRODUCTS),
    link("productGroup.self", PRODUCTS),
    string("productNumber", PRODUCTS).required().length(1, 25),
    number("recommendedPrice", PRODUCTS),
    number("salesPrice", PRODUCTS),
    object("unit", PRODUCTS),
    link("unit.self", PRODUCTS),
    integer("unit.unitNumber", PRODUCTS),
];

/// `POST /invoices/drafts` ([`DRAFTS`], [`DRAFTS_SCHEMA`]). Required: currency, customer,
/// date, layout, paymentTerms, recipient, recipient.name, recipient.vatZone.
pub(crate) const DRAFT_POST: &[Property] = &[
    number("costPriceInBaseCurrency", DRAFTS).read_only(),
    string("currency", DRAFTS)
        .required()
        .format(Format::ThreeLetters, DRAFTS_SCHEMA),
    object("customer", DRAFTS).required(),
    integer("customer.customerNumber", DRAFTS)
        .min(1)
        .max(999_999_999),
    link("customer.self", DRAFTS),
    string("date", DRAFTS)
        .required()
        .format(Format::FullDate, DRAFTS_SCHEMA),
    object("delivery", DRAFTS),
    string("delivery.address", DRAFTS).max_length(255),
    string("delivery.city", DRAFTS).max_length(50),
    string("delivery.country", DRAFTS).max_length(50),
    date("delivery.deliveryDate", DRAFTS),
    string("delivery.deliveryTerms", DRAFTS).max_length(100),
    string("delivery.zip", DRAFTS).max_length(30),
    object("deliveryLocation", DRAFTS),
    integer("deliveryLocation.deliveryLocationNumber", DRAFTS).min(1),
    link("deliveryLocation.self", DRAFTS),
    string("dueDate", DRAFTS).format(Format::FullDate, DRAFTS_SCHEMA),
    number("exchangeRate", DRAFTS)
        .max(999_999_999_999)
        .decimals(6, codes::INVALID_VALUE, DRAFTS_SCHEMA),
    number("grossAmount", DRAFTS).read_only(),
    number("grossAmountInBaseCurrency", DRAFTS).read_only(),
    object("layout", DRAFTS).required(),
    integer("layout.layoutNumber", DRAFTS).min(1),
    link("layout.self", DRAFTS),
    array("lines", DRAFTS),
    object("lines[]", DRAFTS),
    object("lines[].accrual", DRAFTS),
    date("lines[].accrual.endDate", DRAFTS),
    date("lines[].accrual.startDate", DRAFTS),
    object("lines[].departmentalDistribution", DRAFTS),
    integer(
        "lines[].departmentalDistribution.departmentalDistributionNumber",
        DRAFTS,
    )
    .min(1),
    string("lines[].departmentalDistribution.distributionType", DRAFTS),
    link("lines[].departmentalDistribution.self", DRAFTS),
    string("lines[].description", DRAFTS).max_length(2500),
    number("lines[].discountPercentage", DRAFTS).decimals(
        2,
        codes::TOO_MANY_DECIMALS,
        LINE_TEMPLATE,
    ),
    integer("lines[].lineNumber", DRAFTS).min(1),
    number("lines[].marginInBaseCurrency", DRAFTS).read_only(),
    number("lines[].marginPercentage", DRAFTS).read_only(),
    object("lines[].product", DRAFTS),
    string("lines[].product.productNumber", DRAFTS).max_length(25),
    link("lines[].product.self", DRAFTS),
    number("lines[].quantity", DRAFTS).decimals(2, codes::TOO_MANY_DECIMALS, LINE_TEMPLATE),
    integer("lines[].sortKey", DRAFTS).min(1),
    number("lines[].totalNetAmount", DRAFTS).read_only(),
    object("lines[].unit", DRAFTS),
    link("lines[].unit.self", DRAFTS),
    integer("lines[].unit.unitNumber", DRAFTS).min(1),
    number("lines[].unitCostPrice", DRAFTS).decimals(2, codes::TOO_MANY_DECIMALS, LINE_TEMPLATE),
    number("lines[].unitNetPrice", DRAFTS).decimals(2, codes::TOO_MANY_DECIMALS, ANNOTATED_ERRORS),
    number("marginInBaseCurrency", DRAFTS).read_only(),
    number("marginPercentage", DRAFTS).read_only(),
    number("netAmount", DRAFTS).read_only(),
    number("netAmountInBaseCurrency", DRAFTS).read_only(),
    object("notes", DRAFTS),
    string("notes.heading", DRAFTS).max_length(250),
    string("notes.textLine1", DRAFTS).max_length(1000),
    string("notes.textLine2", DRAFTS).max_length(1000),
    object("paymentTerms", DRAFTS).required(),
    integer("paymentTerms.daysOfCredit", DRAFTS)
        .read_only()
        .min(0),
    integer("paymentTerms.paymentTermsNumber", DRAFTS).min(1),
    string("paymentTerms.paymentTermsType", DRAFTS)
        .read_only()
        .one_of(PAYMENT_TERMS_TYPES),
    link("paymentTerms.self", DRAFTS),
    object("pdf", DRAFTS).read_only(),
    link("pdf.self", DRAFTS),
    object("project", DRAFTS),
    integer("project.projectNumber", DRAFTS).min(1),
    link("project.self", DRAFTS),
    object("recipient", DRAFTS).required(),
    string("recipient.address", DRAFTS).max_length(250),
    object("recipient.attention", DRAFTS),
    integer("recipient.attention.customerContactNumber", DRAFTS),
    link("recipient.attention.self", DRAFTS),
    string("recipient.city", DRAFTS).max_length(250),
    string("recipient.country", DRAFTS).max_length(50),
    string("recipient.ean", DRAFTS).max_length(13),
    string("recipient.mobilePhone", DRAFTS),
    string("recipient.name", DRAFTS).required().max_length(250),
    string("recipient.nemHandelType", DRAFTS).one_of(NEM_HANDEL_TYPES),
    string("recipient.publicEntryNumber", DRAFTS).max_length(40),
    object("recipient.vatZone", DRAFTS).required(),
    link("recipient.vatZone.self", DRAFTS),
    integer("recipient.vatZone.vatZoneNumber", DRAFTS),
    string("recipient.zip", DRAFTS).max_length(50),
    object("references", DRAFTS),
    object("references.customerContact", DRAFTS),
    integer("references.customerContact.customerContactNumber", DRAFTS).min(1),
    link("references.customerContact.self", DRAFTS),
    string("references.other", DRAFTS).max_length(250),
    object("references.salesPerson", DRAFTS),
    integer("references.salesPerson.employeeNumber", DRAFTS).min(1),
    link("references.salesPerson.self", DRAFTS),
    object("references.vendorReference", DRAFTS),
    integer("references.vendorReference.employeeNumber", DRAFTS).min(1),
    link("references.vendorReference.self", DRAFTS),
    number("roundingAmount", DRAFTS).read_only(),
    number("vatAmount", DRAFTS).read_only(),
];

/// `POST /invoices/booked` ([`BOOKED`]). The documentation lists no required properties; the
/// draft to book is the request ("In order to book an invoice post a draftInvoice wrapped in
/// an object").
pub(crate) const BOOKED_POST: &[Property] = &[
    integer("bookWithNumber", BOOKED),
    object("draftInvoice", BOOKED).required(),
    integer("draftInvoice.draftInvoiceNumber", BOOKED)
        .min(1)
        .max(999_999_999),
    link("draftInvoice.self", BOOKED),
    string("sendBy", BOOKED).one_of(SEND_BY),
    string("sentBy", BOOKED).one_of(SEND_BY),
];

/// Applies `schema` to `document`, recording every violation. `agreement_country` is the
/// agreement's ISO 3166-1 alpha-2 country. `null`s are skipped: they are reported on their own
/// (e-conomic: "We do not generally accept null as a value").
pub(crate) fn validate(
    schema: &[Property],
    document: &Value,
    agreement_country: &str,
    validation: &mut Validation,
) {
    for property in schema {
        let steps: Vec<&str> = property.path.split('.').collect();
        visit(
            document,
            &steps,
            &mut Vec::new(),
            property,
            agreement_country,
            validation,
        );
    }
}

fn visit(
    node: &Value,
    steps: &[&str],
    at: &mut Vec<Segment>,
    property: &Property,
    agreement_country: &str,
    validation: &mut Validation,
) {
    let Some((step, rest)) = steps.split_first() else {
        return;
    };
    // A parent that is not an object is its own row's violation.
    let Value::Object(object) = node else {
        return;
    };
    let (key, each_item) = match step.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (*step, false),
    };
    at.push(Segment::Key(key.to_owned()));
    match object.get(key) {
        None => {
            if rest.is_empty() && !each_item && property.required {
                validation.add_hinted(
                    at.clone(),
                    codes::REQUIRED,
                    format!("Property {} is required.", property.path),
                    None,
                    format!("See {}.", property.source),
                );
            }
        }
        Some(Value::Null) => {}
        Some(Value::Array(items)) if each_item => {
            for (index, item) in items.iter().enumerate() {
                at.push(Segment::Index(index));
                if rest.is_empty() {
                    if !item.is_null() {
                        check(item, at, property, agreement_country, validation);
                    }
                } else {
                    visit(item, rest, at, property, agreement_country, validation);
                }
                at.pop();
            }
        }
        // Not an array: the array's own row reports it.
        Some(_) if each_item => {}
        Some(value) if rest.is_empty() => {
            check(value, at, property, agreement_country, validation);
        }
        Some(value) => visit(value, rest, at, property, agreement_country, validation),
    }
    at.pop();
}

fn check(
    value: &Value,
    at: &[Segment],
    property: &Property,
    agreement_country: &str,
    validation: &mut Validation,
) {
    let name = property.name();
    let mut add = |code: &str, message: String| {
        let hint = if code == codes::TOO_MANY_DECIMALS {
            // e-conomic's documented hint for E04740.
            "Please check the format of your data.".to_owned()
        } else {
            format!("See {}.", property.source)
        };
        validation.add_hinted(at.to_vec(), code, message, Some(value), hint);
    };
    if !property.kind.matches(value) {
        add(
            codes::INVALID_VALUE,
            format!("{name} must be {}.", property.kind.described()),
        );
        return;
    }
    if property.read_only {
        // Accepted and ignored; only its type is checked.
        return;
    }
    if !property.agreements.is_empty()
        && !property
            .agreements
            .iter()
            .any(|country| country.eq_ignore_ascii_case(agreement_country.trim()))
    {
        add(
            codes::NOT_AVAILABLE,
            format!(
                "{name} is only available to agreements in {}; this agreement is in {}.",
                property.agreements.join(", "),
                agreement_country.trim()
            ),
        );
        return;
    }
    if let Value::String(text) = value {
        let length = characters(text);
        if let Some(max) = property.max_length
            && length > max
        {
            add(
                codes::OUT_OF_RANGE,
                format!("{name} must be at most {max} characters (it is {length})."),
            );
        }
        if let Some(min) = property.min_length
            && length < min
        {
            add(
                codes::OUT_OF_RANGE,
                format!("{name} must be at least {min} characters (it is {length})."),
            );
        }
        if let Some(format) = property.format
            && !format.accepts(text)
        {
            add(
                codes::INVALID_VALUE,
                format!("{name} {}.", format.described()),
            );
        }
        if !property.values.is_empty() && !property.values.contains(&text.as_str()) {
            add(
                codes::INVALID_VALUE,
                format!("{name} must be one of: {}.", property.values.join(", ")),
            );
        }
    }
    if let Some(number) = value.as_f64() {
        // The bounds are whole numbers well inside f64's exact range.
        #[allow(clippy::cast_precision_loss)]
        let (minimum, maximum) = (
            property.minimum.map(|minimum| minimum as f64),
            property.maximum.map(|maximum| maximum as f64),
        );
        if let Some(minimum) = minimum
            && number < minimum
        {
            add(
                codes::OUT_OF_RANGE,
                format!("{name} must be at least {minimum}."),
            );
        }
        if let Some(maximum) = maximum
            && number > maximum
        {
            add(
                codes::OUT_OF_RANGE,
                format!("{name} must be at most {maximum}."),
            );
        }
        if let Some((max, code)) = property.max_decimals
            && decimals(number) > max
        {
            let message = if code == codes::TOO_MANY_DECIMALS && max == 2 {
                // e-conomic's documented wording (annotated errors example).
                format!("{name} scale cannot be greater then two decimal places.")
            } else {
                format!("{name} cannot have more than {max} decimal places.")
            };
            add(code, message);
        }
    }
}

/// A string's length as JSON Schema counts it: Unicode code points.
pub(crate) fn characters(text: &str) -> usize {
    text.chars().count()
}

/// An integer JSON number (`1` or `1.0`), widened.
pub(crate) fn integer_value(value: &Value) -> Option<i128> {
    if let Some(number) = value.as_i64() {
        return Some(i128::from(number));
    }
    if let Some(number) = value.as_u64() {
        return Some(i128::from(number));
    }
    let number = value.as_f64()?;
    // Whole, finite and small enough to be exact.
    if !(number.is_finite() && number.fract() == 0.0 && number.abs() < 9.0e15) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(number as i128)
}

/// The decimals of a JSON number as sent (its shortest round-trip form: `1.10` has one).
pub(crate) fn decimals(number: f64) -> usize {
    let text = number.to_string();
    text.split_once('.')
        .map_or(0, |(_, fraction)| fraction.trim_end_matches('0').len())
}

/// An RFC 3339 `full-date`: exactly `YYYY-MM-DD`, a real calendar day.
pub(crate) fn parse_full_date(text: &str) -> Option<chrono::NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| {
            if index == 4 || index == 7 {
                *byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    let year = text.get(0..4)?.parse().ok()?;
    let month = text.get(5..7)?.parse().ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    chrono::NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors(schema: &[Property], document: &Value, country: &str) -> Value {
        let mut validation = Validation::default();
        validate(schema, document, country, &mut validation);
        validation.tree()
    }

    #[test]
    fn lengths_count_code_points_not_utf16_units_or_bytes() {
        assert_eq!(characters("abc"), 3);
        // One emoji: one code point, two UTF-16 units, four bytes.
        assert_eq!(characters("😀"), 1);
        assert_eq!("😀".encode_utf16().count(), 2);
        // A family emoji: five code points (three people, two zero-width joiners).
        assert_eq!(characters("👨\u{200d}👩\u{200d}👧"), 5);
        // e + combining acute: two code points.
        assert_eq!(characters("e\u{301}"), 2);
    }

    #[test]
    fn full_dates_are_strict() {
        assert!(parse_full_date("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "2024-2-29",
            "2024-02-29T00:00:00",
            "24-02-29",
            "2024/02/29",
            "",
        ] {
            assert!(parse_full_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn decimals_are_counted_on_the_number() {
        assert_eq!(decimals(159.6), 1);
        assert_eq!(decimals(500.0), 0);
        assert_eq!(decimals(0.01), 2);
        assert_eq!(decimals(1.234), 3);
        assert_eq!(decimals(0.000_000_1), 7);
    }

    #[test]
    fn integers_accept_whole_numbers_only() {
        assert_eq!(integer_value(&json!(3)), Some(3));
        assert_eq!(integer_value(&json!(3.0)), Some(3));
        assert_eq!(integer_value(&json!(-3)), Some(-3));
        assert_eq!(integer_value(&json!(3.5)), None);
        assert_eq!(integer_value(&json!("3")), None);
    }

    #[test]
    fn the_pattern_is_unanchored_like_json_schema() {
        assert!(Format::ThreeLetters.accepts("DKK"));
        assert!(Format::ThreeLetters.accepts("dkk"));
        assert!(!Format::ThreeLetters.accepts("DK"));
        assert!(!Format::ThreeLetters.accepts("D1K"));
        assert!(!Format::ThreeLetters.accepts("ÆØÅ"));
    }

    #[test]
    fn required_properties_of_present_parents_and_every_array_item_are_checked() {
        let tree = errors(
            DRAFT_POST,
            &json!({"recipient": {}, "lines": [{"quantity": 1}, {"quantity": "x"}, 7]}),
            "DK",
        );
        let missing = [
            &tree["recipient"]["name"],
            &tree["recipient"]["vatZone"],
            &tree["currency"],
        ];
        for property in missing {
            assert_eq!(property["errors"][0]["errorCode"], "E00100", "{tree}");
        }
        let lines = tree["lines"].as_array().expect("line errors");
        assert_eq!(lines.len(), 2, "{tree}");
        assert_eq!(lines[0]["arrayIndex"], 1);
        assert_eq!(lines[0]["quantity"]["errors"][0]["errorCode"], "E00120");
        assert_eq!(lines[1]["arrayIndex"], 2);
        assert_eq!(lines[1]["errors"][0]["errorCode"], "E00120");
    }

    #[test]
    fn every_row_names_a_source_and_a_unique_path() {
        for table in [CUSTOMER_POST, PRODUCT_POST, DRAFT_POST, BOOKED_POST] {
            let mut seen = std::collections::BTreeSet::new();
            for property in table {
                assert!(!property.source.is_empty(), "{}", property.path);
                assert!(seen.insert(property.path), "{} twice", property.path);
            }
        }
    }

    #[test]
    fn vat_numbers_belong_to_some_agreements_only() {
        let body = json!({"vatNumber": "SE556000000101"});
        let danish = errors(CUSTOMER_POST, &body, "DK");
        assert_eq!(danish["vatNumber"]["errors"][0]["errorCode"], "E00150");
        for country in ["SE", "GB", "DE", "PL", "FI", "se"] {
            let tree = errors(CUSTOMER_POST, &body, country);
            assert!(tree.get("vatNumber").is_none(), "{country}: {tree}");
        }
    }
}
