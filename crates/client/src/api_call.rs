//! Calls with the session's credentials, to the provider's API only: the showcase's API
//! console (text answers) and the authorized fetch of the embed (raw answers).

use std::rc::Rc;

use latchkey_proto::public_config::Protocol;
use latchkey_proto::secret::AccessToken;

use super::api_target::{self, ApiMethod};
use super::dpop::{self, DpopKey};
use super::engine::Engine;
use super::reach::{Endpoint, Reach};
use super::ApiError;
use crate::browser::fetch::{
    self, AnswerHeaders, Ending, ExtraHeaders, PageBody, Peer, StatusText,
};

/// An API console answer: the provider's status and body, whatever the status was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResult {
    /// The HTTP status code.
    pub status: u16,
    /// The reason phrase the browser reported (may be empty over HTTP/2).
    pub status_text: String,
    /// The `content-type` header, if any.
    pub content_type: Option<String>,
    /// The body as text; JSON is pretty-printed, anything longer than
    /// [`API_BODY_LIMIT`](crate::words::API_BODY_LIMIT) characters is cut with a note.
    pub body: String,
    /// True when the first attempt got a 401 and the session was refreshed and the call
    /// retried once.
    pub retried_after_refresh: bool,
}

/// What the page asks for, beside the method and URL: a body, its own headers, and a signal
/// to call it off.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// The body, sent with any method but GET and HEAD, which refuse one
    /// ([`ApiError::BodyNotAllowed`]).
    pub body: Option<Vec<u8>>,
    /// Headers to send, `(name, value)`. `Authorization` is always the client's own: one
    /// given here is dropped. Without `Accept` or `Content-Type`, the client picks them.
    pub headers: Vec<(String, String)>,
    /// Calls the call's own requests off when it aborts, as `window.fetch`'s `init.signal`:
    /// one in flight is cancelled, one not yet sent is not sent, and the call ends with
    /// [`ApiError::Aborted`]. A renewal the call started is not called off: it runs to its
    /// end, so the session is never left half renewed. The call has no deadline of the
    /// client's (as `fetch` has none): a page that wants one gives `AbortSignal.timeout(ms)`.
    pub signal: Option<web_sys::AbortSignal>,
}

/// An authorized call's answer as the provider (or the companion's proxy) sent it: its body
/// read whole ([`Client::fetch`](crate::Client::fetch)), or still coming for a page to read
/// ([`Client::fetch_streaming`](crate::Client::fetch_streaming)).
#[derive(Debug)]
pub struct ApiAnswer<B = Vec<u8>> {
    /// Status and body. Its `HeaderMap` holds only the headers the client itself reads
    /// (`Content-Type`, `WWW-Authenticate`, `Retry-After`, `DPoP-Nonce`); every header is in
    /// [`ApiAnswer::headers`].
    pub response: http::Response<B>,
    /// True when the first attempt got a 401 and the session was refreshed and the call
    /// retried once.
    pub retried_after_refresh: bool,
}

impl<B> ApiAnswer<B> {
    /// Every header of the answer the page may read (CORS shows the safelisted ones and
    /// those the API lists in `Access-Control-Expose-Headers`), `(name, value)` as the
    /// browser's `Headers` lists them: names lower-cased and sorted, a repeated header's
    /// values joined by `, `.
    pub fn headers(&self) -> &[(String, String)] {
        self.response
            .extensions()
            .get::<AnswerHeaders>()
            .map_or(&[], |AnswerHeaders(all)| all.as_slice())
    }

    /// The status text the API sent (HTTP/1.1's reason phrase; empty over HTTP/2 and 3).
    pub fn status_text(&self) -> &str {
        StatusText::of(&self.response)
    }
}

