use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read, name = "Pixel 2")]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
