//! Wire types of Shoporama's callbacks: the lifecycle payload of `install`, `update` and
//! `uninstall`, and the callback kinds.

mod lifecycle;

pub use lifecycle::{DEFAULT_DAILY_LIMIT, LifecyclePayload, PayloadError};

/// What a callback's `type` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackKind<'a> {
    /// A shop installed the app.
    Install,
    /// A shop saved its settings.
    Update,
    /// A shop uninstalled the app.
    Uninstall,
    /// An event or webhook (subscribed or not).
    Event(&'a str),
}

impl<'a> CallbackKind<'a> {
    /// The kind for a `type` value.
    pub fn parse(kind: &'a str) -> Self {
        match kind {
            "install" => Self::Install,
            "update" => Self::Update,
            "uninstall" => Self::Uninstall,
            other => Self::Event(other),
        }
    }
}
