//! The API console: a call with the session's credentials, to the provider's API only.

use std::rc::Rc;

use latchkey_proto::public_config::Protocol;
use latchkey_proto::secret::AccessToken;

use super::api_target::{self, ApiMethod};
use super::engine::Engine;
use super::ApiError;
use crate::browser::fetch::{self, Peer};

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
    /// [`words::API_BODY_LIMIT`] characters is cut with a note.
    pub body: String,
    /// True when the first attempt got a 401 and the session was refreshed and the call
    /// retried once.
    pub retried_after_refresh: bool,
}

fn build(
    method: ApiMethod,
    url: &str,
    body: Option<&str>,
    bearer: Option<&AccessToken>,
) -> Result<http::Request<Vec<u8>>, ApiError> {
    let url = api_target::encode_typed_url(url);
    let mut builder = http::Request::builder()
        .method(method.as_str())
        .uri(url.as_str())
        .header(
            http::header::ACCEPT,
            "application/json, text/plain;q=0.9, */*;q=0.5",
        );
    if let Some(token) = bearer {
        // RFC 6750 §2.1.
        builder = builder.header(
            http::header::AUTHORIZATION,
            format!("Bearer {}", token.secret()),
        );
    }
    let body = match body.filter(|_| method.has_body()) {
        Some(text) => {
            builder = builder.header(
                http::header::CONTENT_TYPE,
                api_target::body_content_type(text),
            );
            text.as_bytes().to_vec()
        }
        None => Vec::new(),
    };
    builder.body(body).map_err(|e| ApiError::InvalidUrl {
        url: url.clone(),
        reason: e.to_string(),
    })
}

async fn send(request: http::Request<Vec<u8>>, peer: Peer) -> Result<ApiResult, ApiError> {
    let response = fetch::send(request, peer)
        .await
        .map_err(|e| ApiError::Network { reason: e.detail })?;
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(ApiResult {
        status: response.status().as_u16(),
        status_text: response
            .status()
            .canonical_reason()
            .unwrap_or_default()
            .to_owned(),
        body: api_target::render_body(content_type.as_deref(), response.body()),
        content_type,
        retried_after_refresh: false,
    })
}

impl Engine {
    fn current_access(&self) -> Option<AccessToken> {
        self.session
            .borrow()
            .as_ref()
            .and_then(|s| s.access_token.clone())
    }

    pub(super) async fn run_api_call(
        self: Rc<Self>,
        method: ApiMethod,
        path: String,
        body: Option<String>,
    ) -> Result<ApiResult, ApiError> {
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
        if protocol == Protocol::Oauth1 {
            let url = api_target::oauth1_api_path(&p.id, &path)?;
            return send(build(method, &url, body.as_deref(), None)?, Peer::Companion).await;
        }
        let base = p.api_base.clone().ok_or_else(|| ApiError::NoApiBase {
            provider: p.name.clone(),
        })?;
        let url = api_target::resolve(&base, &path)?;
        let access = self.current_access().ok_or(ApiError::NotSignedIn)?;
        let first = send(
            build(method, &url, body.as_deref(), Some(&access))?,
            Peer::Provider,
        )
        .await?;
        if first.status != 401 || !can_refresh {
            return Ok(first);
        }
        if let Err(e) = self.refresh(&p.id).await {
            if !e.is_transient() {
                self.clear(Some(e.failure(&p.name, &p.id)));
            }
            return Err(ApiError::Refresh(e));
        }
        let access = self.current_access().ok_or(ApiError::NotSignedIn)?;
        let mut second = send(
            build(method, &url, body.as_deref(), Some(&access))?,
            Peer::Provider,
        )
        .await?;
        second.retried_after_refresh = true;
        Ok(second)
    }
}
