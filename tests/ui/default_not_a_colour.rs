use shoporama_app::prelude::*;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(default = "red")]
    accent: Color,
}

fn main() {}
