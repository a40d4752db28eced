use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(list = external("warehouses"))]
    warehouse: u32,
}

fn main() {}
