use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    description = "Tracks <b>every</b> purchase. <a href=\"https://example.com\">Docs</a>",
    access = read,
)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
