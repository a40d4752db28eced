use crate::wire::wire_enum;

wire_enum!(
    /// A storefront event (Shoporama's app page lists exactly these).
    EventName, "event" {
        /// A product was added to the basket.
        AddToBasket = "add_to_basket",
        /// The basket was changed.
        UpdateBasket = "update_basket",
        /// The basket page (/basket) was viewed.
        ViewBasket = "view_basket",
        /// The address page (/address) was viewed.
        ViewAddress = "view_address",
        /// The shipping page (/shipping) was viewed.
        ViewShipping = "view_shipping",
        /// The approve page (/approve) was viewed.
        ViewApprove = "view_approve",
        /// The thank-you page (/thanks) was viewed.
        ViewThanks = "view_thanks",
        /// The order was approved by the customer.
        Approved = "approved",
        /// An order was created.
        OrderCreated = "order_created",
        /// An order was paid.
        Paid = "paid",
        /// A label was added to an order.
        AddLabel = "add_label",
        /// A label was removed from an order.
        RemoveLabel = "remove_label",
    }
);

wire_enum!(
    /// A webhook an app can subscribe to: the boxes of Shoporama's app form ("changes to
    /// orders (status, paid, created), products, or inventory"), each named by the callback
    /// `type` it produces. The shop's own webhooks (Settings → Webhooks) have more
    /// (`new_return`, `category`, …), which the app form does not offer.
    WebhookName, "webhook" {
        /// Order status: an order changed status.
        NewStatus = "new_status",
        /// Order paid: an order was paid.
        Paid = "paid",
        /// Order created: an order was created.
        OrderCreated = "order_created",
        /// Products: a product was created or changed.
        Product = "product",
        /// Inventory: the stock of a product changed.
        Stock = "stock",
    }
);

impl WebhookName {
    /// The box on Shoporama's app form that subscribes to it.
    pub const fn form_label(self) -> &'static str {
        match self {
            Self::NewStatus => "Orders: status",
            Self::Paid => "Orders: paid",
            Self::OrderCreated => "Orders: created",
            Self::Product => "Products",
            Self::Stock => "Inventory",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for event in EventName::ALL {
            assert_eq!(event.as_str().parse::<EventName>(), Ok(*event));
            assert_eq!(serde_json::to_value(event).unwrap(), event.as_str());
        }
        for hook in WebhookName::ALL {
            assert_eq!(hook.as_str().parse::<WebhookName>(), Ok(*hook));
        }
        assert_eq!(EventName::ALL.len(), 12);
        assert_eq!(WebhookName::ALL.len(), 5);
    }

    #[test]
    fn unknown_lists_valid_names() {
        let error = "payd".parse::<WebhookName>().unwrap_err().to_string();
        assert!(
            error.starts_with("unknown webhook `payd`; expected one of: new_status, paid,"),
            "{error}"
        );
    }
}
