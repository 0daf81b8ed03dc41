//! A provider's endpoints: the ones `/latchkey.json` names, over the ones discovery finds.
//!
//! Discovery (OIDC Discovery for `oidc`, RFC 8414 for `oauth2` with an issuer) runs at most
//! once per tab session: the metadata document is kept in `sessionStorage` and re-checked
//! by the protocol core when read back, so the `/callback` page after the redirect needs no
//! second round trip.

use latchkey_proto::discovery::{self, ProviderMetadata};
use latchkey_proto::public_config::{Protocol, PublicProvider};

use super::reach::{self, Endpoint};
use super::storage_mode::Area;
use super::DiscoveryError;
use crate::browser::fetch::Peer;
use crate::browser::storage;

/// Where a provider's endpoints ended up.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The issuer (configured; discovery checked the document names the same one).
    pub issuer: Option<String>,
    /// RFC 6749 §3.1.
    pub authorization_endpoint: Option<String>,
    /// RFC 6749 §3.2.
    pub token_endpoint: Option<String>,
    /// OIDC Core §5.3.
    pub userinfo_endpoint: Option<String>,
    /// RFC 7009.
    pub revocation_endpoint: Option<String>,
    /// OIDC RP-Initiated Logout.
    pub end_session_endpoint: Option<String>,
    /// RFC 7517 key set.
    pub jwks_uri: Option<String>,
    /// The discovered document, when discovery ran.
    pub metadata: Option<ProviderMetadata>,
}

fn cache_key(provider_id: &str) -> String {
    format!("latchkey.meta.{provider_id}")
}

/// Whether discovery is needed: OIDC always (the `iss` response parameter support, the
/// logout endpoint and the key set come from it) unless every endpoint that matters is
/// configured; OAuth 2.0 only to fill a missing authorization or token endpoint. Either way
/// also for `par = true` without a configured PAR endpoint, when there is an issuer to ask:
/// only its metadata can then say where to push.
fn needs_discovery(p: &PublicProvider) -> bool {
    let e = &p.endpoints;
    let core_known = e.authorization_endpoint.is_some() && e.token_endpoint.is_some();
    let push_to_unknown =
        p.par && e.pushed_authorization_request_endpoint.is_none() && p.issuer.is_some();
    push_to_unknown
        || match p.protocol {
            Protocol::Oidc => !(core_known && e.jwks_uri.is_some()),
            Protocol::Oauth2 => !core_known,
            Protocol::Oauth1 => false,
        }
}

/// The endpoints of `p`, discovering when needed. A failure is never kept: the next call
/// asks again.
pub async fn resolve(p: &PublicProvider) -> Result<Resolved, DiscoveryError> {
    let metadata = if needs_discovery(p) {
        let issuer = p.issuer.as_deref().ok_or_else(|| {
            DiscoveryError::Invalid("no issuer is configured, and endpoints are missing".into())
        })?;
        Some(discover(p, issuer).await?)
    } else {
        None
    };
    let pick = |explicit: &Option<String>, found: Option<&Option<String>>| {
        explicit.clone().or_else(|| found.cloned().flatten())
    };
    let m = metadata.as_ref();
    let e = &p.endpoints;
    Ok(Resolved {
        issuer: p.issuer.clone(),
        authorization_endpoint: pick(
            &e.authorization_endpoint,
            m.map(|m| &m.authorization_endpoint),
        ),
        token_endpoint: pick(&e.token_endpoint, m.map(|m| &m.token_endpoint)),
        userinfo_endpoint: pick(&e.userinfo_endpoint, m.map(|m| &m.userinfo_endpoint)),
        revocation_endpoint: pick(&e.revocation_endpoint, m.map(|m| &m.revocation_endpoint)),
        end_session_endpoint: pick(&e.end_session_endpoint, m.map(|m| &m.end_session_endpoint)),
        jwks_uri: pick(&e.jwks_uri, m.map(|m| &m.jwks_uri)),
        metadata,
    })
}

async fn discover(p: &PublicProvider, issuer: &str) -> Result<ProviderMetadata, DiscoveryError> {
    let invalid = |e: &dyn std::fmt::Display| DiscoveryError::Invalid(e.to_string());
    let key = cache_key(&p.id);
    if let Ok(Some(cached)) = storage::get(Area::Session, &key) {
        if let Ok(m) = discovery::parse_metadata(cached.as_bytes(), issuer) {
            return Ok(m);
        }
    }
    let url = match p.protocol {
        Protocol::Oauth2 => discovery::authorization_server_metadata_url(issuer),
        _ => discovery::openid_configuration_url(issuer),
    }
    .map_err(|e| invalid(&e))?;
    let request = discovery::build_metadata_request(&url).map_err(|e| invalid(&e))?;
    let response = reach::send(request, Peer::Provider, Endpoint::Discovery)
        .await
        .map_err(DiscoveryError::NoAnswer)?;
    let metadata =
        discovery::parse_metadata_response(&response, issuer).map_err(|e| invalid(&e))?;
    // A failed write only costs a second discovery on the callback page.
    let _ = storage::set(
        Area::Session,
        &key,
        &String::from_utf8_lossy(response.body()),
    );
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use latchkey_proto::public_config::{PublicConfig, PublicProvider};

    use super::needs_discovery;

    /// A provider with the authorization, token and key-set endpoints configured, `more`
    /// endpoints, and `extra` members.
    fn configured(protocol: &str, more: &str, extra: &str) -> PublicProvider {
        let file = format!(
            r#"{{"providers":[{{"id":"op","name":"OP","protocol":"{protocol}",
            "endpoints":{{"authorization_endpoint":"https://op.example/a",
              "token_endpoint":"https://op.example/t","jwks_uri":"https://op.example/k"{more}}}
            {extra}}}]}}"#
        );
        PublicConfig::from_json(file.as_bytes())
            .expect("a valid file")
            .providers
            .remove(0)
    }

    #[test]
    fn configured_endpoints_spare_discovery_unless_par_needs_the_metadata() {
        let issuer = r#","issuer":"https://op.example""#;
        let par = r#","issuer":"https://op.example","par":true"#;
        let par_endpoint = r#","pushed_authorization_request_endpoint":"https://op.example/p""#;
        for protocol in ["oidc", "oauth2"] {
            assert!(
                !needs_discovery(&configured(protocol, "", issuer)),
                "{protocol}"
            );
            // Pushing, and only the metadata can say where.
            assert!(
                needs_discovery(&configured(protocol, "", par)),
                "{protocol}"
            );
            // Pushing to a configured endpoint.
            assert!(
                !needs_discovery(&configured(protocol, par_endpoint, par)),
                "{protocol}"
            );
        }
        // No issuer to ask: sign-in says that nothing names a PAR endpoint.
        assert!(!needs_discovery(&configured(
            "oauth2",
            "",
            r#","par":true"#
        )));
    }
}
