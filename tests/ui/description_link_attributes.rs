use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    description = "See <a href=\"https://example.com\" onclick=\"steal()\">the docs</a>",
    access = read,
)]
pub struct Settings {}

fn main() {}
