// Every mistake is reported in one build, and the struct and its event enum still exist, so
// the code that uses them reports nothing more.
use shoporama_app::prelude::*;

#[shoporama_app(
    name = "Pixel",
    access = reed,
    events(paid, add_to_baskett),
    snippet(place = before_body_close, pages(thanks, basket, thanks), source = "x"),
)]
pub struct Settings {
    #[field(lable = "Measurement ID")]
    measurement_id: String,
    #[field(rename = "2fa")]
    two_factor: bool,
}

fn handle(event: SettingsEvent, settings: &Settings) -> usize {
    match event {
        SettingsEvent::Paid(order) => order.order_id.map_or(0, |id| id as usize),
        SettingsEvent::Unknown { kind, .. } => kind.len() + settings.measurement_id.len(),
    }
}

fn main() {
    let _ = handle;
    let _ = <Settings as AppSettings>::manifest;
}
