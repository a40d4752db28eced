use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(lable = "Measurement ID")]
    measurement_id: String,
}

fn main() {}
