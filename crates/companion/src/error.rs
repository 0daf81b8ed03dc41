//! The companion's one error type for HTTP answers, and a JSON extractor that rejects with it.
//!
//! Every error body is `{"error": "<code>", "message": "<words>"}`. A 4xx message tells the
//! caller what to fix; a 5xx message reveals nothing (the details go to the log, never a
//! secret or a whole token).

use std::borrow::Cow;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// An error answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is malformed; the message says how.
    BadRequest(Cow<'static, str>),
    /// 401: the caller has to sign in first.
    Unauthorized(Cow<'static, str>),
    /// 403: not allowed (foreign origin, a path outside `api_base`, a refused sign-in).
    Forbidden(Cow<'static, str>),
    /// 404: no such provider or resource.
    NotFound(Cow<'static, str>),
    /// 413: the body is over the limit.
    PayloadTooLarge(Cow<'static, str>),
    /// 415: the body is not the content type the route reads.
    UnsupportedMediaType(Cow<'static, str>),
    /// 429: too many requests from this client address; the route adds `Retry-After`.
    TooManyRequests(Cow<'static, str>),
    /// 502: the provider answered with an error or something unreadable. The message may
    /// quote the provider's own error words (e.g. `oauth_problem`), never internals.
    BadGateway(Cow<'static, str>),
    /// 504: the provider did not answer in time.
    GatewayTimeout,
    /// 500: our own fault. The detail is logged, not sent.
    Internal(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code in the body's `error` field.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooManyRequests(_) => "rate_limited",
            Self::BadGateway(_) => "bad_gateway",
            Self::GatewayTimeout => "gateway_timeout",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The words sent to the caller.
    pub fn message(&self) -> &str {
        match self {
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::PayloadTooLarge(m)
            | Self::UnsupportedMediaType(m)
            | Self::TooManyRequests(m)
            | Self::BadGateway(m) => m,
            Self::GatewayTimeout => "the provider did not answer in time",
            Self::Internal(_) => "internal error",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(detail) => tracing::error!(%detail, "internal error"),
            e if e.status().is_server_error() => {
                tracing::warn!(error = e.code(), message = e.message(), "upstream error")
            }
            e => tracing::debug!(status = %e.status(), message = e.message(), "request refused"),
        }
        let body = serde_json::json!({ "error": self.code(), "message": self.message() });
        (self.status(), axum::Json(body)).into_response()
    }
}

/// A JSON body extractor whose rejections are [`ApiError`]s with a message naming the problem.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(from_json_rejection(rejection)),
        }
    }
}

fn from_json_rejection(r: JsonRejection) -> ApiError {
    let text = r.body_text();
    match r.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(text.into()),
        _ => ApiError::BadRequest(text.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_reveal_nothing() {
        let resp = ApiError::Internal("key file /etc/secret unreadable".into()).into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("/etc/secret"), "{text}");
        assert!(text.contains("internal_error"));
    }
}
