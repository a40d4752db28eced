use shoporama_app::ListOptions;

#[derive(ListOptions)]
pub enum Consent {
    Basic,
    Custom(String),
}

fn main() {}
