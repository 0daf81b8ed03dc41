//! The two browser-facing legs: `/login` (temporary credentials, RFC 5849 §2.1, then the
//! redirect to the provider, §2.2) and `/callback` (token credentials, §2.3).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_proto::oauth1::percent;
use latchkey_proto::oauth1::{
    build_access_token_request, build_request_token_request, parse_access_token_response,
    parse_request_token_response, AccessTokenError, RequestTokenError, Stamp,
};
use latchkey_proto::secret::ct_eq_str;
use serde::Deserialize;

use super::cookies::{self, CookieError, CookieKind, Pending, Session};
use super::navigation::{LegFailure, SignInFault};
use super::{blinding_rng, provider, stamp_parts, ProviderId};
use crate::client_address::ClientAddress;
use crate::config::OAuth1Provider;
use crate::error::ApiError;
use crate::routes::upstream::send;
pub(crate) use crate::routes::upstream::upstream_error;
use crate::state::AppState;

/// `/login` query.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// Where to land after signing in: a same-origin path, or, with `handoff`, an absolute
    /// URL on one of `[server] allowed_origins`.
    pub return_to: Option<String>,
    /// A page on another site: the challenge of its handoff verifier ([`super::handoff`]).
    pub handoff: Option<String>,
}

/// Where a sign-in returns: [`safe_return_to`], or for a handoff an absolute URL whose
/// origin is exactly one of `allowed` and whose path passes the same rules (anything else
/// returns to `/` of the companion's own origin).
pub fn return_to_for(allowed: &[String], q: &LoginQuery) -> String {
    let Some(target) = q.return_to.as_deref() else {
        return "/".to_owned();
    };
    if q.handoff.is_none() {
        return safe_return_to(Some(target));
    }
    for origin in allowed {
        if let Some(rest) = target.strip_prefix(origin.as_str()) {
            let path = safe_return_to(Some(rest));
            if path == rest {
                return format!("{origin}{path}");
            }
        }
    }
    safe_return_to(Some(target))
}

