use shoporama_app::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum Consent {
    Basic,
    #[option(key = "full")]
    FullConsent,
}

#[shoporama_app(name = "Pixel", access = read)]
pub struct Settings {
    #[field(default = "full_consent")]
    consent: Option<Consent>,
}

fn main() {}
