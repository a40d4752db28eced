use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(rename_from = "cookie_days")]
    measurement_id: String,
    cookie_days: u32,
    #[field(rename_from = "2fa")]
    two_factor: bool,
}

fn main() {}
