//! The callback server: an axum [`axum::Router`] that verifies Shoporama's callbacks,
//! persists installations and dispatches to the app's [`ShoporamaApp`] handlers.
//!
//! Routes (the callback path is configurable):
//!
//! | Route | Purpose |
//! |---|---|
//! | `POST /callback?type=…&webshop_id=…` | install, update, uninstall, events and webhooks |
//! | `GET /lists/{name}[?webshop_id=…]` | an external list's options, `{"key":"label",…}` in order |
//! | `GET /callback?type=list&name=…` | the same (Shoporama's exact form is undocumented) |
//! | `GET /healthz` | 200 when the install store answers, 503 otherwise |
//! | `GET /inbox/dead-letters[?webshop_id=…&limit=…]` | with an [inbox](crate::inbox): its dead jobs (needs `x-app-token`) |
//! | `GET /inbox/status` | with an inbox: how many jobs are pending, running, done and dead (needs `x-app-token`) |
//!
//! Every answer other than 200 is JSON `{"error":"…"}`, axum's own rejections included. The
//! `x-app-token` header is checked (in constant time, against the current and previous token)
//! before the body is read, and the body must arrive within the configured body timeout (408
//! otherwise).

mod callback;
mod conn;
mod dispatch;
mod error;
mod inbox_routes;
mod json_errors;
mod lifecycle;
mod lists;
mod request;
mod serve;

pub(crate) use crate::app::runtime::shop_info;
pub use crate::app::runtime::{AppRuntime, ShopError, StartError};
pub use callback::{APP_TOKEN_HEADER, InProcess};
/// Runs an inbox job's handler (the inbox's workers call it).
pub(crate) use dispatch::run_job;
pub use error::ApiError;
pub use request::CallbackQuery;
pub(crate) use request::parse_webshop_id;
pub use serve::{serve, serve_on, serve_router_on, shutdown_signal};

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

use crate::app::ShoporamaApp;

/// The HTTP face of the runtime (defined in the `app` layer, see ARCHITECTURE.md): its router
/// and the inbox workers that run jobs through the server's dispatch.
impl<A: ShoporamaApp> AppRuntime<A> {
    /// Starts this process's inbox workers (once; nothing without an inbox). [`serve_on`]
    /// does it; call it yourself when you mount [`router`](Self::router) in your own server,
    /// and [`shutdown_inbox`](AppRuntime::shutdown_inbox) when you stop.
    pub fn start_inbox_workers(&self) {
        if let Some(inbox) = self.inbox() {
            let runtime = self.clone();
            let run: crate::inbox::worker::RunJob = Arc::new(move |job| {
                let runtime = runtime.clone();
                Box::pin(async move { run_job(&runtime, &job).await })
            });
            crate::inbox::worker::Workers::start(inbox, &run);
        }
    }

    /// The axum router, to serve or to mount in an app of your own (`.merge(runtime.router())`).
    pub fn router(&self) -> Router {
        let config = self.config();
        let mut router = Router::new()
            .route(
                &config.callback_path,
                post(callback::handle::<A>).get(lists::handle_query::<A>),
            )
            .route("/lists/{name}", get(lists::handle_path::<A>))
            .route("/healthz", get(lists::health::<A>));
        if self.inbox().is_some() {
            router = router
                .route(
                    inbox_routes::DEAD_LETTERS_PATH,
                    get(inbox_routes::dead_letters::<A>),
                )
                .route(inbox_routes::STATUS_PATH, get(inbox_routes::status::<A>));
        }
        let body_timeout = config.body_timeout;
        // One stack, applied once: each `Router::layer` wraps every route in a boxed service
        // of its own, which costs a clone and an allocation per request and layer.
        let layers = tower::ServiceBuilder::new()
            // Whatever answers an error in plain text (axum's extractor rejections) answers JSON.
            .layer(json_errors::JsonErrorsLayer)
            // The body must have arrived within the body timeout of the head (408 otherwise).
            .map_request(move |request: http::Request<axum::body::Body>| {
                request
                    .map(|body| axum::body::Body::new(conn::DeadlineBody::new(body, body_timeout)))
            })
            .map_response(|response: http::Response<_>| response.map(axum::body::Body::new))
            .layer(CatchPanicLayer::custom(error::panic_response));
        router
            .fallback(error::not_found_route)
            .method_not_allowed_fallback(error::method_not_allowed)
            .layer(layers)
            .with_state(self.clone())
    }
}
