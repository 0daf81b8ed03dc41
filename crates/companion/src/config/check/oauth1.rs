//! The keys of an OAuth 1.0a provider (RFC 5849): its three endpoints, the consumer key, the
//! signature method and where its secret comes from. Keys of the OAuth 2.0 / OIDC providers
//! are refused here rather than ignored.

use std::path::PathBuf;

use latchkey_proto::oauth1::SignatureMethod;
use latchkey_proto::public_config::Protocol;

use super::{dpop_par, mediation, redirect_uri, refuse, Checker};
use crate::config::raw::{RawProvider, S};
use crate::config::{OAuth1Provider, SecretSource};

pub(super) fn oauth1(c: &mut Checker, p: &RawProvider, id: &str) -> Option<OAuth1Provider> {
    let name = "oauth1";
    let mut ok = true;
    ok &= refuse(c, id, name, "issuer", &p.issuer);
    ok &= refuse(c, id, name, "client_id", &p.client_id);
    ok &= refuse(c, id, name, "scopes", &p.scopes);
    ok &= refuse(c, id, name, "session_storage", &p.session_storage);
    ok &= refuse(
        c,
        id,
        name,
        "authorization_endpoint",
        &p.authorization_endpoint,
    );
    ok &= refuse(c, id, name, "token_endpoint", &p.token_endpoint);
    ok &= refuse(c, id, name, "userinfo_endpoint", &p.userinfo_endpoint);
    ok &= refuse(c, id, name, "revocation_endpoint", &p.revocation_endpoint);
    ok &= refuse(c, id, name, "end_session_endpoint", &p.end_session_endpoint);
    ok &= refuse(c, id, name, "jwks_uri", &p.jwks_uri);
    ok &= refuse(
        c,
        id,
        name,
        "pushed_authorization_request_endpoint",
        &p.pushed_authorization_request_endpoint,
    );
    ok &= mediation::refuse_for_oauth1(c, p, id);
    ok &= dpop_par::refuse_for_oauth1(c, p, id);
    ok &= redirect_uri(c, p, id, Protocol::Oauth1).is_ok();
    ok &= refuse(c, id, "oauth1", "authorize_params", &p.authorize_params);

    let required_url = |c: &mut Checker, key: &str, v: &Option<S>| match v {
        Some(s) => c.url(&format!("provider {id:?}: {key}"), s),
        None => {
            c.at(
                &p.protocol,
                format!("provider {id:?}: protocol \"oauth1\" needs `{key}`"),
            );
            None
        }
    };
    let request_token_url = required_url(c, "request_token_url", &p.request_token_url);
    let authorize_url = required_url(c, "authorize_url", &p.authorize_url);
    let access_token_url = required_url(c, "access_token_url", &p.access_token_url);
    let consumer_key = match &p.consumer_key {
        Some(s) if !s.get_ref().is_empty() => Some(s.get_ref().clone()),
        Some(s) => {
            c.at(
                s,
                format!("provider {id:?}: consumer_key must not be empty"),
            );
            None
        }
        None => {
            c.at(
                &p.protocol,
                format!("provider {id:?}: protocol \"oauth1\" needs `consumer_key`"),
            );
            None
        }
    };
    let signature_method = match &p.signature_method {
        None => Some(SignatureMethod::HmacSha1),
        Some(s) => match s.get_ref().parse::<SignatureMethod>() {
            Ok(m) => Some(m),
            Err(e) => {
                c.at(s, format!("provider {id:?}: {e}"));
                None
            }
        },
    };
    // RFC 5849 §3.4.4: a PLAINTEXT "signature" is the secrets themselves, so it may only
    // travel over TLS, to the provider and to its API alike.
    if let (Some(SignatureMethod::Plaintext), Some(s)) = (signature_method, &p.signature_method) {
        let plain: Vec<&str> = [&request_token_url, &access_token_url]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .chain(p.api_base.as_ref().map(|b| b.get_ref().as_str()))
            .filter(|u| !u.starts_with("https://"))
            .collect();
        if !plain.is_empty() {
            c.at(s, format!("provider {id:?}: signature_method \"PLAINTEXT\" sends the secrets in the header, so every URL must be https; not: {}", plain.join(", ")));
            ok = false;
        }
    }
    let secret = match (
        signature_method,
        &p.consumer_secret_env,
        &p.consumer_secret_file,
        &p.rsa_key_file,
    ) {
        (None, ..) => None,
        (Some(m), env, file, rsa) if m.uses_rsa_key() => {
            ok &= refuse(c, id, m.as_str(), "consumer_secret_env", env);
            ok &= refuse(c, id, m.as_str(), "consumer_secret_file", file);
            match rsa {
                Some(f) => Some(SecretSource::File(c.located(f, PathBuf::from(f.get_ref())))),
                None => {
                    c.at(&p.protocol, format!("provider {id:?}: signature_method {:?} needs `rsa_key_file` (a PEM private key)", m.as_str()));
                    None
                }
            }
        }
        (Some(m), env, file, rsa) => {
            ok &= refuse(c, id, m.as_str(), "rsa_key_file", rsa);
            match (env, file) {
                (Some(e), None) => Some(SecretSource::Env(c.located(e, e.get_ref().clone()))),
                (None, Some(f)) => {
                    Some(SecretSource::File(c.located(f, PathBuf::from(f.get_ref()))))
                }
                (Some(e), Some(_)) => {
                    c.at(e, format!("provider {id:?}: set only one of `consumer_secret_env` and `consumer_secret_file`"));
                    None
                }
                (None, None) => {
                    c.at(&p.protocol, format!("provider {id:?}: protocol \"oauth1\" needs `consumer_secret_env` or `consumer_secret_file` (the secret itself never goes in this file)"));
                    None
                }
            }
        }
    };
    let o = OAuth1Provider {
        request_token_url: request_token_url?,
        authorize_url: authorize_url?,
        access_token_url: access_token_url?,
        consumer_key: consumer_key?,
        signature_method: signature_method?,
        secret: secret?,
    };
    ok.then_some(o)
}
