// An unsupported type on a field with a default, read by a snippet: still one error.
use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    access = read,
    snippet(place = after_head_open, pages(all), source = "<script>{{ app.ratio }}</script>"),
)]
pub struct Settings {
    #[field(default = "0.5")]
    ratio: f64,
}

fn main() {}
