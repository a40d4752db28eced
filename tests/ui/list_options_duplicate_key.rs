use shoporama_app::ListOptions;

#[derive(ListOptions)]
pub enum Consent {
    Basic,
    #[option(key = "basic", label = "Basic too")]
    Simple,
}

fn main() {}
