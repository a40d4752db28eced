use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = readonly)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
