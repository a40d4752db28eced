//! Mapping an order into an e-conomic draft invoice: pure, no I/O (economic-api.md §2.4, §(a)).
//!
//! The input is a plain [`InvoiceInput`] (the app maps Shoporama's order into it); the output is
//! an [`InvoicePlan`]: the [`NewDraftInvoice`] to POST, the `references.other` that makes it
//! idempotent, the VAT zone chosen and the [`InvoiceTotals`] e-conomic will compute.
//!
//! # Prices
//!
//! Shop prices are VAT-inclusive; e-conomic wants `unitNetPrice` excluding VAT with at most two
//! decimals. Each unit price becomes `round2(gross / (1 + rate))` (199.50 at 25 % → 159.60),
//! using the line's own rate in VAT-charging zones. In zero-rated zones (EU business customers
//! with reverse charge, and export outside the EU) e-conomic books no VAT, so whatever the
//! customer paid is the net price.
//!
//! # Shipping and discounts
//!
//! Shipping is its own line (quantity 1) with the configured shipping product, or without a
//! product when none is configured, so the revenue is never dropped; free shipping adds no
//! line. A discount (voucher) becomes a negative line with the configured discount product;
//! without one it is folded into the product lines, spread in proportion to their amounts
//! (largest remainder, so exactly the discount is spread), as the REST integrations studied do.
//!
//! # Totals and rounding residue
//!
//! e-conomic computes `totalNetAmount = round2(quantity × unitNetPrice)` per line, and VAT on
//! the net sum of each rate (the assumption this module makes, and the stand-in's behaviour).
//! [`InvoiceTotals`] predicts those and compares the gross with what the customer paid:
//! `residue = paid − gross`. Rounding unit prices leaves a residue of at most about one øre
//! per unit; [`RoundingPolicy::Report`] leaves it visible in the totals, while
//! [`RoundingPolicy::AdjustmentLine`] adds a small line that brings the invoice to the paid
//! amount (to the øre whenever VAT rounding allows; any remaining residue is still reported).
//! A residue larger than rounding can explain means the input does not add up (a fee or line
//! missing) and is an error ([`InvoiceError::TotalsMismatch`]), never silently booked.
//!
//! # VAT zone
//!
//! By delivery country (billing country when there is no delivery address): the home country
//! → domestic; an EU country → the EU zone for business customers (a VAT number, CVR or EAN is
//! given: reverse charge) and, for private customers, the EU-private (OSS) zone if configured,
//! else domestic (home VAT charged, as below the EU distance-selling threshold); anywhere
//! else → abroad. An OSS invoice carries the destination country's standard VAT rate
//! ([`eu_vat_rate`]): its lines are priced net of that rate.
//!
//! # Debtors and e-conomic's field limits
//!
//! A business buyer's debtor is found by its CVR / VAT number or EAN, a private buyer's by
//! e-mail ([`debtor_lookup`]). A Danish agreement's debtors have no `vatNumber` (e-conomic's
//! customer schema gives that field to Swedish, UK, German, Polish and Finnish agreements
//! only, [`VAT_NUMBER_AGREEMENTS`]): a foreign VAT number goes in
//! `corporateIdentificationNumber` there. Lengths are counted in characters (Unicode scalar
//! values: an emoji is one), as e-conomic's schemas count them; text is cut to fit, but an
//! identifier or e-mail that does not fit is left out ([`fits`]) rather than cut into another
//! one.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::model::{
    CustomerGroupRef, CustomerRef, Delivery, DraftLine, LayoutRef, NewCustomer, NewDraftInvoice,
    Notes, PaymentTermsRef, ProductRef, Recipient, References, UnitRef, VatZoneRef,
};
use crate::money::{Money, Quantity, VatRate};

/// The EU member states (ISO 3166-1 alpha-2; Greece is `GR` here, `EL` in VAT numbers).
pub const EU_COUNTRIES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// e-conomic's length limits used here.
const MAX_REFERENCE: usize = 250;
const MAX_HEADING: usize = 250;
const MAX_LINE_DESCRIPTION: usize = 2500;
const MAX_PRODUCT_NUMBER: usize = 25;
const MAX_EMAIL: usize = 255;
const MAX_IDENTIFIER: usize = 40;
const MAX_VAT_NUMBER: usize = 50;
const MAX_RECIPIENT_EAN: usize = 13;

/// The agreements (by home country) whose debtors have a `vatNumber`: Sweden, the UK, Germany,
/// Poland and Finland, as e-conomic's customer schema says. Elsewhere (Denmark) a foreign VAT
/// number is the debtor's `corporateIdentificationNumber`.
pub const VAT_NUMBER_AGREEMENTS: [&str; 5] = ["SE", "GB", "DE", "PL", "FI"];

/// The standard VAT rate of an EU member state (2025), charged on OSS sales to private buyers
/// there; `None` outside the EU.
pub fn eu_vat_rate(country_code: &str) -> Option<VatRate> {
    let basis_points = match country_code.trim().to_ascii_uppercase().as_str() {
        "LU" => 1700,
        "MT" => 1800,
        "CY" | "DE" => 1900,
        "AT" | "BG" | "FR" => 2000,
        "BE" | "CZ" | "ES" | "LT" | "LV" | "NL" | "RO" => 2100,
        "IT" | "SI" => 2200,
        "IE" | "PL" | "PT" | "SK" => 2300,
        "EE" | "GR" => 2400,
        "DK" | "HR" | "SE" => 2500,
        "FI" => 2550,
        "HU" => 2700,
        _ => return None,
    };
    Some(VatRate::from_basis_points(basis_points))
}

/// An address as the shop has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressInput {
    /// Recipient name at this address, if different from the customer's.
    pub name: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`DK`); decides the VAT zone.
    pub country_code: String,
    /// Country name as printed on the invoice; the code is used when absent.
    pub country_name: Option<String>,
}

/// The buyer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerInput {
    /// Person's name.
    pub name: String,
    /// Company name (B2B); used as the debtor name when present.
    pub company: Option<String>,
    /// E-mail (the debtor lookup key).
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Billing address.
    pub address: AddressInput,
    /// Danish CVR number.
    pub cvr: Option<String>,
    /// EAN (public-sector e-invoicing).
    pub ean: Option<String>,
    /// Foreign VAT number.
    pub vat_number: Option<String>,
}

impl CustomerInput {
    /// Whether the buyer is a business (any of VAT number, CVR, EAN given).
    pub fn is_business(&self) -> bool {
        [&self.cvr, &self.ean, &self.vat_number]
            .into_iter()
            .any(|value| value.as_deref().is_some_and(|text| !text.trim().is_empty()))
    }
}

/// An order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    /// SKU / e-conomic product number; `None` or blank → the fallback product, or no product.
    pub product_number: Option<String>,
    /// Text on the invoice line.
    pub description: String,
    /// Quantity (positive).
    pub quantity: Quantity,
    /// Unit price including VAT, as the customer saw it.
    pub unit_price_incl_vat: Money,
    /// The VAT rate included in that price.
    pub vat_rate: VatRate,
}

