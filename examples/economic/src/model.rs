//! Typed e-conomic documents (economic-api.md §1.7).
//!
//! Request types (`New…`, [`DraftLine`], [`BookDraft`]) never serialise a null: every optional
//! field is skipped when `None`, because e-conomic rejects nulls ("To null a property you must
//! exclude it"). Response types ignore properties they do not model, and read every property
//! e-conomic may omit (false booleans are omitted) as optional or defaulted.
//!
//! Money is [`Money`] and quantities [`Quantity`]: exact hundredths, see [`crate::money`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::{Money, Quantity};

/// A reference to a customer group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerGroupRef {
    /// The group's number.
    pub customer_group_number: u32,
}

/// A reference to a payment term; responses expand it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTermsRef {
    /// The term's number.
    pub payment_terms_number: u32,
    /// Days of credit (responses only).
    #[serde(skip_serializing)]
    pub days_of_credit: Option<i32>,
    /// Name (responses only).
    #[serde(skip_serializing)]
    pub name: Option<String>,
    /// Type: `net`, `prepaid`, … (responses only).
    #[serde(skip_serializing)]
    pub payment_terms_type: Option<String>,
}

impl PaymentTermsRef {
    /// A reference by number.
    pub fn new(payment_terms_number: u32) -> Self {
        Self {
            payment_terms_number,
            days_of_credit: None,
            name: None,
            payment_terms_type: None,
        }
    }
}

/// A reference to a VAT zone; responses expand it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VatZoneRef {
    /// The zone's number.
    pub vat_zone_number: u32,
    /// Name (responses only).
    #[serde(skip_serializing)]
    pub name: Option<String>,
}

impl VatZoneRef {
    /// A reference by number.
    pub fn new(vat_zone_number: u32) -> Self {
        Self {
            vat_zone_number,
            name: None,
        }
    }
}

/// A reference to a layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutRef {
    /// The layout's number.
    pub layout_number: u32,
}

/// A reference to a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitRef {
    /// The unit's number.
    pub unit_number: u32,
}

/// A reference to a product (product numbers are strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductRef {
    /// The product number.
    pub product_number: String,
}

/// A reference to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRef {
    /// The customer number.
    pub customer_number: u32,
}

/// `GET /self`: the agreement the grant belongs to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementInfo {
    /// The agreement number.
    pub agreement_number: u64,
    /// The company.
    #[serde(default)]
    pub company: Company,
    /// Agreement settings.
    #[serde(default)]
    pub settings: AgreementSettings,
}

/// The company of an agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// The company name.
    pub name: Option<String>,
    /// CVR number.
    pub company_identification_number: Option<String>,
}

/// Agreement settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementSettings {
    /// The agreement's base currency (`DKK`).
    pub base_currency: Option<String>,
}

/// `GET /vat-zones` item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VatZone {
    /// The zone's number.
    pub vat_zone_number: u32,
    /// Its name (`Domestic`, `EU`, `Abroad`).
    pub name: String,
    /// Usable on customers.
    #[serde(default)]
    pub enabled_for_customer: bool,
    /// Usable on suppliers.
    #[serde(default)]
    pub enabled_for_supplier: bool,
}

/// `GET /payment-terms` item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTerms {
    /// The term's number.
    pub payment_terms_number: u32,
    /// Its name (`Netto 8 dage`).
    pub name: String,
    /// Days of credit.
    pub days_of_credit: Option<i32>,
    /// `net`, `invoiceMonth`, `paidInCash`, `prepaid`, `dueDate`, …
    pub payment_terms_type: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// `GET /layouts` item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// The layout's number.
    pub layout_number: u32,
    /// Its name.
    pub name: String,
    /// Deleted layouts are still listed; do not offer them.
    #[serde(default)]
    pub deleted: bool,
}

/// `GET /customer-groups` item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerGroup {
    /// The group's number.
    pub customer_group_number: u32,
    /// Its name (`Danske`).
    pub name: String,
}

