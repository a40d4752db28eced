use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read, webhooks(order_created, new_stauts))]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
