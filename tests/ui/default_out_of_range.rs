use shoporama_app::prelude::*;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(default = 300)]
    percent: u8,
    #[field(default = -1)]
    days: u32,
}

fn main() {}
