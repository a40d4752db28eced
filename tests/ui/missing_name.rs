use shoporama_app::shoporama_app;

#[shoporama_app(access = read)]
pub struct Settings {
    measurement_id: String,
}

fn main() {}
