use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    access = read,
    snippet(place = before_body_close, pages(thanks), source = "<script>{{ app.measurement_id.js( }}</script>"),
)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