/// `GET /product-groups` item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductGroup {
    /// The group's number.
    pub product_group_number: u32,
    /// Its name (`Varer m/moms`).
    pub name: String,
}

/// A reference to a product group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductGroupRef {
    /// The group's number.
    pub product_group_number: u32,
}

/// `POST /products` body (`products.post.schema.json`). Required by e-conomic: `name`,
/// `productGroup`, `productNumber`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewProduct {
    /// The product number (1–25 characters).
    pub product_number: String,
    /// Its name (1–300 characters).
    pub name: String,
    /// The group that decides its accounts and VAT.
    pub product_group: ProductGroupRef,
    /// The unit net price invoice lines get by default.
    pub sales_price: Money,
    /// The unit it is counted in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRef>,
}

/// `GET /units` item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unit {
    /// The unit's number.
    pub unit_number: u32,
    /// Its name (`stk.`).
    pub name: String,
}

/// `GET /products/:productNumber`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The product number.
    pub product_number: String,
    /// Its name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Net sales price.
    pub sales_price: Option<Money>,
    /// Barred products cannot be sold.
    #[serde(default)]
    pub barred: bool,
    /// Default unit.
    pub unit: Option<UnitRef>,
}

/// `POST /customers` body. Required by e-conomic: `name`, `currency`, `customerGroup`,
/// `paymentTerms`, `vatZone`; the rest is skipped when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomer {
    /// Name (1–255 characters).
    pub name: String,
    /// ISO currency (`DKK`).
    pub currency: String,
    /// Customer group.
    pub customer_group: CustomerGroupRef,
    /// Payment terms.
    pub payment_terms: PaymentTermsRef,
    /// VAT zone.
    pub vat_zone: VatZoneRef,
    /// A chosen customer number; e-conomic assigns one when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<u32>,
    /// E-mail (≤ 255).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Street address (≤ 510).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Postal code (≤ 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// City (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country name (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Mobile phone (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// CVR number (≤ 40).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corporate_identification_number: Option<String>,
    /// EAN (≤ 40).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
    /// Foreign VAT number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
    /// Default layout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<LayoutRef>,
}

impl NewCustomer {
    /// A customer with the required fields and every optional one `None`.
    pub fn new(
        name: impl Into<String>,
        currency: impl Into<String>,
        customer_group: CustomerGroupRef,
        payment_terms: PaymentTermsRef,
        vat_zone: VatZoneRef,
    ) -> Self {
        Self {
            name: name.into(),
            currency: currency.into(),
            customer_group,
            payment_terms,
            vat_zone,
            customer_number: None,
            email: None,
            address: None,
            zip: None,
            city: None,
            country: None,
            mobile_phone: None,
            corporate_identification_number: None,
            ean: None,
            vat_number: None,
            layout: None,
        }
    }
}

/// A customer (debtor) as e-conomic returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The customer number.
    pub customer_number: u32,
    /// Name.
    pub name: String,
    /// Currency.
    pub currency: String,
    /// Customer group.
    pub customer_group: CustomerGroupRef,
    /// Payment terms.
    pub payment_terms: PaymentTermsRef,
    /// VAT zone.
    pub vat_zone: VatZoneRef,
    /// E-mail.
    pub email: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country name.
    pub country: Option<String>,
    /// Mobile phone.
    pub mobile_phone: Option<String>,
    /// CVR number.
    pub corporate_identification_number: Option<String>,
    /// EAN.
    pub ean: Option<String>,
    /// Barred customers cannot be invoiced.
    #[serde(default)]
    pub barred: bool,
    /// Balance.
    pub balance: Option<Money>,
    /// The resource's own URL.
    #[serde(rename = "self")]
    pub self_link: Option<String>,
}

/// The invoice recipient. `name` and `vatZone` are required on drafts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    /// Name (≤ 250).
    pub name: String,
    /// VAT zone.
    pub vat_zone: VatZoneRef,
    /// Address (≤ 250).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Postal code (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// City (≤ 250).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country name (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// EAN (≤ 13) for public-sector e-invoicing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
}

