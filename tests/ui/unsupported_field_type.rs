use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    measurement_id: String,
    ratio: f64,
    tags: Option<Vec<String>>,
}

fn main() {}
