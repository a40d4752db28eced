use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(default = 1_000_000_000_000_000_000_000_000_000_000_000_000_000)]
    huge: u64,
}

fn main() {}
