use shoporama_app::shoporama_app;

#[shoporama_app(
    name = "Pixel",
    access = read,
    snippet(
        place = before_body_close,
        pages(thanks),
        source = "{{ app.enabled.if_true() }}<script>var id = {{ app.measurment_id.js() }};</script>{{ smarty.end_if() }}",
    ),
)]
pub struct Settings {
    measurement_id: String,
    enabled: bool,
}

fn main() {}
