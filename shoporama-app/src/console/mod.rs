//! The dev console: a browser page at `/console` where an app author installs a test shop,
//! fills the shop owner's form as Shoporama renders it, fires events and webhooks, watches the
//! inbox and previews the snippets, all through the app's real [router](AppRuntime::router).
//!
//! `<app> dev` serves it next to the callbacks (on `127.0.0.1:3000` unless
//! `SHOPORAMA_LISTEN` says otherwise); `<app> serve --console` adds it to a normal server.
//! A production `serve` never has it.
//!
//! # Access
//!
//! Only loopback clients are answered, unless [`ConsoleOptions::allow_remote`] is set. A
//! browser signs in once, either with the one-time URL printed at start
//! ([`Console::login_url`], which works once and carries a random console key, never the app
//! token) or by pasting the app token into the sign-in form; it then holds a session cookie
//! (`HttpOnly`, `SameSite=Strict`, path `/console`).
//!
//! # What it shows
//!
//! - **Shops**: installed shops with install time, settings status, REST usage and budget,
//!   and a button that installs a test shop through a real `install` callback.
//! - **Form**: every field of the manifest as the shop owner sees it (text, integer, boolean,
//!   fixed and external lists, colour, rich text, code), with labels, help and defaults.
//!   External lists are fetched live from the app's own list endpoint. Saving sends a real
//!   `update` callback and shows the answer, and each field's validation error beside it.
//! - **Fire**: any subscribed event or webhook, with an editable sample body
//!   ([`sample_body`](crate::testing::sample_body)), through the router; the answer, the
//!   handler's log lines and the shop's keyed effects are shown.
//! - **Inbox**: pending, retrying and dead-lettered jobs with their last error and a retry
//!   button, and failed keyed effects with theirs.
//! - **Snippets**: every page scope the snippets use, rendered with the shop's settings in a
//!   sandboxed iframe next to the Smarty source, naming the engine that rendered it.
//! - **Chart**: callbacks per minute and failures over the last 30 minutes, from the inbox's
//!   table in the store (inline SVG).
//!
//! Everything works without JavaScript (plain forms); a small script reloads external lists
//! and the chart in place.

mod auth;
mod chart;
mod log_capture;
mod pages;
mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::ShoporamaApp;
use crate::server::AppRuntime;

pub use auth::SESSION_COOKIE;
pub(crate) use auth::random_hex;

/// Where the console lives.
pub const CONSOLE_PATH: &str = "/console";

/// How the console is served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsoleOptions {
    /// Answer clients that are not on this machine too (default: loopback only). Only for a
    /// console behind an authenticating proxy: anyone who signs in can change shops' settings.
    pub allow_remote: bool,
}

impl ConsoleOptions {
    /// Loopback clients only.
    pub fn local() -> Self {
        Self::default()
    }

    /// Whether clients on other machines are answered.
    #[must_use]
    pub fn allow_remote(mut self, allow: bool) -> Self {
        self.allow_remote = allow;
        self
    }
}

/// The console of one runtime: its routes and its sign-in state.
pub struct Console<A: ShoporamaApp> {
    state: Arc<pages::ConsoleState<A>>,
}

impl<A: ShoporamaApp> Clone for Console<A> {
    fn clone(&self) -> Self {
        Self {
            state: Arc::clone(&self.state),
        }
    }
}

impl<A: ShoporamaApp> std::fmt::Debug for Console<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("options", &self.state.options)
            .field("login_key", &"***")
            .finish_non_exhaustive()
    }
}

impl<A: ShoporamaApp> Console<A> {
    /// A console over `runtime`, with a fresh one-time sign-in key.
    pub fn new(runtime: AppRuntime<A>, options: ConsoleOptions) -> Self {
        Self {
            state: Arc::new(pages::ConsoleState::new(runtime, options)),
        }
    }

    /// The one-time sign-in URL for a server at `addr`: it works once, then the browser that
    /// used it holds a session cookie. It carries a random console key, not the app token.
    pub fn login_url(&self, addr: SocketAddr) -> String {
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            addr.ip().to_string()
        };
        let host = if addr.is_ipv6() && !addr.ip().is_unspecified() {
            format!("[{host}]")
        } else {
            host
        };
        format!(
            "http://{host}:{}{CONSOLE_PATH}/login?key={}",
            addr.port(),
            self.state.auth.login_key()
        )
    }

    /// The console's routes, all under `/console`, to merge into the app's router.
    pub fn router(&self) -> Router {
        let state = Arc::clone(&self.state);
        Router::new()
            .route(CONSOLE_PATH, get(pages::shops::<A>))
            .route("/console/", get(pages::shops::<A>))
            .route("/console/install", post(pages::install::<A>))
            .route(
                "/console/form",
                get(pages::form::<A>).post(pages::save_form::<A>),
            )
            .route("/console/lists/{name}", get(pages::list_json::<A>))
            .route(
                "/console/fire",
                get(pages::fire::<A>).post(pages::fire_send::<A>),
            )
            .route("/console/inbox", get(pages::inbox::<A>))
            .route("/console/inbox/retry", post(pages::inbox_retry::<A>))
            .route("/console/effects/retry", post(pages::effect_retry::<A>))
            .route("/console/snippets", get(pages::snippets::<A>))
            .route("/console/chart.svg", get(pages::chart_svg::<A>))
            .route("/console/console.js", get(pages::script))
            .route("/console/console.css", get(pages::style))
            .route_layer(axum::middleware::from_fn_with_state(
                Arc::clone(&state),
                auth::require::<A>,
            ))
            // Sign-in is the one page open to a browser without a session.
            .route(
                "/console/login",
                get(auth::login_link::<A>).post(auth::login_form::<A>),
            )
            .with_state(state)
    }

    /// The app's router with the console merged in.
    pub fn merged_router(&self) -> Router {
        self.state.router.clone().merge(self.router())
    }
}
