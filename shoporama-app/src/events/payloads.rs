//! Payload types. Every field is a best-effort reading of an undocumented body; `raw` is the
//! whole body, always.

use serde_json::Value;

use super::lenient::{id, integer, number, text};

/// A payload read leniently from a callback body. Never fails.
pub trait Payload: Sized + Send + Sync + std::fmt::Debug + 'static {
    /// Reads what it can from `raw` and keeps `raw`.
    fn from_raw(raw: Value) -> Self;
    /// The whole body as received.
    fn raw(&self) -> &Value;
}

macro_rules! payload {
    (
        $(#[$doc:meta])* $name:ident {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty = $read:ident($keys:expr, $wrappers:expr), )*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: Option<$ty>, )*
            /// The whole JSON body, as Shoporama sent it.
            pub raw: Value,
        }

        impl Payload for $name {
            fn from_raw(raw: Value) -> Self {
                Self { $( $field: $read(&raw, $keys, $wrappers), )* raw }
            }

            fn raw(&self) -> &Value {
                &self.raw
            }
        }
    };
}

payload!(
    /// `add_to_basket`, `update_basket`, `view_basket`: a basket changed or was viewed.
    BasketEvent {
        /// The product added or changed.
        product_id: u64 = id(&["product_id"], &["product", "basket_item", "item"]),
        /// The quantity (`amount` in Shoporama's basket).
        amount: i64 = integer(&["amount", "quantity"], &["basket_item", "item"]),
        /// The basket.
        basket_id: u64 = id(&["basket_id"], &["basket"]),
        /// The basket's total, when sent.
        total_price: f64 = number(&["total_price", "total"], &["basket"]),
    }
);

payload!(
    /// `view_address`, `view_shipping`, `view_approve`, `view_thanks`: a checkout page was viewed.
    CheckoutView {
        /// The basket being checked out.
        basket_id: u64 = id(&["basket_id"], &["basket"]),
        /// The order (on /thanks).
        order_id: u64 = id(&["order_id"], &["order"]),
    }
);

payload!(
    /// `approved`, `order_created`, `paid`, `new_status`, `new_return`, `order_withdrawn`: something
    /// happened to an order. Fetch the whole order over REST by `order_id`.
    OrderEvent {
        /// The order's internal id (`order_id`, the REST id).
        order_id: u64 = id(&["order_id", "id"], &["order"]),
        /// The shop-facing order number.
        webshop_order_id: u64 = id(&["webshop_order_id"], &["order"]),
        /// The order status (`new`, `sent`, `cancelled`, …).
        status: String = text(&["status", "new_status"], &["order"]),
        /// The buyer's email.
        email: String = text(&["email"], &["order", "customer"]),
        /// The order total, including VAT.
        total_price: f64 = number(&["total_price", "price"], &["order"]),
        /// The return's id (`new_return`).
        return_id: u64 = id(&["return_id", "order_return_id"], &["return", "order_return"]),
    }
);

payload!(
    /// `add_label`, `remove_label`: a label was added to or removed from an order.
    LabelEvent {
        /// The labelled order.
        order_id: u64 = id(&["order_id", "id"], &["order"]),
        /// The label's text.
        label: String = text(&["label", "name", "label_name"], &["label"]),
        /// The label's id.
        label_id: u64 = id(&["label_id"], &["label"]),
    }
);

payload!(
    /// `product`: a product was created, changed or removed.
    ProductEvent {
        /// The product.
        product_id: u64 = id(&["product_id", "id"], &["product"]),
        /// The shop's own SKU.
        own_id: String = text(&["own_id"], &["product"]),
    }
);

payload!(
    /// `stock`: a product's stock changed.
    StockEvent {
        /// The product.
        product_id: u64 = id(&["product_id", "id"], &["product", "stock"]),
        /// The variant's attribute value, for variant stock.
        attribute_value_id: u64 = id(&["attribute_value_id"], &["stock"]),
        /// The new stock level.
        stock: i64 = integer(&["stock", "in_stock", "amount"], &["stock"]),
    }
);

payload!(
    /// `category`: a category was created, changed or removed.
    CategoryEvent {
        /// The category.
        category_id: u64 = id(&["category_id", "id"], &["category"]),
    }
);

payload!(
    /// `customer_created`: a customer account was created.
    CustomerEvent {
        /// The customer.
        customer_id: u64 = id(&["customer_id", "id"], &["customer"]),
        /// The customer's email.
        email: String = text(&["email"], &["customer"]),
    }
);

payload!(
    /// `newsletter_subscribe`: someone subscribed to the newsletter.
    NewsletterEvent {
        /// The subscriber's email.
        email: String = text(&["email"], &["subscriber", "customer"]),
        /// The subscriber's name.
        name: String = text(&["name"], &["subscriber", "customer"]),
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn order_event_reads_ids_leniently_and_keeps_raw() {
        let body = json!({"order_id": "1234", "status": "paid", "extra": [1]});
        let event = OrderEvent::from_raw(body.clone());
        assert_eq!(event.order_id, Some(1234));
        assert_eq!(event.status.as_deref(), Some("paid"));
        assert_eq!(event.raw, body);
    }

    #[test]
    fn payloads_never_fail() {
        for body in [
            json!(null),
            json!([]),
            json!("x"),
            json!(3),
            json!({"order": "nope"}),
        ] {
            let event = OrderEvent::from_raw(body.clone());
            assert_eq!(event.order_id, None);
            assert_eq!(event.raw, body);
            let _ = BasketEvent::from_raw(body.clone());
            let _ = StockEvent::from_raw(body);
        }
    }
}
