use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(rename = "measurement-id")]
    measurement_id: String,
}

fn main() {}
