use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub enum Settings {
    Basic,
    Full,
}

fn main() {}
