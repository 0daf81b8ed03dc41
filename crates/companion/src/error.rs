//! The companion's one error type for HTTP answers, and a JSON extractor that rejects with it.
//!
//! Every error body is `{"error": "<code>", "message": "<words>"}`. A 4xx message tells the
//! caller what to fix; a 5xx message reveals nothing (the details go to the log, never a
//! secret or a whole token).

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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
    /// 429: too many requests from this client address (`crate::rate_limit`), with
    /// `Retry-After`.
    TooManyRequests {
        /// What was limited and when to come back.
        message: Cow<'static, str>,
        /// Whole seconds, sent as `Retry-After`.
        retry_after: u64,
    },
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
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
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
            Self::TooManyRequests { .. } => "rate_limited",
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
            | Self::TooManyRequests { message: m, .. }
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
        let mut resp = (self.status(), axum::Json(body)).into_response();
        if let Self::TooManyRequests { retry_after, .. } = self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        resp
    }
}

/// A JSON body extractor whose rejections are [`ApiError`]s with a message naming the problem.
///
/// It accepts what `axum::Json` accepts (`application/json` or `application/…+json`), and a
/// body that does not deserialize is answered with `axum::Json`'s message, which names the
/// path to the bad field. But a body is first parsed with serde_json alone: `axum::Json` runs
/// every body through `serde_path_to_error`, which tracks the path of every value it reads.
/// Only a body that fails is parsed again, that way, for its message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(NOT_JSON.into()));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(r.body_text().into()),
                _ => ApiError::BadRequest(r.body_text().into()),
            })?;
        match serde_json::from_slice(&body) {
            Ok(v) => Ok(Json(v)),
            // `from_bytes` only rejects with a syntax or data error: a 400 in words.
            Err(_) => match axum::Json::<T>::from_bytes(&body) {
                Ok(axum::Json(v)) => Ok(Json(v)),
                Err(rejection) => Err(ApiError::BadRequest(rejection.body_text().into())),
            },
        }
    }
}

const NOT_JSON: &str = "send the body as JSON with `Content-Type: application/json`";

/// `application/json` or `application/<anything>+json`, parsed with `mime` as `axum::Json`
/// does, so the two accept exactly the same types.
fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // read for the parse
    struct Body {
        name: String,
        pairs: Vec<(String, String)>,
    }

    async fn extract(content_type: Option<&str>, body: &str) -> Result<Json<Body>, ApiError> {
        let mut req = Request::post("/");
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        Json::<Body>::from_request(req.body(body.to_owned().into()).unwrap(), &()).await
    }

    #[tokio::test]
    async fn content_types_are_accepted_exactly_as_axum_json_accepts_them() {
        let body = r#"{"name":"n","pairs":[["a","1"]]}"#;
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.api+json",
            "application/+json",
            "application/json;",
            "application/json ; charset=utf-8",
            " application/json",
            "application/json\t",
            "application/ld+json; profile=x",
            "application/json+",
            "application/a+JSON",
            "application/json/x",
            "application/j son",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "application/json garbage",
            "application/x-json-stream",
            "text/json",
            "text/plain",
            "json",
            "",
            "application/",
            "/json",
        ] {
            let req = Request::post("/")
                .header(header::CONTENT_TYPE, ct)
                .body(axum::body::Body::from(body))
                .unwrap();
            let axum_accepts = axum::Json::<Body>::from_request(req, &()).await.is_ok();
            let ours = extract(Some(ct), body).await;
            assert_eq!(ours.is_ok(), axum_accepts, "{ct:?}");
            if let Err(e) = ours {
                assert!(
                    matches!(e, ApiError::UnsupportedMediaType(_)),
                    "{ct:?}: {e:?}"
                );
            }
        }
        let missing = extract(None, body).await;
        assert!(matches!(missing, Err(ApiError::UnsupportedMediaType(_))));
    }

    #[tokio::test]
    async fn a_bad_body_is_named_as_axum_json_names_it() {
        for (body, words) in [
            (r#"{"name":"n","pairs":[["a"]]}"#, "pairs[0]"),
            (r#"{"name":7,"pairs":[]}"#, "name"),
            (r#"{"pairs":[]}"#, "missing field `name`"),
            (r#"{"name":"n","#, "EOF"),
        ] {
            let Err(ApiError::BadRequest(msg)) = extract(Some("application/json"), body).await
            else {
                panic!("{body} was not a 400");
            };
            assert!(msg.contains(words), "{body}: {msg}");
        }
    }

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
