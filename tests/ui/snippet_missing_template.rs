use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    access = read,
    snippet(place = before_body_close, pages(thanks), template = "snippets/no_such_template.tpl"),
)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
