use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings(String, bool);

fn main() {}
