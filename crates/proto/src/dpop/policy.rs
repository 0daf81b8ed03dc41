//! Whether a sign-in uses DPoP: the configured [`DpopMode`] against what the provider's
//! metadata says (RFC 9449 §5.1, `dpop_signing_alg_values_supported`).

use crate::discovery::ProviderMetadata;
use crate::public_config::DpopMode;
use crate::token::AcceptedTokenTypes;

/// What the client does about DPoP with one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopUse {
    /// Send no proof; only a Bearer token is usable.
    Off,
    /// Send proofs; the server decides: a `DPoP` token is bound to the key, a `Bearer` token
    /// means it does not do DPoP (RFC 9449 §5), and is used as such.
    Offered,
    /// Send proofs and accept only a `DPoP` token.
    Required,
}

impl DpopUse {
    /// Whether token requests (and, with a `DPoP` token, resource requests) carry a proof.
    pub fn sends_proof(self) -> bool {
        self != DpopUse::Off
    }

    /// The token types the token response may carry, for
    /// [`crate::token::parse_token_response_accepting`].
    pub fn accepted_token_types(self) -> AcceptedTokenTypes {
        match self {
            DpopUse::Off => AcceptedTokenTypes::Bearer,
            DpopUse::Offered => AcceptedTokenTypes::BearerOrDpop,
            DpopUse::Required => AcceptedTokenTypes::Dpop,
        }
    }
}

/// Why DPoP cannot be used as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DpopPolicyError {
    /// `dpop = "required"`, but the provider lists DPoP algorithms and `ES256` is not one of
    /// them.
    #[error(
        "dpop = \"required\", but the provider's dpop_signing_alg_values_supported ({listed:?}) \
         does not list ES256, the only algorithm Latchkey signs DPoP proofs with (a WebCrypto \
         ECDSA P-256 key); set dpop = \"auto\" or \"off\" for this provider"
    )]
    Es256NotListed {
        /// The algorithms the provider lists.
        listed: Vec<String>,
    },
}

/// Decides whether to use DPoP with a provider.
///
/// - `off`: never.
/// - `auto`: when the metadata lists `ES256` in `dpop_signing_alg_values_supported`; not when
///   it lists other algorithms only, says nothing, or there is no metadata (explicit
///   endpoints without discovery).
/// - `required`: always, unless the metadata lists DPoP algorithms without `ES256` — then no
///   proof the browser can make would be accepted, and the error says so. Metadata that says
///   nothing does not stop it: the provider may support DPoP without advertising it, and
///   [`AcceptedTokenTypes::Dpop`] refuses a Bearer answer anyway.
pub fn decide(
    mode: DpopMode,
    metadata: Option<&ProviderMetadata>,
) -> Result<DpopUse, DpopPolicyError> {
    let es256 = metadata.and_then(ProviderMetadata::lists_dpop_es256);
    match (mode, es256) {
        (DpopMode::Off, _) => Ok(DpopUse::Off),
        (DpopMode::Auto, Some(true)) => Ok(DpopUse::Offered),
        (DpopMode::Auto, _) => Ok(DpopUse::Off),
        (DpopMode::Required, Some(false)) => Err(DpopPolicyError::Es256NotListed {
            listed: metadata
                .and_then(|m| m.dpop_signing_alg_values_supported.clone())
                .unwrap_or_default(),
        }),
        (DpopMode::Required, _) => Ok(DpopUse::Required),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(algs: Option<&[&str]>) -> ProviderMetadata {
        let mut doc = serde_json::json!({ "issuer": "https://idp.example" });
        if let Some(algs) = algs {
            doc["dpop_signing_alg_values_supported"] = serde_json::json!(algs);
        }
        crate::discovery::parse_metadata(doc.to_string().as_bytes(), "https://idp.example").unwrap()
    }

    #[test]
    fn the_decision_table() {
        let es256 = metadata(Some(&["PS256", "ES256"]));
        let rsa_only = metadata(Some(&["RS256"]));
        let silent = metadata(None);
        use DpopMode::*;
        for (mode, meta, expected) in [
            (Off, Some(&es256), DpopUse::Off),
            (Off, Some(&rsa_only), DpopUse::Off),
            (Off, None, DpopUse::Off),
            (Auto, Some(&es256), DpopUse::Offered),
            (Auto, Some(&rsa_only), DpopUse::Off),
            (Auto, Some(&silent), DpopUse::Off),
            (Auto, None, DpopUse::Off),
            (Required, Some(&es256), DpopUse::Required),
            (Required, Some(&silent), DpopUse::Required),
            (Required, None, DpopUse::Required),
        ] {
            assert_eq!(decide(mode, meta), Ok(expected), "{mode:?} {meta:?}");
        }
    }

    #[test]
    fn required_without_es256_is_refused_in_words() {
        let err = decide(
            DpopMode::Required,
            Some(&metadata(Some(&["RS256", "PS256"]))),
        )
        .unwrap_err();
        assert_eq!(
            err,
            DpopPolicyError::Es256NotListed {
                listed: vec!["RS256".into(), "PS256".into()]
            }
        );
        assert_eq!(
            err.to_string(),
            "dpop = \"required\", but the provider's dpop_signing_alg_values_supported \
             ([\"RS256\", \"PS256\"]) does not list ES256, the only algorithm Latchkey signs DPoP \
             proofs with (a WebCrypto ECDSA P-256 key); set dpop = \"auto\" or \"off\" for this \
             provider"
        );
        // An empty list lists no ES256 either.
        assert!(decide(DpopMode::Required, Some(&metadata(Some(&[])))).is_err());
    }

    #[test]
    fn the_use_maps_to_proofs_and_token_types() {
        assert!(!DpopUse::Off.sends_proof());
        assert!(DpopUse::Offered.sends_proof());
        assert!(DpopUse::Required.sends_proof());
        assert_eq!(
            DpopUse::Off.accepted_token_types(),
            AcceptedTokenTypes::Bearer
        );
        assert_eq!(
            DpopUse::Offered.accepted_token_types(),
            AcceptedTokenTypes::BearerOrDpop
        );
        assert_eq!(
            DpopUse::Required.accepted_token_types(),
            AcceptedTokenTypes::Dpop
        );
    }
}
