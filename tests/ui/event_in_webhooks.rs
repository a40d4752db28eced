use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read, webhooks(add_to_basket))]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
