// A type of the app's own that is no setting (not a `ListOptions` enum), read by a snippet and
// given a default: rustc reports it at the type, with the supported types in the note.
use shoporama_app::shoporama_app;

pub struct Margin(pub u32);

#[shoporama_app(
    name = "Pixel",
    access = read,
    snippet(place = after_head_open, pages(all), source = "<script>{{ app.margin }}</script>"),
)]
pub struct Settings {
    margin: Margin,
}

fn main() {}