/// Keeps `return_to` only when it is a path on this origin, so `/login` cannot be used as an
/// open redirect. Refused (→ `/`): absolute URLs, scheme-relative `//host`, backslashes
/// (browsers read `/\host` as `//host`), control characters and whitespace (browsers strip
/// tabs and newlines from URLs, turning `/\t/host` into `//host`), and non-ASCII.
pub fn safe_return_to(v: Option<&str>) -> String {
    match v {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn redirect(location: &str, cookies: &[HeaderValue]) -> Result<Response, ApiError> {
    let loc = HeaderValue::from_str(location)
        .map_err(|e| ApiError::Internal(format!("location: {e}")))?;
    let mut resp = (
        StatusCode::FOUND,
        [
            (header::LOCATION, loc),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response();
    for c in cookies {
        resp.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    Ok(resp)
}

/// A query the extractor refused (a repeated or undecodable parameter) as the JSON 400 every
/// other refusal is, rather than axum's plain-text one.
fn query_error(r: QueryRejection) -> ApiError {
    ApiError::BadRequest(r.body_text().into())
}

/// `GET /oauth1/{id}/login?return_to=/path`: gets temporary credentials, keeps them in the
/// sealed `pending` cookie and sends the browser to the provider's authorization page. A
/// failure sends a navigating browser back to the app ([`navigation`](super::navigation)).
pub async fn login(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    client: ClientAddress,
    q: Result<Query<LoginQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let allowed = &state.config().server.allowed_origins;
    let return_to = q.as_ref().ok().map(|Query(q)| return_to_for(allowed, q));
    // Each `/login` costs a signed request-token call: counted before anything else, so an
    // anonymous flood burns neither the consumer key's quota nor our CPU.
    let started = match state.limits().token.admit(client) {
        Ok(()) => start(&state, &id, q).await,
        Err(limited) => Err(ApiError::from(limited).into()),
    };
    match started {
        Ok(resp) => resp,
        Err(f) => f.into_response(&headers, &id, return_to.as_deref()),
    }
}

async fn start(
    state: &AppState,
    id: &str,
    q: Result<Query<LoginQuery>, QueryRejection>,
) -> Result<Response, LegFailure> {
    let Query(q) = q.map_err(query_error)?;
    let p = provider(state, id)?;
    if q.handoff
        .as_deref()
        .is_some_and(|c| !super::handoff::is_challenge(c))
    {
        return Err(ApiError::BadRequest(
            "handoff must be the base64url SHA-256 of the page's verifier (43 characters)".into(),
        )
        .into());
    }
    let callback = OAuth1Provider::callback_url(&state.config().server, p.id);
    let (timestamp, nonce) = stamp_parts(state);
    let req = build_request_token_request(
        &p.config.request_token_url,
        &p.consumer(),
        &callback,
        Stamp {
            timestamp,
            nonce: &nonce,
        },
        &mut blinding_rng(),
    )
    .map_err(|e| ApiError::Internal(format!("request-token request: {e}")))?;
    let resp = send(state, req, "request token")
        .await
        .map_err(transport_failure)?;
    let temporary = parse_request_token_response(resp).map_err(request_token_error)?;
    let sep = if p.config.authorize_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!(
        "{}{sep}oauth_token={}",
        p.config.authorize_url,
        percent::encode(&temporary.token)
    );
    let pending = Pending {
        temporary,
        return_to: return_to_for(&state.config().server.allowed_origins, &q),
        handoff: q.handoff.clone(),
    };
    let cookie = cookies::set(state, &p, CookieKind::Pending, &pending)?;
    tracing::info!(provider = p.id, "sign-in started");
    Ok(redirect(&location, &[cookie])?)
}

/// A failure of [`send`]: a 502 there is the connection (refused, cut, oversized), not an
/// answer the provider meant.
fn transport_failure(e: ApiError) -> LegFailure {
    match e {
        e @ ApiError::BadGateway(_) => LegFailure::from(e).fault(SignInFault::ProviderUnreachable),
        e => e.into(),
    }
}

fn request_token_error(e: RequestTokenError) -> ApiError {
    // The log gets the variant and the provider's problem, not the body (it may hold a token).
    match e {
        RequestTokenError::Server {
            status, problem, ..
        } => {
            tracing::warn!(
                status,
                problem = problem.as_deref().unwrap_or("-"),
                "request token refused"
            );
            let why = problem.map(|p| format!(" ({p})")).unwrap_or_default();
            ApiError::BadGateway(
                format!("the provider refused the request token with HTTP {status}{why}: check consumer_key, the consumer secret and the callback URL it has registered").into(),
            )
        }
        RequestTokenError::CallbackNotConfirmed { .. } => {
            tracing::warn!("provider did not confirm oauth_callback");
            ApiError::BadGateway(
                "the provider did not confirm the callback (it is not an OAuth 1.0a provider)"
                    .into(),
            )
        }
        RequestTokenError::MissingField { field, .. } => {
            tracing::warn!(field, "request-token response incomplete");
            ApiError::BadGateway(
                format!("the provider's request-token answer lacks {field}").into(),
            )
        }
        other => {
            tracing::warn!(kind = "malformed", "request-token response unreadable");
            drop(other);
            ApiError::BadGateway("the provider's request-token answer is unreadable".into())
        }
    }
}

/// `/callback` query (RFC 5849 §2.2).
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    /// The temporary token the user authorized.
    pub oauth_token: Option<String>,
    /// The verifier proving the user authorized it.
    pub oauth_verifier: Option<String>,
}

/// `GET /oauth1/{id}/callback?oauth_token&oauth_verifier`: checks the token against the
/// pending cookie, exchanges the verifier for token credentials, seals them in the session
/// cookie, drops the pending cookie and returns to the app. A failure sends a navigating
/// browser back to the sign-in's `return_to` ([`navigation`](super::navigation)).
pub async fn callback(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    client: ClientAddress,
    q: Result<Query<CallbackQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    match finish(&state, &id, client, q, &headers).await {
        Ok(resp) => resp,
        Err(f) => f.into_response(&headers, &id, None),
    }
}

async fn finish(
    state: &AppState,
    id: &str,
    client: ClientAddress,
    q: Result<Query<CallbackQuery>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<Response, LegFailure> {
    let p = provider(state, id)?;
    let restart = format!("start again at /oauth1/{}/login", p.id);
    let pending: Pending = cookies::load(state, &p, headers, CookieKind::Pending).map_err(|e| {
        LegFailure::from(match e {
            CookieError::Missing => ApiError::BadRequest(
                format!("no sign-in in progress (it was completed or never started); {restart}")
                    .into(),
            ),
            CookieError::Open(crate::sealed_cookie::OpenError::Expired) => ApiError::BadRequest(
                format!("the sign-in took longer than 10 minutes; {restart}").into(),
            ),
            CookieError::Open(_) | CookieError::Payload => ApiError::BadRequest(
                format!("the sign-in cookie is not valid here; {restart}").into(),
            ),
        })
        .fault(SignInFault::SignInExpired)
    })?;
    let back = |e: ApiError| LegFailure::from(e).returning_to(&pending.return_to);
    let Query(q) = q.map_err(|r| back(query_error(r)))?;
    let (Some(token), Some(verifier)) = (q.oauth_token.as_deref(), q.oauth_verifier.as_deref())
    else {
        let clear = cookies::clear(state, &p, CookieKind::Pending).map_err(back)?;
        return Err(back(ApiError::Forbidden(
            "the provider sent no verifier: the sign-in was refused or cancelled".into(),
        ))
        .with_cookie(clear));
    };
    if !ct_eq_str(token, &pending.temporary.token) {
        return Err(back(ApiError::Forbidden(
            format!("oauth_token does not belong to the sign-in in progress; {restart}").into(),
        ))
        .fault(SignInFault::SignInExpired));
    }
    // Counted once the sign-in's own cookie has named where to send the browser back, and
    // before the signed access-token call.
    state
        .limits()
        .token
        .admit(client)
        .map_err(|limited| back(limited.into()))?;
    let (timestamp, nonce) = stamp_parts(state);
    let req = build_access_token_request(
        &p.config.access_token_url,
        &p.consumer(),
        &pending.temporary,
        verifier,
        Stamp {
            timestamp,
            nonce: &nonce,
        },
        &mut blinding_rng(),
    )
    .map_err(|e| back(ApiError::Internal(format!("access-token request: {e}"))))?;
    let resp = send(state, req, "access token")
        .await
        .map_err(|e| transport_failure(e).returning_to(&pending.return_to))?;
    let session: Session =
        parse_access_token_response(resp).map_err(|e| back(access_token_error(e)))?;
    let clear = cookies::clear(state, &p, CookieKind::Pending).map_err(back)?;
    if let Some(challenge) = &pending.handoff {
        // A page on another site: no session cookie (its fetches would not carry it), a
        // code in the fragment instead.
        let code = super::handoff::seal_code(state, &p, challenge, session).map_err(back)?;
        tracing::info!(provider = p.id, "signed in; handing off");
        let location = super::handoff::return_location(&pending.return_to, p.id, &code);
        return redirect(&location, &[clear]).map_err(back);
    }
    let set = cookies::set_session(state, &p, session).map_err(back)?;
    tracing::info!(provider = p.id, "signed in");
    redirect(&pending.return_to, &[set, clear]).map_err(back)
}

fn access_token_error(e: AccessTokenError) -> ApiError {
    match e {
        // A refusal here is about this sign-in (a used or wrong verifier, an expired request
        // token): the user's to retry, not a fault of the companion.
        AccessTokenError::Server {
            status, problem, ..
        } if (400..500).contains(&status) => {
            tracing::info!(
                status,
                problem = problem.as_deref().unwrap_or("-"),
                "access token refused"
            );
            let why = problem.map(|p| format!(" ({p})")).unwrap_or_default();
            ApiError::Forbidden(
                format!("the provider refused the sign-in{why}; start again").into(),
            )
        }
        AccessTokenError::Server {
            status, problem, ..
        } => {
            tracing::warn!(
                status,
                problem = problem.as_deref().unwrap_or("-"),
                "access-token endpoint failed"
            );
            ApiError::BadGateway(
                format!("the provider failed to issue the token (HTTP {status})").into(),
            )
        }
        AccessTokenError::MissingField { field, .. } => {
            tracing::warn!(field, "access-token response incomplete");
            ApiError::BadGateway(format!("the provider's access-token answer lacks {field}").into())
        }
        other => {
            tracing::warn!(kind = "malformed", "access-token response unreadable");
            drop(other);
            ApiError::BadGateway("the provider's access-token answer is unreadable".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{return_to_for, safe_return_to, LoginQuery};

    #[test]
    fn a_handoff_returns_only_to_an_allowed_origin() {
        let allowed = vec!["http://localhost:8000".to_owned()];
        let q = |r: &str, h: bool| LoginQuery {
            return_to: Some(r.to_owned()),
            handoff: h.then(|| "c".repeat(43)),
        };
        assert_eq!(
            return_to_for(&allowed, &q("http://localhost:8000/blog/?p=1#x", true)),
            "http://localhost:8000/blog/?p=1#x"
        );
        for bad in [
            "http://localhost:8000.evil.example/",
            "http://localhost:8000@evil.example/",
            "http://localhost:80001/",
            "http://localhost:8000//evil.example/",
            "http://localhost:8000/\\evil.example",
            "https://localhost:8000/",
            "http://evil.example/",
        ] {
            assert_eq!(return_to_for(&allowed, &q(bad, true)), "/", "{bad:?}");
        }
        // Without a handoff, only this origin's paths, as before.
        assert_eq!(
            return_to_for(&allowed, &q("http://localhost:8000/blog/", false)),
            "/"
        );
        assert_eq!(return_to_for(&allowed, &q("/console", false)), "/console");
        assert_eq!(return_to_for(&[], &q("http://localhost:8000/", true)), "/");
    }

    #[test]
    fn only_same_origin_paths_are_kept() {
        assert_eq!(safe_return_to(Some("/console?x=1#y")), "/console?x=1#y");
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }
}
