use shoporama_app::prelude::*;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(default = "30")]
    cookie_days: u32,
    #[field(default = true)]
    limit: Option<u32>,
}

fn main() {}
