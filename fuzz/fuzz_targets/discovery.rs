//! Discovery metadata (`parse_metadata`) against a fixed issuer, and the metadata URL builder
//! over arbitrary issuers. The input's first line is the issuer the caller expects when it
//! starts with `issuer=`; otherwise `https://idp.example` is expected.
#![no_main]

use latchkey_proto::discovery::{
    authorization_server_metadata_url, openid_configuration_url, parse_metadata, DiscoveryError,
};
use latchkey_proto::form::{check_endpoint, MAX_KEPT_BODY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (issuer, body) = match data.strip_prefix(b"issuer=") {
        Some(rest) => {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let (line, tail) = rest.split_at(end);
            (String::from_utf8_lossy(line).into_owned(), tail)
        }
        None => ("https://idp.example".to_owned(), data),
    };
    match parse_metadata(body, &issuer) {
        Ok(metadata) => {
            assert_eq!(metadata.issuer, issuer);
            for url in [
                &metadata.authorization_endpoint,
                &metadata.token_endpoint,
                &metadata.userinfo_endpoint,
                &metadata.jwks_uri,
                &metadata.revocation_endpoint,
                &metadata.end_session_endpoint,
            ]
            .into_iter()
            .flatten()
            {
                assert!(check_endpoint(url).is_ok(), "accepted endpoint {url:?}");
            }
        }
        Err(DiscoveryError::NotAnObject { body })
        | Err(DiscoveryError::InvalidField { body, .. }) => {
            assert!(body.len() <= MAX_KEPT_BODY)
        }
        Err(_) => {}
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(url) = openid_configuration_url(&text) {
        assert!(url.ends_with("/.well-known/openid-configuration"));
        assert!(!text.contains('#') && !text.contains('?'));
    }
    let _ = authorization_server_metadata_url(&text);
});