/// Where the goods went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Delivery date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<NaiveDate>,
}

/// Invoice notes: heading and two text lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notes {
    /// Heading (≤ 250).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// First text line (≤ 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_line1: Option<String>,
    /// Second text line (≤ 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_line2: Option<String>,
}

/// Invoice references. `other` (≤ 250) carries the order reference that makes creation
/// idempotent: it is filterable on drafts and booked invoices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct References {
    /// Free-text reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// A line of a draft invoice to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftLine {
    /// Text on the line (≤ 2500; required when `product` is set).
    pub description: String,
    /// The catalogue product, if the line is linked to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductRef>,
    /// Quantity.
    pub quantity: Quantity,
    /// VAT-exclusive unit price in the invoice currency, two decimals.
    pub unit_net_price: Money,
    /// Unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRef>,
    /// Line number (1-based); e-conomic assigns it when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_number: Option<u32>,
    /// Sort key; e-conomic assigns it when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<u32>,
}

/// `POST /invoices/drafts` body. Required by e-conomic: `currency`, `customer`, `date`,
/// `layout`, `paymentTerms`, `recipient.name`, `recipient.vatZone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewDraftInvoice {
    /// ISO currency.
    pub currency: String,
    /// The debtor.
    pub customer: CustomerRef,
    /// Invoice date.
    pub date: NaiveDate,
    /// Layout.
    pub layout: LayoutRef,
    /// Payment terms.
    pub payment_terms: PaymentTermsRef,
    /// Recipient.
    pub recipient: Recipient,
    /// Due date (only for `dueDate`-type terms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Delivery address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Notes>,
    /// References (`other` = the order reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references: Option<References>,
    /// Lines.
    pub lines: Vec<DraftLine>,
}

/// A line of a draft or booked invoice as e-conomic returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLine {
    /// Line number.
    pub line_number: Option<u32>,
    /// Sort key.
    pub sort_key: Option<u32>,
    /// Text.
    pub description: Option<String>,
    /// Product.
    pub product: Option<ProductRef>,
    /// Quantity.
    pub quantity: Option<Quantity>,
    /// Net unit price.
    pub unit_net_price: Option<Money>,
    /// Discount percentage.
    pub discount_percentage: Option<f64>,
    /// Unit.
    pub unit: Option<UnitRef>,
    /// `quantity × unitNetPrice` after discount, computed by e-conomic.
    pub total_net_amount: Option<Money>,
    /// VAT rate in percent (booked invoices).
    pub vat_rate: Option<f64>,
    /// VAT amount (booked invoices).
    pub vat_amount: Option<Money>,
}

/// Links to an invoice's PDF.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pdf {
    /// Download URL.
    pub download: String,
}

/// A draft invoice as e-conomic returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftInvoice {
    /// The draft's number (not the final invoice number).
    pub draft_invoice_number: u32,
    /// Invoice date.
    pub date: NaiveDate,
    /// Currency.
    pub currency: String,
    /// The debtor.
    pub customer: CustomerRef,
    /// Payment terms (expanded).
    pub payment_terms: PaymentTermsRef,
    /// Layout.
    pub layout: LayoutRef,
    /// Recipient.
    pub recipient: Recipient,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Exchange rate per 100 units.
    pub exchange_rate: Option<f64>,
    /// Notes.
    pub notes: Option<Notes>,
    /// References.
    pub references: Option<References>,
    /// Lines.
    #[serde(default)]
    pub lines: Vec<InvoiceLine>,
    /// Σ line net amounts.
    #[serde(default)]
    pub net_amount: Money,
    /// VAT.
    #[serde(default)]
    pub vat_amount: Money,
    /// Net + VAT + rounding.
    #[serde(default)]
    pub gross_amount: Money,
    /// Rounding.
    #[serde(default)]
    pub rounding_amount: Money,
    /// PDF link.
    pub pdf: Option<Pdf>,
    /// The resource's own URL.
    #[serde(rename = "self")]
    pub self_link: Option<String>,
}

