//! How `/login` and `/callback` fail when the browser is navigating to them.
//!
//! Both routes are full-page navigations (the app sends the browser to `/login`, the provider
//! sends it back to `/callback`), so a JSON error body would be the whole page the user sees,
//! with no way back. For a navigation (`Sec-Fetch-Mode: navigate`, or an `Accept` that prefers
//! HTML) an error is instead a `303 See Other` to the app — the sign-in's own `return_to` when
//! it is known, else `/` — with `latchkey_error=<code>&provider=<id>` added to the query. The
//! code is one of a fixed set ([`SignInFault`]); no message, token or secret goes into the URL.
//! Every other caller (scripts, `fetch`) keeps the JSON error with its status.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_proto::oauth1::percent;

use crate::error::ApiError;

/// The query parameter naming what went wrong.
pub const ERROR_PARAM: &str = "latchkey_error";
/// The query parameter naming the provider id the sign-in was for.
pub const PROVIDER_PARAM: &str = "provider";

/// Why a sign-in failed, as the app is told in `latchkey_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInFault {
    /// The provider could not be reached (refused or cut connection).
    ProviderUnreachable,
    /// The provider did not answer within the upstream timeout.
    ProviderTimeout,
    /// The provider answered with an error status or something unreadable.
    ProviderError,
    /// The sign-in cookie is missing, expired, tampered with, or for another sign-in (a
    /// replayed or stale callback).
    SignInExpired,
    /// The user cancelled at the provider, or the provider refused the verifier.
    SignInRefused,
    /// No OAuth 1.0a provider has this id.
    UnknownProvider,
    /// Too many sign-ins from this client address (`crate::rate_limit`): nothing was sent to
    /// the provider.
    RateLimited,
    /// Anything else (a malformed request, the companion's own fault).
    SignInFailed,
}

impl SignInFault {
    /// The code in the URL.
    pub fn code(self) -> &'static str {
        match self {
            Self::ProviderUnreachable => "provider_unreachable",
            Self::ProviderTimeout => "provider_timeout",
            Self::ProviderError => "provider_error",
            Self::SignInExpired => "sign_in_expired",
            Self::SignInRefused => "sign_in_refused",
            Self::UnknownProvider => "unknown_provider",
            Self::RateLimited => "rate_limited",
            Self::SignInFailed => "sign_in_failed",
        }
    }

    /// The usual reading of an [`ApiError`] from these two routes; call sites that know
    /// better (a transport failure, a bad cookie) say so with [`LegFailure::fault`].
    fn of(e: &ApiError) -> Self {
        match e {
            ApiError::NotFound(_) => Self::UnknownProvider,
            ApiError::GatewayTimeout => Self::ProviderTimeout,
            ApiError::BadGateway(_) => Self::ProviderError,
            ApiError::Forbidden(_) => Self::SignInRefused,
            ApiError::TooManyRequests { .. } => Self::RateLimited,
            _ => Self::SignInFailed,
        }
    }
}

/// A failed `/login` or `/callback`: the JSON error, its code for a navigation, where the
/// sign-in meant to land, and cookies to set either way (e.g. clearing the pending one).
#[derive(Debug)]
pub(crate) struct LegFailure {
    error: ApiError,
    fault: SignInFault,
    return_to: Option<String>,
    cookies: Vec<HeaderValue>,
}

impl From<ApiError> for LegFailure {
    fn from(error: ApiError) -> Self {
        LegFailure {
            fault: SignInFault::of(&error),
            error,
            return_to: None,
            cookies: Vec::new(),
        }
    }
}

impl LegFailure {
    /// Overrides the code read from the error.
    pub fn fault(mut self, fault: SignInFault) -> Self {
        self.fault = fault;
        self
    }

    /// The sign-in's validated `return_to` (from the pending cookie).
    pub fn returning_to(mut self, return_to: &str) -> Self {
        self.return_to = Some(return_to.to_owned());
        self
    }

    /// A `Set-Cookie` value sent with the answer.
    pub fn with_cookie(mut self, cookie: HeaderValue) -> Self {
        self.cookies.push(cookie);
        self
    }

    /// The answer: a 303 to the app for a navigation, the JSON error otherwise.
    /// `return_to` is the validated one from the request when the failure does not carry one.
    pub fn into_response(
        self,
        headers: &HeaderMap,
        provider_id: &str,
        return_to: Option<&str>,
    ) -> Response {
        let LegFailure {
            error,
            fault,
            return_to: own,
            cookies,
        } = self;
        // The JSON answer logs the error the same way whichever answer is sent.
        let mut resp = error.into_response();
        if is_navigation(headers) {
            let target = own.as_deref().or(return_to).unwrap_or("/");
            tracing::info!(
                provider = provider_id,
                code = fault.code(),
                "sign-in failed; back to the app"
            );
            resp = match HeaderValue::from_str(&error_location(target, fault, provider_id)) {
                Ok(loc) => (
                    StatusCode::SEE_OTHER,
                    [
                        (header::LOCATION, loc),
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                    ],
                )
                    .into_response(),
                // Unreachable in practice: every part is ASCII-checked or percent-encoded.
                Err(_) => resp,
            };
        }
        for c in cookies {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        resp
    }
}

/// True when the browser is loading a page rather than a script fetching data: the Fetch
/// Metadata header where sent, else an `Accept` that rates `text/html` above JSON.
pub(crate) fn is_navigation(headers: &HeaderMap) -> bool {
    if let Some(mode) = headers.get("sec-fetch-mode") {
        return mode.as_bytes().eq_ignore_ascii_case(b"navigate");
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let (mut html, mut json) = (0.0f32, 0.0f32);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "application/json" => json = json.max(q),
            _ => {}
        }
    }
    html > 0.0 && html >= json
}

/// `return_to` with `latchkey_error` and `provider` added to its query (before any
/// fragment). `return_to` is a validated same-origin path; the provider id is
/// percent-encoded (an unknown one is whatever the URL said) and cut to 64 characters.
pub(crate) fn error_location(return_to: &str, fault: SignInFault, provider_id: &str) -> String {
    let (path, fragment) = match return_to.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (return_to, None),
    };
    let sep = if path.contains('?') { '&' } else { '?' };
    let id: String = provider_id.chars().take(64).collect();
    let mut out = format!(
        "{path}{sep}{ERROR_PARAM}={}&{PROVIDER_PARAM}={}",
        fault.code(),
        percent::encode(&id)
    );
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests;
