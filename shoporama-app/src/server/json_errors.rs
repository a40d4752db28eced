//! The layer that makes every error answer JSON: axum's extractor rejections (and anything
//! else answering an error in plain text) become `{"error": "<its text>"}`.
//!
//! It costs a successful answer nothing: the inner service's future is polled as it is, and
//! only an error answer that is not JSON is rewritten (in a boxed future of its own), unlike
//! `axum::middleware::map_response`, which clones the route and boxes a future per request.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::response::{IntoResponse as _, Response};
use futures::FutureExt as _;
use futures::future::{BoxFuture, Either, Ready, Then};

use super::error::ApiError;

/// The longest plain-text error body turned into a JSON message.
const MAX_ERROR_TEXT: usize = 4096;

/// Wraps routes in [`JsonErrors`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonErrorsLayer;

impl<S> tower::Layer<S> for JsonErrorsLayer {
    type Service = JsonErrors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JsonErrors(inner)
    }
}

/// A service whose error answers are JSON (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct JsonErrors<S>(S);

type Answer = Result<Response, Infallible>;
type Rewrite = Either<Ready<Answer>, BoxFuture<'static, Answer>>;

impl<S, R> tower::Service<R> for JsonErrors<S>
where
    S: tower::Service<R, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Then<S::Future, Rewrite, fn(Answer) -> Rewrite>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.0.call(request).then(rewrite as fn(Answer) -> Rewrite)
    }
}

/// Passes `answer` on as it is unless it is an error answer that is not JSON.
fn rewrite(answer: Answer) -> Rewrite {
    let Ok(response) = answer;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return Either::Left(futures::future::ready(Ok(response)));
    }
    Either::Right(Box::pin(async move { Ok(to_json(response).await) }))
}

/// `response`'s text as `{"error": …}`, with its status and its other headers.
async fn to_json(response: Response) -> Response {
    use http_body_util::BodyExt as _;
    let status = response.status();
    let (parts, body) = response.into_parts();
    let text = match http_body_util::Limited::new(body, MAX_ERROR_TEXT)
        .collect()
        .await
    {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes())
            .trim()
            .to_owned(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let mut answer = ApiError::new(status, message).into_response();
    for (name, value) in &parts.headers {
        if name != http::header::CONTENT_TYPE && name != http::header::CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer
}

fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"))
}
