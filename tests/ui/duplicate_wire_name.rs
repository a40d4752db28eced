use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    pixel_id: String,
    #[field(rename = "pixel_id")]
    measurement_id: String,
}

fn main() {}
