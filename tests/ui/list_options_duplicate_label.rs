use shoporama_app::ListOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum Consent {
    #[option(label = "Full")]
    Basic,
    Full,
}

fn main() {}