fn build(
    method: ApiMethod,
    url: &str,
    request: &ApiRequest,
    bearer: Option<&AccessToken>,
) -> Result<http::Request<Vec<u8>>, ApiError> {
    let url = api_target::encode_typed_url(url);
    let invalid = |reason: String| ApiError::InvalidUrl {
        url: url.clone(),
        reason,
    };
    let given = |name: &http::HeaderName| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name.as_str()))
    };
    let mut builder = http::Request::builder()
        .method(method.as_str())
        .uri(url.as_str());
    // The page's own headers are checked here and travel beside the request as text
    // (`ExtraHeaders`): made into `http::HeaderName`s they would bring in http's header-name
    // parser with its table of standard names (12 KB of wasm). The checks and their words are
    // the `http` builder's: an RFC 9110 token for the name, `HeaderValue`'s for the value.
    let mut page = Vec::new();
    for (name, value) in &request.headers {
        // The client's own: the access token, and the proof that goes with it.
        if name.eq_ignore_ascii_case(http::header::AUTHORIZATION.as_str())
            || name.eq_ignore_ascii_case(latchkey_proto::dpop::DPOP)
        {
            continue;
        }
        if !is_header_name(name) {
            return Err(invalid("invalid HTTP header name".into()));
        }
        http::HeaderValue::from_str(value).map_err(|e| invalid(e.to_string()))?;
        page.push((name.clone(), value.clone()));
    }
    if !given(&http::header::ACCEPT) {
        builder = builder.header(
            http::header::ACCEPT,
            "application/json, text/plain;q=0.9, */*;q=0.5",
        );
    }
    if let Some(token) = bearer {
        // RFC 6750 §2.1.
        builder = builder.header(
            http::header::AUTHORIZATION,
            format!("Bearer {}", token.secret()),
        );
    }
    let body = match request.body.as_ref() {
        // `fetch` refuses it too; dropping it would lose what the page meant to send.
        Some(_) if matches!(method, ApiMethod::Get | ApiMethod::Head) => {
            return Err(ApiError::BodyNotAllowed { method })
        }
        Some(bytes) => {
            if !given(&http::header::CONTENT_TYPE) {
                let text = std::str::from_utf8(bytes).unwrap_or_default();
                builder = builder.header(
                    http::header::CONTENT_TYPE,
                    api_target::body_content_type(text),
                );
            }
            bytes.clone()
        }
        None => Vec::new(),
    };
    let mut outgoing = builder.body(body).map_err(|e| invalid(e.to_string()))?;
    outgoing.extensions_mut().insert(ExtraHeaders(page));
    Ok(outgoing)
}

/// A header name as RFC 9110 §5.1 has it: a `token` (what `http::HeaderName` and the
/// browser's `Headers` accept).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

async fn send(
    request: http::Request<Vec<u8>>,
    peer: Peer,
    ending: Ending<'_>,
) -> Result<fetch::Answer, ApiError> {
    fetch::open(request, peer, ending).await.map_err(network)
}

fn network(e: fetch::FetchError) -> ApiError {
    match e.kind {
        fetch::FetchFailure::Aborted => ApiError::Aborted,
        _ => ApiError::Network { reason: e.detail },
    }
}

/// The console's view of an answer: the body as text, JSON pretty-printed.
fn render(answer: ApiAnswer) -> ApiResult {
    let response = answer.response;
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ApiResult {
        status: response.status().as_u16(),
        status_text: StatusText::of(&response).to_owned(),
        body: api_target::render_body(content_type.as_deref(), response.body()),
        content_type,
        retried_after_refresh: answer.retried_after_refresh,
    }
}

/// A call to the API with the session's access token: `Bearer`, or for a DPoP-bound token
/// `DPoP` with a proof naming this exact request (RFC 9449 §7), retried once with the API
/// server's nonce when it asks for one.
async fn send_with_token(
    method: ApiMethod,
    url: &str,
    request: &ApiRequest,
    access: &AccessToken,
    key: Option<&DpopKey>,
) -> Result<fetch::Answer, ApiError> {
    let mut outgoing = build(method, url, request, Some(access))?;
    let ending = Ending::Page(request.signal.as_ref());
    let Some(key) = key else {
        return send(outgoing, Peer::Api, ending).await;
    };
    let url = outgoing.uri().to_string();
    let target = dpop::Target {
        url: &url,
        api: true,
    };
    let binding = dpop::bind_resource(&mut outgoing, key, target, access)
        .map_err(|reason| ApiError::Network { reason })?;
    dpop::open_with(outgoing, Some(binding), Peer::Api, Endpoint::Api, ending)
        .await
        .map_err(|e| match e {
            dpop::SendFailure::NoAnswer(n) if n.reach == Reach::Aborted => ApiError::Aborted,
            dpop::SendFailure::NoAnswer(n) => ApiError::Network { reason: n.detail },
            dpop::SendFailure::Proof(detail) => ApiError::Network {
                reason: format!("the DPoP proof could not be made ({detail})"),
            },
        })
}

impl Engine {
    fn current_access(&self) -> Option<AccessToken> {
        self.session
            .borrow()
            .as_ref()
            .and_then(|s| s.access_token.clone())
    }

    /// The DPoP key the session's tokens are bound to, if they are. A bound session whose
    /// key is gone (storage cleared) cannot call the API: that is said in words.
    async fn current_key(&self) -> Result<Option<DpopKey>, ApiError> {
        let id = self
            .session
            .borrow()
            .as_ref()
            .and_then(|s| s.dpop_key.clone());
        let Some(id) = id else {
            return Ok(None);
        };
        match DpopKey::find(&id).await {
            Ok(Some(key)) => Ok(Some(key)),
            Ok(None) => Err(ApiError::Network {
                reason: "the key this session's tokens are bound to (DPoP) is gone from this browser; sign in again".into(),
            }),
            Err(e) => Err(ApiError::Network { reason: e.0 }),
        }
    }

