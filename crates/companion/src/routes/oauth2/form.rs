//! Reading the app's request: Origin, body size, content type and the form's parameters.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};

use crate::error::ApiError;
use crate::routes::origin::check_origin;
use crate::state::AppState;

/// The form's parameters, each present at most once (RFC 6749 §3.2: "Request and response
/// parameters MUST NOT be included more than once").
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// A parameter, `None` when absent or empty (RFC 6749 §3.1: empty means omitted).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every parameter as sent, empty ones included, in no particular order (a form's order
    /// carries no meaning, RFC 6749 Appendix B).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A required parameter; the error names it, never its value.
    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::BadRequest(format!("the form needs `{name}`").into()))
    }
}

/// The checks every mediation route makes before reading anything: Origin (CSRF), then the
/// body (within [`super::MAX_BODY`], form-encoded, no repeated parameter).
pub(crate) fn read(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Params, ApiError> {
    check_origin(state, headers)?;
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(
            format!("the body is over {} KiB", super::MAX_BODY / 1024).into(),
        ),
        _ => ApiError::BadRequest("the body could not be read".into()),
    })?;
    if body.is_empty() {
        return Ok(Params(HashMap::new()));
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as `application/x-www-form-urlencoded` (RFC 6749 parameter names)"
                .into(),
        ));
    }
    if std::str::from_utf8(&body).is_err() {
        return Err(ApiError::BadRequest("the form is not UTF-8".into()));
    }
    let mut params = HashMap::new();
    for (name, value) in form_urlencoded::parse(&body) {
        if name.is_empty() {
            return Err(ApiError::BadRequest(
                "the form has a parameter without a name".into(),
            ));
        }
        let shown: String = name.chars().take(40).collect();
        if params
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return Err(ApiError::BadRequest(
                format!("the form repeats `{shown}`; send each parameter once").into(),
            ));
        }
    }
    Ok(Params(params))
}