/// The shipping charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingInput {
    /// Text on the line (`Fragt: GLS pakkeshop`).
    pub description: String,
    /// Price including VAT (zero = free, no line).
    pub price_incl_vat: Money,
    /// The VAT rate included in that price.
    pub vat_rate: VatRate,
}

/// An order-level discount (voucher).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscountInput {
    /// Text on the line (`Rabatkode SOMMER`).
    pub description: String,
    /// The reduction including VAT, as a positive amount.
    pub amount_incl_vat: Money,
    /// The VAT rate included in that amount.
    pub vat_rate: VatRate,
}

/// Everything needed to invoice one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceInput {
    /// The order's id as the shop shows it (`1042`); prefixed into `references.other`.
    pub order_reference: String,
    /// ISO currency (`DKK`).
    pub currency: String,
    /// Invoice date (paid date or order date).
    pub date: NaiveDate,
    /// The buyer.
    pub customer: CustomerInput,
    /// The delivery address, when it differs from the billing address.
    pub delivery: Option<AddressInput>,
    /// The order lines (at least one).
    pub lines: Vec<LineInput>,
    /// Shipping.
    pub shipping: Option<ShippingInput>,
    /// Discount.
    pub discount: Option<DiscountInput>,
    /// What the customer paid in total, incl. VAT; checked against the invoice. `None` = the
    /// sum of lines + shipping − discount.
    pub paid_total: Option<Money>,
}

/// The e-conomic VAT zone numbers to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VatZones {
    /// Home-country sales (e-conomic's "Domestic", usually 1).
    pub domestic: u32,
    /// EU business sales, reverse charge (usually 2).
    pub eu: u32,
    /// Sales outside the EU (usually 3).
    pub abroad: u32,
    /// EU private sales (an OSS zone); `None` = treat as domestic.
    pub eu_private: Option<u32>,
}

impl Default for VatZones {
    fn default() -> Self {
        Self {
            domestic: 1,
            eu: 2,
            abroad: 3,
            eu_private: None,
        }
    }
}

/// What to do with the rounding residue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RoundingPolicy {
    /// Leave it; [`InvoiceTotals::residue`] shows it.
    #[default]
    Report,
    /// Add a line that brings the invoice to the paid amount.
    AdjustmentLine {
        /// Product for the line; `None` = a line without product.
        product_number: Option<String>,
        /// Text on the line (`Øreafrunding`).
        description: String,
    },
}

/// The shop's e-conomic mapping settings (economic-api.md §(a)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceConfig {
    /// ISO-2 home country (`DK`).
    pub home_country: String,
    /// VAT zone numbers.
    pub vat_zones: VatZones,
    /// Customer group for new domestic debtors.
    pub customer_group_domestic: u32,
    /// Customer group for new foreign debtors.
    pub customer_group_foreign: u32,
    /// Payment terms on debtors and invoices.
    pub payment_terms_number: u32,
    /// Invoice layout (required by e-conomic).
    pub layout_number: u32,
    /// Unit on every line; `None` = omitted.
    pub unit_number: Option<u32>,
    /// Product of the shipping line; `None` = a line without product.
    pub shipping_product_number: Option<String>,
    /// Product of the discount line; `None` = fold discounts into the lines.
    pub discount_product_number: Option<String>,
    /// Product for lines without a SKU; `None` = such lines carry no product.
    pub fallback_product_number: Option<String>,
    /// Product group in which a SKU e-conomic lacks is created as a product
    /// ([`crate::catalogue`]); `None` = such lines go on the fallback product.
    pub product_group: Option<u32>,
    /// Prefix of `references.other` (`shoporama-123-` makes it unique across shops).
    pub reference_prefix: String,
    /// `notes.heading`, with `{order}` replaced by the order reference.
    pub heading_template: String,
    /// Rounding residue handling.
    pub rounding: RoundingPolicy,
}

impl Default for InvoiceConfig {
    fn default() -> Self {
        Self {
            home_country: "DK".to_owned(),
            vat_zones: VatZones::default(),
            customer_group_domestic: 1,
            customer_group_foreign: 2,
            payment_terms_number: 1,
            layout_number: 19,
            unit_number: None,
            shipping_product_number: None,
            discount_product_number: None,
            fallback_product_number: None,
            product_group: None,
            reference_prefix: "shoporama-".to_owned(),
            heading_template: "Ordre {order}".to_owned(),
            rounding: RoundingPolicy::Report,
        }
    }
}

/// The kind of VAT treatment an order gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatZoneKind {
    /// Home country.
    Domestic,
    /// EU business customer: reverse charge, no VAT.
    EuBusiness,
    /// EU private customer: VAT charged.
    EuPrivate,
    /// Outside the EU: export, no VAT.
    Abroad,
}

impl VatZoneKind {
    /// Whether e-conomic books VAT in this zone.
    pub fn charges_vat(self) -> bool {
        matches!(self, Self::Domestic | Self::EuPrivate)
    }

    /// The zone number in `zones`.
    pub fn number(self, zones: &VatZones) -> u32 {
        match self {
            Self::Domestic => zones.domestic,
            Self::EuBusiness => zones.eu,
            Self::EuPrivate => zones.eu_private.unwrap_or(zones.domestic),
            Self::Abroad => zones.abroad,
        }
    }
}

/// The VAT treatment for a destination country.
pub fn classify_country(country_code: &str, home_country: &str, is_business: bool) -> VatZoneKind {
    let code = country_code.trim();
    if code.eq_ignore_ascii_case(home_country.trim()) {
        VatZoneKind::Domestic
    } else if EU_COUNTRIES
        .iter()
        .any(|member| member.eq_ignore_ascii_case(code))
    {
        if is_business {
            VatZoneKind::EuBusiness
        } else {
            VatZoneKind::EuPrivate
        }
    } else {
        VatZoneKind::Abroad
    }
}

/// What e-conomic will compute for the draft, and how it compares with what was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceTotals {
    /// Σ `round2(quantity × unitNetPrice)`.
    pub net: Money,
    /// VAT on the net sum per rate.
    pub vat: Money,
    /// `net + vat`.
    pub gross: Money,
    /// What the customer paid.
    pub paid: Money,
    /// `paid − gross`: zero when the invoice reconciles to the øre.
    pub residue: Money,
}

/// A draft ready to POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePlan {
    /// The body of `POST /invoices/drafts`.
    pub draft: NewDraftInvoice,
    /// `references.other`: look it up before creating.
    pub reference: String,
    /// The VAT treatment chosen.
    pub zone: VatZoneKind,
    /// The predicted totals.
    pub totals: InvoiceTotals,
}