    /// The API console's call: [`Engine::run_authorized`] with a text body, rendered.
    pub(super) async fn run_api_call(
        self: Rc<Self>,
        method: ApiMethod,
        path: String,
        body: Option<String>,
        signal: Option<web_sys::AbortSignal>,
    ) -> Result<ApiResult, ApiError> {
        let request = ApiRequest {
            body: body.map(String::into_bytes),
            signal,
            ..ApiRequest::default()
        };
        let answer = self.run_authorized(method, path, request).await?;
        Ok(render(answer.read().await?))
    }

    /// A call to the signed-in provider's API with the session's credentials: a Bearer
    /// token for OAuth 2.0 (only to URLs under `api_base`), the companion's signing proxy
    /// for OAuth 1.0a. On a 401 the session is refreshed once and the call retried.
    pub(super) async fn run_authorized(
        self: Rc<Self>,
        method: ApiMethod,
        path: String,
        request: ApiRequest,
    ) -> Result<OpenAnswer, ApiError> {
        let (provider_id, protocol, can_refresh) = self
            .session
            .borrow()
            .as_ref()
            .map(|s| (s.provider_id.clone(), s.protocol, s.can_refresh()))
            .ok_or(ApiError::NotSignedIn)?;
        let p = self
            .provider(&provider_id)
            .cloned()
            .ok_or(ApiError::NotSignedIn)?;
        let once = |answer| OpenAnswer {
            answer,
            retried_after_refresh: false,
        };
        if protocol == Protocol::Oauth1 {
            let relative = match &p.api_base {
                // An absolute URL under the API's base travels as the path below it.
                Some(base) if path.contains("://") => {
                    let url = api_target::resolve(base, &path)?;
                    url[base.trim_end_matches('/').len()..].to_owned()
                }
                _ => path,
            };
            let url = api_target::oauth1_api_path(&p.id, &relative)?;
            let mut outgoing = build(method, &url, &request, None)?;
            // A page on another site carries its sealed session (crate::companion).
            let sealed = self
                .session
                .borrow()
                .as_ref()
                .and_then(|s| s.companion_session.clone());
            if let Some(value) = sealed.and_then(|s| http::HeaderValue::from_str(s.secret()).ok()) {
                outgoing
                    .headers_mut()
                    .insert(crate::companion::SESSION_HEADER, value);
            }
            let response = send(
                outgoing,
                Peer::Companion,
                Ending::Page(request.signal.as_ref()),
            )
            .await?;
            return Ok(once(response));
        }
        let base = p.api_base.clone().ok_or_else(|| ApiError::NoApiBase {
            provider: p.name.clone(),
        })?;
        let url = api_target::resolve(&base, &path)?;
        let access = self.current_access().ok_or(ApiError::NotSignedIn)?;
        let key = self.current_key().await?;
        let first = send_with_token(method, &url, &request, &access, key.as_ref()).await?;
        // A refused proof is not cured by a new access token: the answer is shown as it is.
        if first.head().status() != http::StatusCode::UNAUTHORIZED
            || !can_refresh
            || latchkey_proto::dpop::proof_refused(first.head())
        {
            return Ok(once(first));
        }
        if let Err(e) = self.refresh(&p.id).await {
            if matches!(e, super::RefreshError::MaybeSpent(_)) {
                self.refresh_failed(&p.id, &e);
            } else if !e.is_transient() {
                self.clear(Some(e.failure(&p.name, &p.id)));
            }
            return Err(ApiError::Refresh(e));
        }
        let access = self.current_access().ok_or(ApiError::NotSignedIn)?;
        let key = self.current_key().await?;
        let second = send_with_token(method, &url, &request, &access, key.as_ref()).await?;
        Ok(OpenAnswer {
            answer: second,
            retried_after_refresh: true,
        })
    }
}

/// An authorized call's answer whose body is still coming.
pub(super) struct OpenAnswer {
    answer: fetch::Answer,
    retried_after_refresh: bool,
}

impl OpenAnswer {
    /// The answer with its body read whole.
    pub(super) async fn read(self) -> Result<ApiAnswer, ApiError> {
        Ok(ApiAnswer {
            response: self.answer.read().await.map_err(network)?,
            retried_after_refresh: self.retried_after_refresh,
        })
    }

