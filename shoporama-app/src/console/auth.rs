//! Who may use the console: loopback clients (unless remote ones are allowed) with a session
//! cookie, got from the one-time URL or by signing in with the app token.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::pages::ConsoleState;
use super::views::{LoginPage, render};
use crate::app::ShoporamaApp;

/// The console's session cookie.
pub const SESSION_COOKIE: &str = "shoporama_console";

/// Open sessions and the one-time key.
pub(super) struct Auth {
    login_key: String,
    login_used: AtomicBool,
    sessions: Mutex<BTreeSet<String>>,
}

impl Auth {
    pub(super) fn new() -> Self {
        Self {
            login_key: random_hex(),
            login_used: AtomicBool::new(false),
            sessions: Mutex::new(BTreeSet::new()),
        }
    }

    pub(super) fn login_key(&self) -> &str {
        &self.login_key
    }

    /// Whether `key` is the one-time key, unused until now (it is used up by this call).
    fn redeem(&self, key: &str) -> bool {
        let matches: bool = self.login_key.as_bytes().ct_eq(key.as_bytes()).into();
        matches && !self.login_used.swap(true, Ordering::SeqCst)
    }

    fn open_session(&self) -> String {
        let session = random_hex();
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(session.clone());
        session
    }

    fn has_session(&self, headers: &HeaderMap) -> bool {
        let Some(session) = session_cookie(headers) else {
            return false;
        };
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(session)
    }
}

/// 32 random hex digits (128 bits).
pub(crate) fn random_hex() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().fold(String::with_capacity(32), |mut out, b| {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The session cookie's value, if the request has one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then_some(value)
        })
}

/// Whether the client at `peer` may use the console.
pub(super) fn peer_allowed(peer: Option<SocketAddr>, allow_remote: bool) -> bool {
    allow_remote || peer.is_some_and(|peer| peer.ip().to_canonical().is_loopback())
}

fn peer_of(request_extensions: &http::Extensions) -> Option<SocketAddr> {
    request_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the console answers clients on this machine only (start it with remote access allowed to change that)",
    )
        .into_response()
}

/// The sign-in page, with `status` and an optional error.
fn login_page(status: StatusCode, error: Option<String>) -> Response {
    render(status, &LoginPage { error }, "the sign-in page")
}

/// A redirect to the console that sets a new session cookie.
fn signed_in(auth: &Auth) -> Response {
    let session = auth.open_session();
    let mut response = Redirect::to(super::CONSOLE_PATH).into_response();
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/console; HttpOnly; SameSite=Strict");
    match HeaderValue::from_str(&cookie) {
        Ok(value) => {
            response
                .headers_mut()
                .insert(http::header::SET_COOKIE, value);
            response
        }
        Err(_) => login_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("could not set the session cookie".to_owned()),
        ),
    }
}

/// The middleware in front of every console page but sign-in.
pub(super) async fn require<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    request: Request,
    next: Next,
) -> Response {
    if !peer_allowed(peer_of(request.extensions()), state.options.allow_remote) {
        return forbidden();
    }
    if state.auth.has_session(request.headers()) {
        next.run(request).await
    } else {
        login_page(StatusCode::UNAUTHORIZED, None)
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    key: Option<String>,
}

/// `GET /console/login?key=…`: the one-time URL; without a key, the sign-in form.
pub(super) async fn login_link<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    ConnectInfoOpt(peer): ConnectInfoOpt,
    Query(query): Query<LoginQuery>,
) -> Response {
    if !peer_allowed(peer, state.options.allow_remote) {
        return forbidden();
    }
    match query.key {
        None => login_page(StatusCode::OK, None),
        Some(key) if state.auth.redeem(&key) => {
            tracing::info!("console: signed in with the one-time URL");
            signed_in(&state.auth)
        }
        Some(_) => {
            tracing::warn!("console: a used or wrong one-time URL was refused");
            login_page(
                StatusCode::UNAUTHORIZED,
                Some("this sign-in link is wrong or was used already: sign in with the app token, or restart the console for a new link".to_owned()),
            )
        }
    }
}

// Not `Debug`: it holds the app token typed into the form.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    app_token: String,
}

/// `POST /console/login`: sign in with the app token.
pub(super) async fn login_form<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    ConnectInfoOpt(peer): ConnectInfoOpt,
    body: axum::body::Bytes,
) -> Response {
    if !peer_allowed(peer, state.options.allow_remote) {
        return forbidden();
    }
    let form: LoginForm = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(error) => {
            return login_page(
                StatusCode::BAD_REQUEST,
                Some(format!("the sign-in form could not be read: {error}")),
            );
        }
    };
    let token = form.app_token.trim();
    if !token.is_empty() && state.runtime.config().tokens.accepts(token.as_bytes()) {
        tracing::info!("console: signed in with the app token");
        signed_in(&state.auth)
    } else {
        tracing::warn!("console: sign-in with a wrong app token refused");
        login_page(
            StatusCode::UNAUTHORIZED,
            Some("that is not the app token".to_owned()),
        )
    }
}

/// The client's address when the server recorded it (ours always does).
pub(super) struct ConnectInfoOpt(pub(super) Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ConnectInfoOpt {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(peer_of(&parts.extensions)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_peers_unless_remote_is_allowed() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let remote: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        assert!(peer_allowed(Some(local), false));
        assert!(peer_allowed(Some(mapped), false));
        assert!(!peer_allowed(Some(remote), false));
        assert!(!peer_allowed(None, false));
        assert!(peer_allowed(Some(remote), true));
    }

    #[test]
    fn the_one_time_key_works_once() {
        let auth = Auth::new();
        let key = auth.login_key().to_owned();
        assert_eq!(key.len(), 32);
        assert!(!auth.redeem("wrong"));
        assert!(auth.redeem(&key));
        assert!(!auth.redeem(&key));
    }

    #[test]
    fn sessions_are_read_from_the_cookie_header() {
        let auth = Auth::new();
        let session = auth.open_session();
        let mut headers = HeaderMap::new();
        assert!(!auth.has_session(&headers));
        headers.insert(
            http::header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {SESSION_COOKIE}={session}")).unwrap(),
        );
        assert!(auth.has_session(&headers));
        headers.insert(
            http::header::COOKIE,
            HeaderValue::from_static("shoporama_console=guess"),
        );
        assert!(!auth.has_session(&headers));
    }
}
