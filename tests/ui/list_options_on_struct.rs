use shoporama_app::ListOptions;

#[derive(ListOptions)]
pub struct Consent {
    basic: bool,
}

fn main() {}
