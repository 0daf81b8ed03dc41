//! Which URL the companion may post to for a provider: the configured endpoint, else the one
//! in the issuer's metadata (RFC 8414 for `oauth2`, OpenID Connect Discovery for `oidc`).
//!
//! The metadata is fetched once per process and kept; a failed fetch is not kept, so the next
//! request tries again. The document's `issuer` must equal the configured one (proto checks
//! it), so a document cannot point the companion, and the client secret, elsewhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use latchkey_proto::discovery::{self, ProviderMetadata};
use latchkey_proto::public_config::Protocol;

use super::{upstream, Mediated};
use crate::error::ApiError;
use crate::state::AppState;

/// Provider metadata by provider id, filled on first use.
#[derive(Debug, Default)]
pub struct DiscoveryCache(Mutex<HashMap<String, Arc<ProviderMetadata>>>);

impl DiscoveryCache {
    fn get(&self, id: &str) -> Option<Arc<ProviderMetadata>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn put(&self, id: &str, m: Arc<ProviderMetadata>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned(), m);
    }
}

/// The token endpoint: configured, or discovered.
pub(crate) async fn token_endpoint(
    state: &AppState,
    cache: &DiscoveryCache,
    p: &Mediated<'_>,
) -> Result<String, ApiError> {
    if let Some(e) = &p.browser.endpoints.token_endpoint {
        return Ok(e.clone());
    }
    metadata(state, cache, p).await?.token_endpoint.clone().ok_or_else(|| {
        tracing::warn!(provider = p.id, "discovery document has no token_endpoint");
        ApiError::BadGateway(
            "the provider's metadata names no token_endpoint; set `token_endpoint` in the configuration".into(),
        )
    })
}

/// The revocation endpoint (RFC 7009): configured, or discovered; `None` when the provider
/// has none.
pub(crate) async fn revocation_endpoint(
    state: &AppState,
    cache: &DiscoveryCache,
    p: &Mediated<'_>,
) -> Result<Option<String>, ApiError> {
    if let Some(e) = &p.browser.endpoints.revocation_endpoint {
        return Ok(Some(e.clone()));
    }
    if p.browser.issuer.is_none() {
        return Ok(None);
    }
    Ok(metadata(state, cache, p).await?.revocation_endpoint.clone())
}

/// The pushed authorization request endpoint (RFC 9126 §5): configured, or discovered; `None`
/// when the provider has none.
pub(crate) async fn par_endpoint(
    state: &AppState,
    cache: &DiscoveryCache,
    p: &Mediated<'_>,
) -> Result<Option<String>, ApiError> {
    if let Some(e) = &p.browser.endpoints.pushed_authorization_request_endpoint {
        return Ok(Some(e.clone()));
    }
    if p.browser.issuer.is_none() {
        return Ok(None);
    }
    Ok(metadata(state, cache, p)
        .await?
        .pushed_authorization_request_endpoint
        .clone())
}

async fn metadata(
    state: &AppState,
    cache: &DiscoveryCache,
    p: &Mediated<'_>,
) -> Result<Arc<ProviderMetadata>, ApiError> {
    if let Some(m) = cache.get(p.id) {
        return Ok(m);
    }
    let Some(issuer) = &p.browser.issuer else {
        // The configuration check demands an issuer or explicit endpoints.
        return Err(ApiError::Internal(format!(
            "provider {} has neither an issuer nor the endpoint",
            p.id
        )));
    };
    let unusable = |e: discovery::DiscoveryError| {
        tracing::warn!(provider = p.id, error = %e, "discovery failed");
        ApiError::BadGateway("the provider's metadata (discovery) is unusable".into())
    };
    let url = match p.browser.protocol {
        Protocol::Oauth2 => discovery::authorization_server_metadata_url(issuer),
        _ => discovery::openid_configuration_url(issuer),
    }
    .map_err(unusable)?;
    let req = discovery::build_metadata_request(&url).map_err(unusable)?;
    let resp = upstream(state, req, "discovery").await?;
    let m = Arc::new(discovery::parse_metadata_response(&resp, issuer).map_err(unusable)?);
    cache.put(p.id, m.clone());
    Ok(m)
}