/// Why an order cannot be turned into an invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    /// No order lines.
    #[error("the order has no lines")]
    NoLines,
    /// The currency is not a three-letter code.
    #[error("`{0}` is not an ISO currency code")]
    InvalidCurrency(String),
    /// A country code is not two letters.
    #[error("`{0}` is not an ISO country code")]
    InvalidCountry(String),
    /// A quantity of zero or less.
    #[error("line {line} has quantity {quantity}; it must be positive")]
    NonPositiveQuantity {
        /// 1-based line index.
        line: usize,
        /// The quantity.
        quantity: Quantity,
    },
    /// A negative price, shipping or discount.
    #[error("{what} is negative ({amount})")]
    NegativeAmount {
        /// What was negative.
        what: String,
        /// The amount.
        amount: Money,
    },
    /// The discount is larger than the lines it is spread over.
    #[error("the discount {discount} exceeds the order lines' total {lines}")]
    DiscountExceedsLines {
        /// The discount.
        discount: Money,
        /// The lines' total.
        lines: Money,
    },
    /// The order reference is empty or makes `references.other` longer than 250 characters.
    #[error("order reference `{0}` is empty or too long for references.other (250 characters)")]
    InvalidReference(String),
    /// Nothing to find the buyer's debtor by: no CVR, VAT number, EAN or e-mail.
    #[error(
        "the order has no e-mail, CVR or EAN to find its debtor by; set \"Only use this debtor\" to book such orders on one debtor"
    )]
    NoDebtorKey,
    /// Neither a name, a company nor an e-mail for the debtor.
    #[error("the customer has no name, company or e-mail")]
    MissingCustomerName,
    /// The invoice does not add up to what was paid, beyond rounding.
    #[error(
        "the invoice totals {computed} but the customer paid {paid}; more than rounding can explain"
    )]
    TotalsMismatch {
        /// What was paid.
        paid: Money,
        /// The invoice gross.
        computed: Money,
    },
    /// Amounts too large to compute with.
    #[error("amounts overflow")]
    Overflow,
}

/// An invoice that cannot be built fails the same way until the order or the settings
/// change: a permanent failure of the keyed effect that invoices the order.
impl From<InvoiceError> for shoporama_app::effects::EffectFailure {
    fn from(error: InvoiceError) -> Self {
        Self::permanent(error)
    }
}

/// `references.other` for an order: the prefix followed by the order reference.
pub fn reference_for(prefix: &str, order_reference: &str) -> Result<String, InvoiceError> {
    let order_reference = order_reference.trim();
    let reference = format!("{prefix}{order_reference}");
    if order_reference.is_empty() || reference.chars().count() > MAX_REFERENCE {
        return Err(InvoiceError::InvalidReference(order_reference.to_owned()));
    }
    Ok(reference)
}

/// `text`, trimmed and cut to at most `max_chars` characters (for free text, where a cut
/// name is still the name; identifiers use [`fits`]).
pub fn truncate(text: &str, max_chars: usize) -> String {
    text.trim().chars().take(max_chars).collect()
}

fn non_blank(value: Option<&String>, max_chars: usize) -> Option<String> {
    value
        .map(|text| truncate(text, max_chars))
        .filter(|text| !text.is_empty())
}

/// `value`, trimmed, when it is not blank and fits a field of `max_chars` characters; else
/// `None`: an identifier, e-mail or product number cut short would name another one.
pub fn fits(value: Option<&String>, max_chars: usize) -> Option<String> {
    value
        .map(|text| text.trim())
        .filter(|text| !text.is_empty() && text.chars().count() <= max_chars)
        .map(str::to_owned)
}

/// The buyer's identifiers as the debtor stores them (see the module docs).
struct Identity {
    cin: Option<String>,
    vat_number: Option<String>,
    ean: Option<String>,
    email: Option<String>,
}

fn identity(customer: &CustomerInput, config: &InvoiceConfig) -> Identity {
    let home = config.home_country.trim().to_ascii_uppercase();
    let takes_vat_number = VAT_NUMBER_AGREEMENTS.contains(&home.as_str());
    let vat_number = customer.vat_number.as_ref();
    Identity {
        cin: fits(customer.cvr.as_ref(), MAX_IDENTIFIER)
            .or_else(|| fits(vat_number, MAX_IDENTIFIER).filter(|_| !takes_vat_number)),
        vat_number: fits(vat_number, MAX_VAT_NUMBER).filter(|_| takes_vat_number),
        ean: fits(customer.ean.as_ref(), MAX_IDENTIFIER),
        email: fits(customer.email.as_ref(), MAX_EMAIL),
    }
}

/// How to find the buyer's debtor (`GET /customers?filter=<property>$eq:<value>`): a
/// business by its CVR / VAT number, else its EAN; a private buyer by e-mail, as the debtor
/// stores it (an e-mail too long for e-conomic is stored nowhere, so not looked up either:
/// `None`, a new debtor). An order with none of them at all is refused.
pub fn debtor_lookup(
    input: &InvoiceInput,
    config: &InvoiceConfig,
) -> Result<Option<(&'static str, String)>, InvoiceError> {
    let email = input.customer.email.as_deref().unwrap_or_default();
    if !input.customer.is_business() && email.trim().is_empty() {
        return Err(InvoiceError::NoDebtorKey);
    }
    let Identity {
        cin,
        vat_number,
        ean,
        email,
    } = identity(&input.customer, config);
    let email = email.filter(|_| !input.customer.is_business());
    let keys = [
        ("corporateIdentificationNumber", cin),
        ("vatNumber", vat_number),
        ("ean", ean),
        ("email", email),
    ];
    Ok(keys
        .into_iter()
        .find_map(|(property, value)| value.map(|value| (property, value))))
}

/// A line whose SKU e-conomic has no product for: it goes on the fallback product (or none),
/// and its description keeps the SKU (`Tekande (SKU-404)`).
pub fn unknown_sku(line: &mut LineInput) {
    if let Some(sku) = line.product_number.take() {
        let (name, sku) = (line.description.trim(), sku.trim());
        line.description = match (name.is_empty(), sku.is_empty()) {
            (_, true) => name.to_owned(),
            (true, false) => sku.to_owned(),
            (false, false) => format!("{name} ({sku})"),
        };
    }
}

/// Whether `code` is an ISO 3166-1 alpha-2 country code in form: two ASCII letters.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_alphabetic())
}

fn check_country(code: &str) -> Result<(), InvoiceError> {
    let code = code.trim();
    if is_country_code(code) {
        Ok(())
    } else {
        Err(InvoiceError::InvalidCountry(code.to_owned()))
    }
}

fn normalised_currency(currency: &str) -> Result<String, InvoiceError> {
    let code = currency.trim();
    if code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(InvoiceError::InvalidCurrency(code.to_owned()))
    }
}

/// The address that decides the VAT zone and receives the goods.
fn destination(input: &InvoiceInput) -> &AddressInput {
    input.delivery.as_ref().unwrap_or(&input.customer.address)
}

/// The VAT treatment of an order.
pub fn zone_for(input: &InvoiceInput, config: &InvoiceConfig) -> Result<VatZoneKind, InvoiceError> {
    let country = &destination(input).country_code;
    check_country(country)?;
    Ok(classify_country(
        country,
        &config.home_country,
        input.customer.is_business(),
    ))
}