    /// The answer with its body for the page to read as it comes.
    pub(super) fn into_page_body(self) -> ApiAnswer<PageBody> {
        let (head, body) = self.answer.into_page_body();
        let (parts, ()) = head.into_parts();
        ApiAnswer {
            response: http::Response::from_parts(parts, body),
            retried_after_refresh: self.retried_after_refresh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_the_caller_aborted_says_so_and_other_failures_keep_the_browsers_words() {
        let failed = |kind| fetch::FetchError {
            kind,
            detail: "fetch https://api.example/me: TypeError: Failed to fetch".into(),
        };
        assert!(matches!(
            network(failed(fetch::FetchFailure::Aborted)),
            ApiError::Aborted
        ));
        assert!(matches!(
            network(failed(fetch::FetchFailure::Rejected)),
            ApiError::Network { reason } if reason.ends_with("TypeError: Failed to fetch")
        ));
        assert!(matches!(
            network(failed(fetch::FetchFailure::TimedOut)),
            ApiError::Network { .. }
        ));
    }

    #[test]
    fn an_answer_gives_every_header_and_the_status_text_it_came_with() {
        let response = http::Response::builder()
            .status(200)
            .header(http::header::CONTENT_TYPE, "application/json")
            .extension(StatusText("OK".into()))
            .extension(AnswerHeaders(vec![
                ("content-type".into(), "application/json".into()),
                ("etag".into(), "\"v1\"".into()),
            ]))
            .body(Vec::<u8>::new())
            .unwrap();
        let answer = ApiAnswer {
            response,
            retried_after_refresh: false,
        };
        assert_eq!(answer.status_text(), "OK");
        assert_eq!(answer.headers()[1], ("etag".into(), "\"v1\"".into()));
        // An answer made elsewhere (not through the browser's fetch) has neither.
        let bare = ApiAnswer {
            response: http::Response::new(Vec::<u8>::new()),
            retried_after_refresh: false,
        };
        assert_eq!((bare.status_text(), bare.headers().len()), ("", 0));
    }

    /// The check stands in for `http::HeaderName`'s (which the wasm must not carry): the same
    /// answer for every byte as a one-byte name, and for names the page may well send.
    #[test]
    fn a_header_name_is_what_http_accepts() {
        for b in 0u8..=255 {
            let name = [b];
            let Ok(text) = std::str::from_utf8(&name) else {
                continue;
            };
            assert_eq!(
                is_header_name(text),
                http::HeaderName::from_bytes(&name).is_ok(),
                "byte {b:#04x}"
            );
        }
        for name in [
            "x-request-id",
            "Content-Type",
            "X_Weird~Name",
            "",
            "a b",
            "a:b",
            "é",
        ] {
            assert_eq!(
                is_header_name(name),
                http::HeaderName::from_bytes(name.as_bytes()).is_ok(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn the_pages_headers_ride_beside_the_request_and_its_own_credentials_are_dropped() {
        let request = ApiRequest {
            body: None,
            headers: vec![
                ("X-Trace".into(), "abc".into()),
                ("authorization".into(), "Bearer stolen".into()),
                ("DPoP".into(), "a.forged.proof".into()),
            ],
            signal: None,
        };
        let token = AccessToken::new("at");
        let built = build(
            ApiMethod::Get,
            "https://api.example/me",
            &request,
            Some(&token),
        )
        .unwrap();
        let ExtraHeaders(extra) = built.extensions().get::<ExtraHeaders>().unwrap();
        assert_eq!(extra, &vec![("X-Trace".to_owned(), "abc".to_owned())]);
        assert_eq!(built.headers()["authorization"], "Bearer at");
        assert!(built.headers().get("dpop").is_none());

        let bad = |name: &str, value: &str| {
            let request = ApiRequest {
                body: None,
                headers: vec![(name.into(), value.into())],
                signal: None,
            };
            match build(ApiMethod::Get, "https://api.example/me", &request, None) {
                Err(ApiError::InvalidUrl { reason, .. }) => reason,
                other => panic!("{name:?}: {other:?}"),
            }
        };
        assert_eq!(bad("a b", "v"), "invalid HTTP header name");
        assert_eq!(bad("x-ok", "line\nbreak"), "failed to parse header value");
    }

    #[test]
    fn a_body_goes_with_every_method_but_get_and_head_which_refuse_it() {
        let request = ApiRequest {
            body: Some(br#"{"id":7}"#.to_vec()),
            headers: Vec::new(),
            signal: None,
        };
        for method in [
            ApiMethod::Post,
            ApiMethod::Put,
            ApiMethod::Patch,
            ApiMethod::Delete,
            ApiMethod::Options,
        ] {
            let built = build(method, "https://api.example/items/7", &request, None).unwrap();
            assert_eq!(built.body(), br#"{"id":7}"#, "{method:?}");
            assert_eq!(
                built.headers()["content-type"],
                "application/json",
                "{method:?}"
            );
        }
        for method in [ApiMethod::Get, ApiMethod::Head] {
            let refused = build(method, "https://api.example/items/7", &request, None);
            assert_eq!(refused.unwrap_err(), ApiError::BodyNotAllowed { method });
        }
        assert_eq!(
            ApiError::BodyNotAllowed {
                method: ApiMethod::Head
            }
            .to_string(),
            "a HEAD request cannot have a body"
        );
    }
}
