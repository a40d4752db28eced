use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    access = read,
    snippet(place = before_body, pages(thanks), source = "<script></script>"),
)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