fn debtor_name(customer: &CustomerInput) -> Result<String, InvoiceError> {
    [
        customer.company.as_ref(),
        Some(&customer.name),
        customer.email.as_ref(),
    ]
    .into_iter()
    .find_map(|candidate| non_blank(candidate, 255))
    .ok_or(InvoiceError::MissingCustomerName)
}

fn country_text(address: &AddressInput) -> Option<String> {
    non_blank(address.country_name.as_ref(), 50)
        .or_else(|| non_blank(Some(&address.country_code.to_ascii_uppercase()), 50))
}

/// The debtor to create for an order's buyer (when no collective customer is used and no
/// debtor with the e-mail exists).
pub fn new_customer(
    input: &InvoiceInput,
    config: &InvoiceConfig,
) -> Result<NewCustomer, InvoiceError> {
    let zone = zone_for(input, config)?;
    let customer = &input.customer;
    check_country(&customer.address.country_code)?;
    let billing = &customer.address;
    let identity = identity(customer, config);
    Ok(NewCustomer {
        name: debtor_name(customer)?,
        currency: normalised_currency(&input.currency)?,
        customer_group: CustomerGroupRef {
            customer_group_number: if zone == VatZoneKind::Domestic {
                config.customer_group_domestic
            } else {
                config.customer_group_foreign
            },
        },
        payment_terms: PaymentTermsRef::new(config.payment_terms_number),
        vat_zone: VatZoneRef::new(zone.number(&config.vat_zones)),
        customer_number: None,
        email: identity.email,
        address: non_blank(billing.address.as_ref(), 510),
        zip: non_blank(billing.zip.as_ref(), 30),
        city: non_blank(billing.city.as_ref(), 50),
        country: country_text(billing),
        mobile_phone: non_blank(customer.phone.as_ref(), 50),
        corporate_identification_number: identity.cin,
        ean: identity.ean,
        vat_number: identity.vat_number,
        layout: None,
    })
}

/// One priced line before totals: its e-conomic line and its VAT rate.
struct Priced {
    line: DraftLine,
    rate: VatRate,
}

