use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read, monthly_price = -49)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
