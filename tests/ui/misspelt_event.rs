use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read, events(add_to_basket, payd))]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
