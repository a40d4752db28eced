use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings<T> {
    measurement_id: T,
}

fn main() {}
