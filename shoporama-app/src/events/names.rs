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
    /// A webhook (Shoporama's webhook documentation, underscore names).
    WebhookName, "webhook" {
        /// An order was created.
        OrderCreated = "order_created",
        /// An order was paid.
        Paid = "paid",
        /// An order changed status.
        NewStatus = "new_status",
        /// A return was registered.
        NewReturn = "new_return",
        /// A customer withdrew an order.
        OrderWithdrawn = "order_withdrawn",
        /// A product changed.
        Product = "product",
        /// Stock changed.
        Stock = "stock",
        /// A category changed.
        Category = "category",
        /// A customer was created.
        CustomerCreated = "customer_created",
        /// Someone subscribed to the newsletter.
        NewsletterSubscribe = "newsletter_subscribe",
    }
);

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
        assert_eq!(WebhookName::ALL.len(), 10);
    }

    #[test]
    fn unknown_lists_valid_names() {
        let error = "payd".parse::<WebhookName>().unwrap_err().to_string();
        assert!(
            error.starts_with("unknown webhook `payd`; expected one of: order_created, paid,"),
            "{error}"
        );
    }
}
