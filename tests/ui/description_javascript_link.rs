use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    description = "<a href=\"javascript:alert(1)\">Click</a> or <a href=\"http://example.com\">this</a>",
    access = read,
)]
pub struct Settings {}

fn main() {}
