use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read, events(paid, add_to_basket, paid))]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
