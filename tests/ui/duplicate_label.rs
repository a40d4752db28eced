use shoporama_app::shoporama_app;

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(label = "Measurement ID")]
    measurement_id: String,
    #[field(label = "measurement id ")]
    backup_id: String,
    /// The humanised name `Cookie days` is a label too.
    cookie_days: u32,
    #[field(label = "Cookie days")]
    days: u32,
}

fn main() {}