/// A booked (final) invoice as e-conomic returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookedInvoice {
    /// The final invoice number.
    pub booked_invoice_number: u32,
    /// Invoice date.
    pub date: NaiveDate,
    /// Currency.
    pub currency: String,
    /// The debtor.
    pub customer: CustomerRef,
    /// Payment terms (expanded).
    pub payment_terms: Option<PaymentTermsRef>,
    /// Layout.
    pub layout: Option<LayoutRef>,
    /// Recipient.
    pub recipient: Option<Recipient>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<Notes>,
    /// References.
    pub references: Option<References>,
    /// Lines, with `vatRate` and `vatAmount`.
    #[serde(default)]
    pub lines: Vec<InvoiceLine>,
    /// Σ line net amounts.
    #[serde(default)]
    pub net_amount: Money,
    /// VAT.
    #[serde(default)]
    pub vat_amount: Money,
    /// Net + VAT + rounding.
    #[serde(default)]
    pub gross_amount: Money,
    /// Rounding.
    #[serde(default)]
    pub rounding_amount: Money,
    /// What is still unpaid.
    pub remainder: Option<Money>,
    /// PDF link.
    pub pdf: Option<Pdf>,
    /// The resource's own URL.
    #[serde(rename = "self")]
    pub self_link: Option<String>,
}

/// A reference to a draft invoice, for booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftInvoiceRef {
    /// The draft's number.
    pub draft_invoice_number: u32,
}

/// How a booked invoice is sent (the API cannot e-mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SendBy {
    /// Not sent.
    None,
    /// Sent as an EAN e-invoice.
    Ean,
}

/// What an app keeps of an invoice e-conomic holds for an order (a draft or a booked one):
/// its reference, numbers, debtor and e-conomic's totals. Serializable, for the app's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    /// `references.other`.
    pub reference: String,
    /// The debtor.
    pub customer_number: u32,
    /// The draft's number, for an invoice left as a draft.
    pub draft_invoice_number: Option<u32>,
    /// The booked invoice's number, once booked.
    pub booked_invoice_number: Option<u32>,
    /// Net amount.
    pub net_amount: Money,
    /// VAT amount.
    pub vat_amount: Money,
    /// Gross amount.
    pub gross_amount: Money,
}

fn other_reference(references: Option<&References>) -> String {
    references
        .and_then(|references| references.other.clone())
        .unwrap_or_default()
}

impl From<&BookedInvoice> for InvoiceSummary {
    fn from(booked: &BookedInvoice) -> Self {
        Self {
            reference: other_reference(booked.references.as_ref()),
            customer_number: booked.customer.customer_number,
            draft_invoice_number: None,
            booked_invoice_number: Some(booked.booked_invoice_number),
            net_amount: booked.net_amount,
            vat_amount: booked.vat_amount,
            gross_amount: booked.gross_amount,
        }
    }
}

impl From<&DraftInvoice> for InvoiceSummary {
    fn from(draft: &DraftInvoice) -> Self {
        Self {
            reference: other_reference(draft.references.as_ref()),
            customer_number: draft.customer.customer_number,
            draft_invoice_number: Some(draft.draft_invoice_number),
            booked_invoice_number: None,
            net_amount: draft.net_amount,
            vat_amount: draft.vat_amount,
            gross_amount: draft.gross_amount,
        }
    }
}

impl InvoiceSummary {
    /// The invoice's number as a bookkeeper says it: `1042`, or `draft 7`.
    pub fn number(&self) -> String {
        match (self.booked_invoice_number, self.draft_invoice_number) {
            (Some(booked), _) => booked.to_string(),
            (None, Some(draft)) => format!("draft {draft}"),
            (None, None) => "-".to_owned(),
        }
    }
}

