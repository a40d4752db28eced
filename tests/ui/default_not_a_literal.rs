use shoporama_app::shoporama_app;

const DAYS: u32 = 30;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(default = 1.5)]
    ratio: u32,
    #[field(default = DAYS)]
    cookie_days: u32,
}

fn main() {}
