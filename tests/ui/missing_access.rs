use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel")]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