/// Splits `total` over `weights` in proportion, exactly (largest remainder).
fn allocate(total: i64, weights: &[i64]) -> Option<Vec<i64>> {
    let sum: i128 = weights.iter().map(|weight| i128::from(*weight)).sum();
    if sum <= 0 {
        return None;
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (index, weight) in weights.iter().enumerate() {
        let exact = i128::from(total) * i128::from(*weight);
        shares.push(i64::try_from(exact / sum).ok()?);
        remainders.push((exact % sum, index));
    }
    let assigned: i64 = shares.iter().sum();
    let mut left = total - assigned;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders {
        if left <= 0 {
            break;
        }
        shares[index] += 1;
        left -= 1;
    }
    Some(shares)
}

/// Each line's `round2(quantity × unitNetPrice)` with its rate.
fn line_nets(lines: &[Priced]) -> Result<Vec<(VatRate, Money)>, InvoiceError> {
    lines
        .iter()
        .map(|priced| {
            priced
                .line
                .unit_net_price
                .times(priced.line.quantity)
                .map(|net| (priced.rate, net))
                .ok_or(InvoiceError::Overflow)
        })
        .collect()
}

/// Predicts e-conomic's totals from line nets: VAT on the net sum of each rate.
fn totals(nets: &[(VatRate, Money)], paid: Money) -> Result<InvoiceTotals, InvoiceError> {
    let mut net_by_rate: BTreeMap<VatRate, Money> = BTreeMap::new();
    for (rate, line_net) in nets {
        let entry = net_by_rate.entry(*rate).or_default();
        *entry = entry.checked_add(*line_net).ok_or(InvoiceError::Overflow)?;
    }
    let net: Money = net_by_rate.values().copied().sum();
    let vat: Money = net_by_rate
        .iter()
        .map(|(rate, net)| net.vat_at(*rate))
        .sum();
    let gross = net.checked_add(vat).ok_or(InvoiceError::Overflow)?;
    Ok(InvoiceTotals {
        net,
        vat,
        gross,
        paid,
        residue: paid - gross,
    })
}

/// The net amount (and its rate) of the line that best brings `nets` to `paid`, with the
/// totals it gives; `None` when no line improves on the current residue.
fn best_adjustment(
    nets: &[(VatRate, Money)],
    current: &InvoiceTotals,
) -> Result<Option<(VatRate, Money, InvoiceTotals)>, InvoiceError> {
    // The rate of the largest net group carries the adjustment.
    let mut by_rate: BTreeMap<VatRate, i64> = BTreeMap::new();
    for (rate, net) in nets {
        *by_rate.entry(*rate).or_default() += net.minor().abs();
    }
    let rate = by_rate
        .into_iter()
        .max_by_key(|(rate, net)| (*net, *rate))
        .map_or(VatRate::ZERO, |(rate, _)| rate);
    let centre = current.residue.excluding_vat(rate).minor();
    let mut best: Option<(VatRate, Money, InvoiceTotals)> = None;
    let mut trial = nets.to_vec();
    for candidate in (centre - 2..=centre + 2)
        .map(Money::from_minor)
        .filter(|candidate| !candidate.is_zero())
    {
        trial.push((rate, candidate));
        let candidate_totals = totals(&trial, current.paid)?;
        trial.pop();
        let better = best.as_ref().is_none_or(|(_, chosen, chosen_totals)| {
            (candidate_totals.residue.abs(), candidate.abs())
                < (chosen_totals.residue.abs(), chosen.abs())
        });
        if better {
            best = Some((rate, candidate, candidate_totals));
        }
    }
    Ok(best.filter(|(_, _, adjusted)| adjusted.residue.abs() < current.residue.abs()))
}

/// The largest residue rounding can explain: two øre per unit (unit gross and unit net are
/// each rounded once) plus one per VAT rate and one spare.
fn rounding_tolerance(lines: &[Priced]) -> Money {
    let units: i64 = lines
        .iter()
        .map(|priced| (priced.line.quantity.hundredths().max(0) + 99) / 100)
        .sum();
    let rates = lines
        .iter()
        .map(|priced| priced.rate)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Money::from_minor(units.saturating_mul(2) + i64::try_from(rates).unwrap_or(i64::MAX) + 1)
}

/// Builds the draft invoice for an order, to be booked on `customer_number`.
pub fn build_draft(
    input: &InvoiceInput,
    config: &InvoiceConfig,
    customer_number: u32,
) -> Result<InvoicePlan, InvoiceError> {
    if input.lines.is_empty() {
        return Err(InvoiceError::NoLines);
    }
    let currency = normalised_currency(&input.currency)?;
    let reference = reference_for(&config.reference_prefix, &input.order_reference)?;
    let zone = zone_for(input, config)?;
    // OSS: the destination country's rate on every line.
    let oss_rate = eu_vat_rate(&destination(input).country_code)
        .filter(|_| zone == VatZoneKind::EuPrivate && config.vat_zones.eu_private.is_some());
    let effective = |rate: VatRate| match oss_rate {
        _ if !zone.charges_vat() => VatRate::ZERO,
        Some(oss) => oss,
        None => rate,
    };
    let unit = config
        .unit_number
        .map(|unit_number| UnitRef { unit_number });
    let product = |number: Option<&String>| {
        fits(number, MAX_PRODUCT_NUMBER).map(|product_number| ProductRef { product_number })
    };

    // Gross per order line, and the discount to fold into them (if no discount product).
    let mut line_gross = Vec::with_capacity(input.lines.len());
    for (index, line) in input.lines.iter().enumerate() {
        if !line.quantity.is_positive() {
            return Err(InvoiceError::NonPositiveQuantity {
                line: index + 1,
                quantity: line.quantity,
            });
        }
        if line.unit_price_incl_vat.is_negative() {
            return Err(InvoiceError::NegativeAmount {
                what: format!("line {} price", index + 1),
                amount: line.unit_price_incl_vat,
            });
        }
        line_gross.push(
            line.unit_price_incl_vat
                .times(line.quantity)
                .ok_or(InvoiceError::Overflow)?,
        );
    }
    let lines_total: Money = line_gross.iter().copied().sum();
    let discount = input
        .discount
        .as_ref()
        .filter(|discount| !discount.amount_incl_vat.is_zero());
    if let Some(discount) = discount {
        if discount.amount_incl_vat.is_negative() {
            return Err(InvoiceError::NegativeAmount {
                what: "discount".to_owned(),
                amount: discount.amount_incl_vat,
            });
        }
        if discount.amount_incl_vat > lines_total {
            return Err(InvoiceError::DiscountExceedsLines {
                discount: discount.amount_incl_vat,
                lines: lines_total,
            });
        }
    }
    let folded = match (discount, &config.discount_product_number) {
        (Some(discount), None) => allocate(
            discount.amount_incl_vat.minor(),
            &line_gross
                .iter()
                .map(|gross| gross.minor())
                .collect::<Vec<_>>(),
        ),
        _ => None,
    };

    let mut priced = Vec::with_capacity(input.lines.len() + 3);
    for (index, line) in input.lines.iter().enumerate() {
        let unit_gross = match &folded {
            Some(shares) => (line_gross[index] - Money::from_minor(shares[index]))
                .per(line.quantity)
                .ok_or(InvoiceError::Overflow)?,
            None => line.unit_price_incl_vat,
        };
        let rate = effective(line.vat_rate);
        let mut description = truncate(&line.description, MAX_LINE_DESCRIPTION);
        let product = product(line.product_number.as_ref())
            .or_else(|| product(config.fallback_product_number.as_ref()));
        if description.is_empty() {
            description = product.as_ref().map_or_else(
                || "Vare".to_owned(),
                |product| product.product_number.clone(),
            );
        }
        priced.push(Priced {
            line: DraftLine {
                description,
                product,
                quantity: line.quantity,
                unit_net_price: unit_gross.excluding_vat(rate),
                unit: unit.clone(),
                line_number: None,
                sort_key: None,
            },
            rate,
        });
    }
    let mut shipping_gross = Money::ZERO;
    if let Some(shipping) = input
        .shipping
        .as_ref()
        .filter(|shipping| !shipping.price_incl_vat.is_zero())
    {
        if shipping.price_incl_vat.is_negative() {
            return Err(InvoiceError::NegativeAmount {
                what: "shipping".to_owned(),
                amount: shipping.price_incl_vat,
            });
        }
        shipping_gross = shipping.price_incl_vat;
        let rate = effective(shipping.vat_rate);
        let description = truncate(&shipping.description, MAX_LINE_DESCRIPTION);
        priced.push(Priced {
            line: DraftLine {
                description: if description.is_empty() {
                    "Fragt".to_owned()
                } else {
                    description
                },
                product: product(config.shipping_product_number.as_ref()),
                quantity: Quantity::ONE,
                unit_net_price: shipping.price_incl_vat.excluding_vat(rate),
                unit: unit.clone(),
                line_number: None,
                sort_key: None,
            },
            rate,
        });
    }
    if let (Some(discount), Some(number)) = (discount, &config.discount_product_number) {
        let rate = effective(discount.vat_rate);
        let description = truncate(&discount.description, MAX_LINE_DESCRIPTION);
        priced.push(Priced {
            line: DraftLine {
                description: if description.is_empty() {
                    "Rabat".to_owned()
                } else {
                    description
                },
                product: product(Some(number)),
                quantity: Quantity::ONE,
                unit_net_price: -discount.amount_incl_vat.excluding_vat(rate),
                unit: unit.clone(),
                line_number: None,
                sort_key: None,
            },
            rate,
        });
    }

    let expected_paid = lines_total + shipping_gross
        - discount.map_or(Money::ZERO, |discount| discount.amount_incl_vat);
    let paid = input.paid_total.unwrap_or(expected_paid);
    let nets = line_nets(&priced)?;
    let mut totals = totals(&nets, paid)?;
    if totals.residue.abs() > rounding_tolerance(&priced) {
        return Err(InvoiceError::TotalsMismatch {
            paid,
            computed: totals.gross,
        });
    }
    if let RoundingPolicy::AdjustmentLine {
        product_number,
        description,
    } = &config.rounding
        && !totals.residue.is_zero()
        && let Some((rate, amount, adjusted)) = best_adjustment(&nets, &totals)?
    {
        let description = truncate(description, MAX_LINE_DESCRIPTION);
        priced.push(Priced {
            line: DraftLine {
                description: if description.is_empty() {
                    "Øreafrunding".to_owned()
                } else {
                    description
                },
                product: product(product_number.as_ref()),
                quantity: Quantity::ONE,
                unit_net_price: amount,
                unit: unit.clone(),
                line_number: None,
                sort_key: None,
            },
            rate,
        });
        totals = adjusted;
    }

    let customer = &input.customer;
    let to = destination(input);
    let recipient_name = non_blank(to.name.as_ref(), 250).map_or_else(
        || debtor_name(customer).map(|name| truncate(&name, 250)),
        Ok,
    )?;
    let heading = truncate(
        &config
            .heading_template
            .replace("{order}", input.order_reference.trim()),
        MAX_HEADING,
    );
    let delivery = input.delivery.as_ref().map(|address| Delivery {
        address: non_blank(address.address.as_ref(), 255),
        zip: non_blank(address.zip.as_ref(), 30),
        city: non_blank(address.city.as_ref(), 50),
        country: country_text(address),
        delivery_date: None,
    });
    let draft = NewDraftInvoice {
        currency,
        customer: CustomerRef { customer_number },
        date: input.date,
        layout: LayoutRef {
            layout_number: config.layout_number,
        },
        payment_terms: PaymentTermsRef::new(config.payment_terms_number),
        recipient: Recipient {
            name: recipient_name,
            vat_zone: VatZoneRef::new(zone.number(&config.vat_zones)),
            address: non_blank(to.address.as_ref(), 250),
            zip: non_blank(to.zip.as_ref(), 50),
            city: non_blank(to.city.as_ref(), 250),
            country: country_text(to),
            ean: fits(customer.ean.as_ref(), MAX_RECIPIENT_EAN),
        },
        due_date: None,
        delivery,
        notes: (!heading.is_empty()).then_some(Notes {
            heading: Some(heading),
            text_line1: None,
            text_line2: None,
        }),
        references: Some(References {
            other: Some(reference.clone()),
        }),
        lines: priced.into_iter().map(|priced| priced.line).collect(),
    };
    Ok(InvoicePlan {
        draft,
        reference,
        zone,
        totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 5, 17).expect("valid date")
    }

    fn danish_customer() -> CustomerInput {
        CustomerInput {
            name: "Jens Hansen".into(),
            email: Some("jens@example.dk".into()),
            phone: Some("+45 12 34 56 78".into()),
            address: AddressInput {
                address: Some("Vestergade 1".into()),
                zip: Some("8000".into()),
                city: Some("Aarhus C".into()),
                country_code: "DK".into(),
                country_name: Some("Danmark".into()),
                ..AddressInput::default()
            },
            ..CustomerInput::default()
        }
    }

    fn line(sku: &str, description: &str, quantity: u32, price: i64) -> LineInput {
        LineInput {
            product_number: Some(sku.into()),
            description: description.into(),
            quantity: Quantity::from_units(quantity),
            unit_price_incl_vat: Money::from_minor(price),
            vat_rate: VatRate::DANISH,
        }
    }

    fn order(lines: Vec<LineInput>) -> InvoiceInput {
        InvoiceInput {
            order_reference: "1042".into(),
            currency: "dkk".into(),
            date: date(),
            customer: danish_customer(),
            delivery: None,
            lines,
            shipping: None,
            discount: None,
            paid_total: None,
        }
    }

    #[test]
    fn one_danish_line_199_50_incl_is_159_60_excl() {
        let plan = build_draft(
            &order(vec![line("TS-1", "T-shirt", 1, 19_950)]),
            &InvoiceConfig::default(),
            7,
        )
        .expect("builds");
        let draft_line = &plan.draft.lines[0];
        assert_eq!(draft_line.unit_net_price, Money::from_minor(15_960));
        assert_eq!(
            draft_line.product,
            Some(ProductRef {
                product_number: "TS-1".into()
            })
        );
        assert_eq!(
            plan.totals,
            InvoiceTotals {
                net: Money::from_minor(15_960),
                vat: Money::from_minor(3_990),
                gross: Money::from_minor(19_950),
                paid: Money::from_minor(19_950),
                residue: Money::ZERO,
            }
        );
        assert_eq!(plan.zone, VatZoneKind::Domestic);
        assert_eq!(plan.reference, "shoporama-1042");
        assert_eq!(plan.draft.currency, "DKK");
        assert_eq!(plan.draft.customer.customer_number, 7);
        assert_eq!(plan.draft.recipient.vat_zone.vat_zone_number, 1);
        assert_eq!(plan.draft.recipient.name, "Jens Hansen");
        assert_eq!(
            plan.draft
                .notes
                .as_ref()
                .and_then(|notes| notes.heading.as_deref()),
            Some("Ordre 1042")
        );
        let json = serde_json::to_string(&plan.draft).expect("serialises");
        assert!(!json.contains("null"), "{json}");
        assert!(json.contains(r#""unitNetPrice":159.6"#), "{json}");
    }

    #[test]
    fn quantity_rounding_leaves_a_residue_that_an_adjustment_line_removes() {
        // 3 × 33.33 incl. = 99.99 paid. 33.33 / 1.25 = 26.664 → 26.66; 3 × 26.66 = 79.98 net,
        // VAT 19.995 → 20.00, gross 99.98: one øre short.
        let input = order(vec![line("MUG", "Krus", 3, 3_333)]);
        let plan = build_draft(&input, &InvoiceConfig::default(), 1).expect("builds");
        assert_eq!(plan.totals.net, Money::from_minor(7_998));
        assert_eq!(plan.totals.vat, Money::from_minor(2_000));
        assert_eq!(plan.totals.gross, Money::from_minor(9_998));
        assert_eq!(plan.totals.residue, Money::from_minor(1));
        assert_eq!(plan.draft.lines.len(), 1);

        let config = InvoiceConfig {
            rounding: RoundingPolicy::AdjustmentLine {
                product_number: Some("AFRUND".into()),
                description: String::new(),
            },
            ..InvoiceConfig::default()
        };
        let plan = build_draft(&input, &config, 1).expect("builds");
        assert_eq!(plan.draft.lines.len(), 2);
        let adjustment = &plan.draft.lines[1];
        assert_eq!(adjustment.unit_net_price, Money::from_minor(1));
        assert_eq!(adjustment.description, "Øreafrunding");
        assert_eq!(
            adjustment.product,
            Some(ProductRef {
                product_number: "AFRUND".into()
            })
        );
        // 79.99 net, 19.9975 → 20.00 VAT, 99.99 gross.
        assert_eq!(plan.totals.gross, Money::from_minor(9_999));
        assert_eq!(plan.totals.residue, Money::ZERO);
    }

    #[test]
    fn shipping_is_its_own_line_and_free_shipping_adds_none() {
        let mut input = order(vec![line("TS-1", "T-shirt", 2, 10_000)]);
        input.shipping = Some(ShippingInput {
            description: "GLS".into(),
            price_incl_vat: Money::from_major(49),
            vat_rate: VatRate::DANISH,
        });
        let config = InvoiceConfig {
            shipping_product_number: Some("FRAGT".into()),
            ..InvoiceConfig::default()
        };
        let plan = build_draft(&input, &config, 1).expect("builds");
        let shipping = &plan.draft.lines[1];
        assert_eq!(
            shipping.product,
            Some(ProductRef {
                product_number: "FRAGT".into()
            })
        );
        assert_eq!(shipping.quantity, Quantity::ONE);
        assert_eq!(shipping.unit_net_price, Money::from_minor(3_920));
        // 160.00 + 39.20 = 199.20 net; VAT 49.80; gross 249.00.
        assert_eq!(plan.totals.gross, Money::from_major(249));
        assert_eq!(plan.totals.residue, Money::ZERO);

        input.shipping = Some(ShippingInput {
            description: "Afhentning".into(),
            price_incl_vat: Money::ZERO,
            vat_rate: VatRate::DANISH,
        });
        assert_eq!(
            build_draft(&input, &config, 1)
                .expect("builds")
                .draft
                .lines
                .len(),
            1
        );

        // Without a shipping product the line stays, without product.
        input.shipping = Some(ShippingInput {
            description: String::new(),
            price_incl_vat: Money::from_major(49),
            vat_rate: VatRate::DANISH,
        });
        let plan = build_draft(&input, &InvoiceConfig::default(), 1).expect("builds");
        assert_eq!(plan.draft.lines[1].product, None);
        assert_eq!(plan.draft.lines[1].description, "Fragt");
    }

    #[test]
    fn a_discount_product_gives_a_negative_line() {
        let mut input = order(vec![line("A", "A", 1, 20_000), line("B", "B", 2, 5_000)]);
        input.discount = Some(DiscountInput {
            description: "Rabatkode SOMMER".into(),
            amount_incl_vat: Money::from_major(50),
            vat_rate: VatRate::DANISH,
        });
        let config = InvoiceConfig {
            discount_product_number: Some("RABAT".into()),
            ..InvoiceConfig::default()
        };
        let plan = build_draft(&input, &config, 1).expect("builds");
        let discount = plan.draft.lines.last().expect("a discount line");
        assert_eq!(discount.unit_net_price, Money::from_major(-40));
        assert_eq!(
            discount.product,
            Some(ProductRef {
                product_number: "RABAT".into()
            })
        );
        // 300 − 50 = 250 paid; net 240 − 40 = 200; VAT 50.
        assert_eq!(plan.totals.net, Money::from_major(200));
        assert_eq!(plan.totals.gross, Money::from_major(250));
        assert_eq!(plan.totals.residue, Money::ZERO);
    }

    #[test]
    fn without_a_discount_product_the_discount_is_folded_into_the_lines() {
        let mut input = order(vec![line("A", "A", 1, 20_000), line("B", "B", 2, 5_000)]);
        input.discount = Some(DiscountInput {
            description: String::new(),
            amount_incl_vat: Money::from_major(30),
            vat_rate: VatRate::DANISH,
        });
        let plan = build_draft(&input, &InvoiceConfig::default(), 1).expect("builds");
        assert_eq!(plan.draft.lines.len(), 2);
        // 30 spread 2:1 → A pays 180.00 (net 144.00), B 2 × 45.00 (net 36.00 each).
        assert_eq!(plan.draft.lines[0].unit_net_price, Money::from_major(144));
        assert_eq!(plan.draft.lines[1].unit_net_price, Money::from_major(36));
        assert_eq!(plan.totals.gross, Money::from_major(270));
        assert_eq!(plan.totals.residue, Money::ZERO);

        input.discount = Some(DiscountInput {
            description: String::new(),
            amount_incl_vat: Money::from_major(301),
            vat_rate: VatRate::DANISH,
        });
        assert!(matches!(
            build_draft(&input, &InvoiceConfig::default(), 1),
            Err(InvoiceError::DiscountExceedsLines { .. })
        ));
    }

    #[test]
    fn allocation_is_exact() {
        assert_eq!(allocate(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
        assert_eq!(allocate(1000, &[20_000, 10_000]), Some(vec![667, 333]));
        assert_eq!(allocate(5, &[0, 0]), None);
        let shares = allocate(9_999, &[3, 7, 11, 13]).expect("allocates");
        assert_eq!(shares.iter().sum::<i64>(), 9_999);
    }

    #[test]
    fn vat_zones_by_country_and_customer_kind() {
        assert_eq!(classify_country("dk", "DK", false), VatZoneKind::Domestic);
        assert_eq!(classify_country("DK", "DK", true), VatZoneKind::Domestic);
        assert_eq!(classify_country("DE", "DK", true), VatZoneKind::EuBusiness);
        assert_eq!(classify_country("DE", "DK", false), VatZoneKind::EuPrivate);
        assert_eq!(classify_country("NO", "DK", false), VatZoneKind::Abroad);
        assert_eq!(classify_country("GB", "DK", true), VatZoneKind::Abroad);
        let zones = VatZones::default();
        assert_eq!(VatZoneKind::EuPrivate.number(&zones), 1);
        assert_eq!(
            VatZoneKind::EuPrivate.number(&VatZones {
                eu_private: Some(5),
                ..zones
            }),
            5
        );
        assert_eq!(VatZoneKind::EuBusiness.number(&zones), 2);
        assert_eq!(VatZoneKind::Abroad.number(&zones), 3);
    }

    #[test]
    fn export_is_zero_rated_and_the_paid_price_is_net() {
        let mut input = order(vec![line("TS-1", "T-shirt", 1, 12_500)]);
        input.delivery = Some(AddressInput {
            name: Some("Ola Nordmann".into()),
            address: Some("Karl Johans gate 1".into()),
            zip: Some("0154".into()),
            city: Some("Oslo".into()),
            country_code: "NO".into(),
            country_name: None,
        });
        let plan = build_draft(&input, &InvoiceConfig::default(), 3).expect("builds");
        assert_eq!(plan.zone, VatZoneKind::Abroad);
        assert_eq!(plan.draft.recipient.vat_zone.vat_zone_number, 3);
        assert_eq!(plan.draft.recipient.name, "Ola Nordmann");
        assert_eq!(plan.draft.recipient.country.as_deref(), Some("NO"));
        assert_eq!(plan.draft.lines[0].unit_net_price, Money::from_major(125));
        assert_eq!(plan.totals.vat, Money::ZERO);
        assert_eq!(plan.totals.residue, Money::ZERO);
        let delivery = plan.draft.delivery.expect("a delivery address");
        assert_eq!(delivery.city.as_deref(), Some("Oslo"));
    }

    #[test]
    fn eu_business_customers_get_the_eu_zone_and_a_foreign_group() {
        let mut input = order(vec![line("TS-1", "T-shirt", 1, 10_000)]);
        input.customer.company = Some("Muster GmbH".into());
        input.customer.vat_number = Some("DE123456789".into());
        input.customer.address.country_code = "DE".into();
        input.customer.address.country_name = Some("Deutschland".into());
        let config = InvoiceConfig::default();
        let plan = build_draft(&input, &config, 9).expect("builds");
        assert_eq!(plan.zone, VatZoneKind::EuBusiness);
        assert_eq!(plan.draft.lines[0].unit_net_price, Money::from_major(100));
        let debtor = new_customer(&input, &config).expect("maps");
        assert_eq!(debtor.name, "Muster GmbH");
        assert_eq!(debtor.vat_zone.vat_zone_number, 2);
        assert_eq!(debtor.customer_group.customer_group_number, 2);
        // A Danish agreement's debtors have no `vatNumber`: the VAT number is their CIN.
        assert_eq!(debtor.vat_number, None);
        assert_eq!(
            debtor.corporate_identification_number.as_deref(),
            Some("DE123456789")
        );
        assert_eq!(debtor.country.as_deref(), Some("Deutschland"));
        assert_eq!(
            debtor_lookup(&input, &config),
            Ok(Some((
                "corporateIdentificationNumber",
                "DE123456789".to_owned()
            )))
        );
        // A Swedish agreement's debtors do.
        let swedish = InvoiceConfig {
            home_country: "SE".into(),
            ..InvoiceConfig::default()
        };
        let debtor = new_customer(&input, &swedish).expect("maps");
        assert_eq!(debtor.vat_number.as_deref(), Some("DE123456789"));
        assert_eq!(debtor.corporate_identification_number, None);
        assert_eq!(
            debtor_lookup(&input, &swedish),
            Ok(Some(("vatNumber", "DE123456789".to_owned())))
        );
    }

    #[test]
    fn oss_invoices_carry_the_destination_rate() {
        // 119.00 paid by a private buyer in Germany: 100.00 net at German 19 %.
        let mut input = order(vec![line("TS-1", "T-shirt", 1, 11_900)]);
        input.customer.address.country_code = "DE".into();
        let oss = InvoiceConfig {
            vat_zones: VatZones {
                eu_private: Some(5),
                ..VatZones::default()
            },
            ..InvoiceConfig::default()
        };
        let plan = build_draft(&input, &oss, 1).expect("builds");
        assert_eq!(plan.zone, VatZoneKind::EuPrivate);
        assert_eq!(plan.draft.recipient.vat_zone.vat_zone_number, 5);
        assert_eq!(plan.draft.lines[0].unit_net_price, Money::from_major(100));
        assert_eq!(plan.totals.vat, Money::from_major(19));
        assert_eq!(eu_vat_rate("fi"), Some(VatRate::from_basis_points(2550)));
        assert_eq!(eu_vat_rate("NO"), None);
        // Without an OSS zone the order's own (home) rate stands.
        let plan = build_draft(&input, &InvoiceConfig::default(), 1).expect("builds");
        assert_eq!(plan.draft.lines[0].unit_net_price, Money::from_minor(9_520));
    }

    #[test]
    fn identifiers_and_e_mails_that_do_not_fit_are_left_out_not_cut() {
        let mut input = order(vec![line("TS-1", "T-shirt", 1, 10_000)]);
        // 255 characters, 17 of them emoji (4 bytes each): it fits as e-conomic counts.
        let fitting = format!("{}@{}.dk", "🎉".repeat(17), "a".repeat(234));
        assert_eq!(fitting.chars().count(), 255);
        input.customer.email = Some(format!(" {fitting} "));
        let config = InvoiceConfig::default();
        assert_eq!(
            new_customer(&input, &config).expect("maps").email,
            Some(fitting.clone())
        );
        assert_eq!(debtor_lookup(&input, &config), Ok(Some(("email", fitting))));
        input.customer.email = Some(format!("{}@example.dk", "a".repeat(250)));
        assert_eq!(new_customer(&input, &config).expect("maps").email, None);
        assert_eq!(debtor_lookup(&input, &config), Ok(None));
        input.customer.ean = Some("57901234567890".into()); // 14 digits: not an EAN-13
        let plan = build_draft(&input, &config, 1).expect("builds");
        assert_eq!(plan.draft.recipient.ean, None);
        assert_eq!(
            debtor_lookup(&input, &config),
            Ok(Some(("ean", "57901234567890".to_owned())))
        );
        input.customer.ean = None;
        input.customer.email = None;
        assert_eq!(
            debtor_lookup(&input, &config),
            Err(InvoiceError::NoDebtorKey)
        );
    }

    #[test]
    fn domestic_debtor_mapping() {
        let input = order(vec![line("TS-1", "T-shirt", 1, 10_000)]);
        let debtor = new_customer(&input, &InvoiceConfig::default()).expect("maps");
        assert_eq!(debtor.name, "Jens Hansen");
        assert_eq!(debtor.currency, "DKK");
        assert_eq!(debtor.customer_group.customer_group_number, 1);
        assert_eq!(debtor.vat_zone.vat_zone_number, 1);
        assert_eq!(debtor.email.as_deref(), Some("jens@example.dk"));
        assert_eq!(debtor.mobile_phone.as_deref(), Some("+45 12 34 56 78"));
        assert_eq!(debtor.zip.as_deref(), Some("8000"));
        let mut nameless = input.clone();
        nameless.customer.name = " ".into();
        nameless.customer.email = None;
        assert_eq!(
            new_customer(&nameless, &InvoiceConfig::default()),
            Err(InvoiceError::MissingCustomerName)
        );
    }

    #[test]
    fn inputs_that_do_not_add_up_are_refused() {
        let mut input = order(vec![line("TS-1", "T-shirt", 1, 19_950)]);
        input.paid_total = Some(Money::from_major(250));
        assert!(matches!(
            build_draft(&input, &InvoiceConfig::default(), 1),
            Err(InvoiceError::TotalsMismatch { .. })
        ));
        input.paid_total = Some(Money::from_minor(19_951));
        let plan = build_draft(&input, &InvoiceConfig::default(), 1).expect("within rounding");
        assert_eq!(plan.totals.residue, Money::from_minor(1));

        let mut zero = order(vec![line("TS-1", "T-shirt", 0, 100)]);
        assert!(matches!(
            build_draft(&zero, &InvoiceConfig::default(), 1),
            Err(InvoiceError::NonPositiveQuantity { line: 1, .. })
        ));
        zero.lines.clear();
        assert_eq!(
            build_draft(&zero, &InvoiceConfig::default(), 1),
            Err(InvoiceError::NoLines)
        );

        let mut bad = order(vec![line("TS-1", "T-shirt", 1, 100)]);
        bad.currency = "kroner".into();
        assert!(matches!(
            build_draft(&bad, &InvoiceConfig::default(), 1),
            Err(InvoiceError::InvalidCurrency(_))
        ));
        bad.currency = "DKK".into();
        bad.order_reference = "x".repeat(250);
        assert!(matches!(
            build_draft(&bad, &InvoiceConfig::default(), 1),
            Err(InvoiceError::InvalidReference(_))
        ));
        bad.order_reference = "1".into();
        bad.customer.address.country_code = "Danmark".into();
        assert!(matches!(
            build_draft(&bad, &InvoiceConfig::default(), 1),
            Err(InvoiceError::InvalidCountry(_))
        ));
    }

    #[test]
    fn lines_without_sku_use_the_fallback_product_and_units_apply() {
        let mut input = order(vec![line("", "", 1, 10_000)]);
        input.lines[0].product_number = None;
        let plan = build_draft(&input, &InvoiceConfig::default(), 1).expect("builds");
        assert_eq!(plan.draft.lines[0].product, None);
        assert_eq!(plan.draft.lines[0].description, "Vare");
        let config = InvoiceConfig {
            fallback_product_number: Some("1".into()),
            unit_number: Some(1),
            ..InvoiceConfig::default()
        };
        let plan = build_draft(&input, &config, 1).expect("builds");
        assert_eq!(
            plan.draft.lines[0].product,
            Some(ProductRef {
                product_number: "1".into()
            })
        );
        assert_eq!(plan.draft.lines[0].description, "1");
        assert_eq!(plan.draft.lines[0].unit, Some(UnitRef { unit_number: 1 }));

        let mut unknown = line("SKU-404", "Tekande", 1, 10_000);
        unknown_sku(&mut unknown);
        assert_eq!(
            (unknown.product_number, unknown.description.as_str()),
            (None, "Tekande (SKU-404)")
        );
    }
}
