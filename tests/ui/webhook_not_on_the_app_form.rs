use shoporama_app::shoporama_app;

// The shop's own webhooks (Settings → Webhooks) have these; the app form has no box for them.
#[shoporama_app(
    name = "Pixel",
    access = read,
    webhooks(paid, new_return, order_withdrawn, category, customer_created, newsletter_subscribe),
)]
pub struct Settings {}

fn main() {}