/// `POST /invoices/booked` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookDraft {
    /// The draft to book.
    pub draft_invoice: DraftInvoiceRef,
    /// Book with this invoice number instead of the next one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub book_with_number: Option<u32>,
    /// How to send it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_by: Option<SendBy>,
}

/// A collection page: `collection`, `pagination`, `self` (economic-api.md §1.3).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items on this page.
    pub collection: Vec<T>,
    /// Where this page sits.
    #[serde(default)]
    pub pagination: Pagination,
}

/// The `pagination` object of a collection page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// The largest `pagesize` e-conomic allows (1000).
    pub max_page_size_allowed: Option<u32>,
    /// This page's index (0-based).
    #[serde(default)]
    pub skip_pages: u32,
    /// The page size used.
    #[serde(default)]
    pub page_size: u32,
    /// Matching results across all pages.
    #[serde(default)]
    pub results: u64,
    /// Results without the filter.
    pub results_without_filter: Option<u64>,
    /// The next page's URL; absent on the last page.
    pub next_page: Option<String>,
    /// The last page's URL.
    pub last_page: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_never_contain_nulls() {
        let customer = NewCustomer {
            email: Some("jane@example.dk".into()),
            ..NewCustomer::new(
                "Jane",
                "DKK",
                CustomerGroupRef {
                    customer_group_number: 1,
                },
                PaymentTermsRef::new(1),
                VatZoneRef::new(1),
            )
        };
        let value = serde_json::to_value(&customer).expect("serialises");
        assert_eq!(
            value,
            json!({"name":"Jane","currency":"DKK","customerGroup":{"customerGroupNumber":1},
                   "paymentTerms":{"paymentTermsNumber":1},"vatZone":{"vatZoneNumber":1},
                   "email":"jane@example.dk"})
        );
        let booking = BookDraft {
            draft_invoice: DraftInvoiceRef {
                draft_invoice_number: 4,
            },
            book_with_number: None,
            send_by: None,
        };
        assert_eq!(
            serde_json::to_value(&booking).expect("serialises"),
            json!({"draftInvoice":{"draftInvoiceNumber":4}})
        );
    }

    #[test]
    fn responses_tolerate_expansions_and_omissions() {
        let draft: DraftInvoice = serde_json::from_value(json!({
            "draftInvoiceNumber": 424, "date": "2024-02-13", "currency": "DKK",
            "exchangeRate": 100.0,
            "customer": {"customerNumber": 1, "self": "x"},
            "paymentTerms": {"paymentTermsNumber": 1, "daysOfCredit": 8, "name": "Netto 8 dage",
                             "paymentTermsType": "net", "self": "y"},
            "layout": {"layoutNumber": 14, "self": "z"},
            "recipient": {"name": "John Doe", "vatZone": {"name": "Domestic", "vatZoneNumber": 1,
                           "enabledForCustomer": true, "enabledForSupplier": true}},
            "lines": [{"lineNumber": 1, "sortKey": 1, "description": "T-shirt",
                       "product": {"productNumber": "1"}, "quantity": 1.00, "unitNetPrice": 500.00,
                       "discountPercentage": 0.00, "totalNetAmount": 500.00}],
            "netAmount": 500, "grossAmount": 625, "vatAmount": 125, "roundingAmount": 0,
            "soap": {"currentInvoiceHandle": {"id": 1}},
            "self": "https://restapi.e-conomic.com/invoices/drafts/424"
        }))
        .expect("parses");
        assert_eq!(draft.draft_invoice_number, 424);
        assert_eq!(draft.payment_terms.days_of_credit, Some(8));
        assert_eq!(draft.gross_amount, Money::from_major(625));
        assert_eq!(
            draft.lines[0].total_net_amount,
            Some(Money::from_major(500))
        );
        // Expanded fields are not written back.
        assert_eq!(
            serde_json::to_value(&draft.payment_terms).expect("serialises"),
            json!({"paymentTermsNumber": 1})
        );
    }
}
