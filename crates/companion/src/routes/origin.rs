//! Who may call the companion's routes: the `Origin` check shared by every state-changing
//! route (OAuth 1.0a and token mediation), and the stricter rule for the two routes that act
//! with the user's OAuth 1.0a tokens on any method ([`check_script_request`]).

use axum::http::{header, HeaderMap, HeaderValue};

use crate::error::ApiError;
use crate::state::AppState;

/// The `Origin` header must be the app's own origin (`public_url`) or one of
/// `allowed_origins`. Browsers always send `Origin` on cross-origin and on non-GET requests,
/// so a missing header is refused too.
pub(crate) fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let server = &state.config().server;
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok(o)) if o == server.public_url || server.allowed_origins.iter().any(|a| a == o) => {
            Ok(())
        }
        Some(Ok(o)) => {
            let o: String = o.chars().take(100).collect();
            Err(ApiError::Forbidden(
                format!("requests from origin {o:?} are not allowed; add it to [server] allowed_origins if it is yours").into(),
            ))
        }
        Some(Err(_)) => Err(ApiError::Forbidden(
            "the Origin header is not readable".into(),
        )),
        None => Err(ApiError::Forbidden(
            "an Origin header is required: state-changing requests must come from the app's page"
                .into(),
        )),
    }
}

/// The signing proxy and `/sign` answer only a script of the app (a `fetch` or XHR from a
/// page on `public_url` or an `allowed_origins` entry), never a navigation and never another
/// site's page, whatever the method.
///
/// Why every method, GET included: both routes act with the user's tokens, and the proxy
/// hands the API's answer back as an answer of this origin. A link on another site to
/// `/oauth1/{id}/api/…` would otherwise be signed (the session cookie goes along on a
/// top-level GET) and its answer — an HTML error page echoing the path, a JSONP callback —
/// opened as a page of the app's origin, where refresh tokens sit in storage; a
/// `<script src>` on another site could read a JSONP answer.
///
/// The browser says who is asking in Fetch Metadata (`Sec-Fetch-*`), which no page can set:
/// - `Sec-Fetch-Mode: navigate` (or the older `nested-navigate`) is a page load: refused.
/// - `Sec-Fetch-Dest` other than `empty` is a page, frame, object, worker, script, style or
///   image load, not a `fetch`: refused. The app only ever fetches.
/// - `Sec-Fetch-Site: same-origin` is a script of a page on this origin: allowed (a
///   same-origin GET carries no `Origin`, so this is how the app's own calls pass).
/// - `same-site` / `cross-site` pass only with an `Origin` that [`check_origin`] accepts: a
///   CORS `fetch` from an `allowed_origins` page (a cross-site link, `<script>` or `<img>`
///   sends no `Origin` on GET, another site's page sends its own).
/// - `none` (typed in the address bar, a bookmark) and any other value: refused.
///
/// Without `Sec-Fetch-Site` (browsers before Fetch Metadata, non-browser clients) an `Origin`
/// that [`check_origin`] accepts is required on every method: such a browser sends none on a
/// cross-site link, so the link is refused. The price: such a browser's same-origin GET
/// (no `Origin` either) is refused too; every browser the app runs in sends Fetch Metadata.
pub(crate) fn check_script_request(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Err((why, error)) = script_request_rule(state, headers) else {
        return Ok(());
    };
    // The Fetch Metadata tokens and the Origin, cut short: no cookie, no path, no query.
    tracing::info!(
        refused = why,
        site = short(headers.get("sec-fetch-site")),
        mode = short(headers.get("sec-fetch-mode")),
        dest = short(headers.get("sec-fetch-dest")),
        origin = short(headers.get(header::ORIGIN)),
        "not a script of the app"
    );
    Err(error)
}

/// [`check_script_request`]'s rule; a refusal says why, for the log.
fn script_request_rule(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(), (&'static str, ApiError)> {
    let refuse =
        |why: &'static str, message: &'static str| Err((why, ApiError::Forbidden(message.into())));
    let origin = |why: &'static str| check_origin(state, headers).map_err(|e| (why, e));
    if headers
        .get("sec-fetch-mode")
        .is_some_and(|m| is_one_of(m, &["navigate", "nested-navigate"]))
    {
        return refuse("navigation", NAVIGATION);
    }
    if headers
        .get("sec-fetch-dest")
        .is_some_and(|d| !is_one_of(d, &["empty"]))
    {
        return refuse("destination", NOT_A_FETCH);
    }
    let has_origin = headers.contains_key(header::ORIGIN);
    match headers.get("sec-fetch-site") {
        // A page of this origin; an Origin beside it must still be one we know.
        Some(s) if is_one_of(s, &["same-origin"]) => {
            if has_origin {
                origin("same-origin with a foreign Origin")
            } else {
                Ok(())
            }
        }
        Some(s) if is_one_of(s, &["same-site", "cross-site"]) => {
            if has_origin {
                origin("another site's Origin")
            } else {
                refuse("another site without Origin", CROSS_SITE)
            }
        }
        Some(_) => refuse("site", NOT_FROM_A_PAGE),
        None => origin("no Fetch Metadata, no allowed Origin"),
    }
}

const NAVIGATION: &str = "this route answers the app's scripts only, not a page load: call it \
                          with fetch() from the app's page";
const NOT_A_FETCH: &str = "this route answers fetch() or XMLHttpRequest only (Sec-Fetch-Dest \
                           must be \"empty\"), not a frame, script, style or image load";
const CROSS_SITE: &str = "a request from another site needs an Origin header listed in \
                          [server] allowed_origins: call this route with fetch() from the app's \
                          page";
const NOT_FROM_A_PAGE: &str = "this route answers the app's scripts only (Sec-Fetch-Site must \
                               be same-origin, or a listed Origin): call it with fetch() from \
                               the app's page";

/// Fetch Metadata values are lower-case tokens; any case is read as the token, so an odd
/// spelling of `navigate` is still refused.
fn is_one_of(v: &HeaderValue, tokens: &[&str]) -> bool {
    tokens
        .iter()
        .any(|t| v.as_bytes().eq_ignore_ascii_case(t.as_bytes()))
}

/// A header value for the log: at most 64 characters.
fn short(v: Option<&HeaderValue>) -> String {
    v.and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(64)
        .collect()
}
