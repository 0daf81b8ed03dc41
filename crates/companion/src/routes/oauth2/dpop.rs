//! DPoP (RFC 9449) through token mediation: the browser signs each proof with a key the
//! companion never sees, for the provider's URL (`htu`: the token endpoint for `/token` and
//! `/refresh`, the revocation endpoint for `/revoke`, the PAR endpoint for `/par`), and sends
//! it in a `DPoP` header to the companion route. The companion passes that one header to the
//! provider unchanged beside its client authentication, and the provider's `DPoP-Nonce`
//! back ([`relay_nonce`]), so the browser can answer a `use_dpop_nonce` challenge (§8) with
//! a new proof. The companion cannot make a proof, so it can neither use a bound token nor
//! obtain one without the browser (docs/security.md).

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use latchkey_proto::dpop::{DPOP_HEADER, DPOP_NONCE_HEADER};
use latchkey_proto::token::AcceptedTokenTypes;

use crate::error::ApiError;

/// The browser's proof, exactly as it arrived.
pub(crate) struct Proof(HeaderValue);

/// The request's `DPoP` header: `None` without one; a 400 for two or more (§4.3 check 1:
/// "not more than one DPoP HTTP request header field") or an empty one.
pub(crate) fn proof(headers: &HeaderMap) -> Result<Option<Proof>, ApiError> {
    let mut all = headers.get_all(DPOP_HEADER).iter();
    let (Some(first), None) = (all.next(), all.next()) else {
        return if headers.contains_key(DPOP_HEADER) {
            Err(ApiError::BadRequest(
                "send one DPoP header: a request carries at most one proof (RFC 9449 §4.3)".into(),
            ))
        } else {
            Ok(None)
        };
    };
    if first.is_empty() {
        return Err(ApiError::BadRequest(
            "the DPoP header is empty: send a proof, or no DPoP header".into(),
        ));
    }
    Ok(Some(Proof(first.clone())))
}

/// Adds the proof, if any, to a request for the provider.
pub(crate) fn attach(req: &mut http::Request<Vec<u8>>, proof: Option<&Proof>) {
    if let Some(Proof(value)) = proof {
        req.headers_mut().insert(DPOP_HEADER, value.clone());
    }
}

/// The token types the answer may carry: a `DPoP` token only when a proof went with the
/// request (RFC 9449 §5); the browser, which chose whether to sign, decides whether it can
/// use a Bearer one.
pub(crate) fn accepted(proof: Option<&Proof>) -> AcceptedTokenTypes {
    match proof {
        Some(_) => AcceptedTokenTypes::BearerOrDpop,
        None => AcceptedTokenTypes::Bearer,
    }
}

/// Copies the provider's `DPoP-Nonce` (§8.1 and §8.2: with a `use_dpop_nonce` error, or a
/// new one with any answer) onto the companion's answer.
pub(crate) fn relay_nonce(from: &http::Response<Vec<u8>>, mut to: Response) -> Response {
    if let Some(nonce) = from.headers().get(DPOP_NONCE_HEADER) {
        to.headers_mut().insert(DPOP_NONCE_HEADER, nonce.clone());
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(DPOP_HEADER, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn one_proof_passes_unchanged_and_two_or_an_empty_one_are_refused() {
        assert!(proof(&HeaderMap::new()).unwrap().is_none());
        let p = proof(&headers(&["eyJ0.eyJ1.c2ln"])).unwrap().unwrap();
        let mut req = http::Request::new(Vec::new());
        attach(&mut req, Some(&p));
        assert_eq!(req.headers().get_all("DPoP").iter().count(), 1);
        assert_eq!(req.headers()["dpop"], "eyJ0.eyJ1.c2ln");
        let mut plain = http::Request::new(Vec::new());
        attach(&mut plain, None);
        assert!(plain.headers().is_empty());
        for bad in [&["a.b.c", "d.e.f"][..], &[""]] {
            let e = proof(&headers(bad)).err().unwrap();
            assert_eq!(e.status(), 400, "{bad:?}");
        }
    }

    #[test]
    fn a_dpop_token_is_accepted_only_after_a_proof() {
        let p = proof(&headers(&["a.b.c"])).unwrap();
        assert_eq!(accepted(p.as_ref()), AcceptedTokenTypes::BearerOrDpop);
        assert_eq!(accepted(None), AcceptedTokenTypes::Bearer);
    }

    #[test]
    fn the_providers_nonce_is_copied_and_nothing_is_made_up() {
        let upstream = http::Response::builder()
            .header("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")
            .body(Vec::new())
            .unwrap();
        let out = relay_nonce(&upstream, ().into_response());
        assert_eq!(out.headers()["dpop-nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
        let out = relay_nonce(&http::Response::new(Vec::new()), ().into_response());
        assert!(out.headers().get("dpop-nonce").is_none());
    }
}
