//! The token-mediation keys of an OAuth 2.0 / OIDC provider.
//!
//! A mediation key without `token_via_companion = true` is an error rather than ignored: the
//! author believes the companion holds a secret or a refresh token that it would not.

use std::path::PathBuf;

use latchkey_proto::public_config::RefreshTokenIn;
use latchkey_proto::token::ClientAuthMethod;

use super::{refuse, Checker};
use crate::config::raw::RawProvider;
use crate::config::{Mediation, SecretSource};

/// Problems were reported to the [`Checker`]; nothing to build.
pub(super) struct Reported;

/// Keys that mean nothing for an OAuth 1.0a provider (its secret is the consumer secret).
pub(super) fn refuse_for_oauth1(c: &mut Checker, p: &RawProvider, id: &str) -> bool {
    let mut ok = true;
    ok &= refuse(
        c,
        id,
        "oauth1",
        "token_via_companion",
        &p.token_via_companion,
    );
    ok &= refuse(c, id, "oauth1", "client_secret_env", &p.client_secret_env);
    ok &= refuse(c, id, "oauth1", "client_secret_file", &p.client_secret_file);
    ok &= refuse(c, id, "oauth1", "token_auth", &p.token_auth);
    ok &= refuse(c, id, "oauth1", "refresh_token_in", &p.refresh_token_in);
    ok
}

/// `token_via_companion`, `client_secret_env` / `client_secret_file`, `token_auth` and
/// `refresh_token_in` of an OAuth 2.0 / OIDC provider: `None` when the browser talks to the
/// token endpoint itself.
pub(super) fn mediation(
    c: &mut Checker,
    p: &RawProvider,
    id: &str,
) -> Result<Option<Mediation>, Reported> {
    let via = p.token_via_companion.as_ref().is_some_and(|v| *v.get_ref());
    let token_auth = token_auth(c, p, id);
    let refresh_token_in = refresh_token_in(c, p, id);
    if !via {
        let mut ok = token_auth.is_some() && refresh_token_in.is_some();
        for (key, v) in [
            ("client_secret_env", &p.client_secret_env),
            ("client_secret_file", &p.client_secret_file),
            ("token_auth", &p.token_auth),
        ] {
            if let Some(v) = v {
                c.at(v, format!("provider {id:?}: `{key}` needs `token_via_companion = true` (without it the browser talks to the token endpoint and no secret is used)"));
                ok = false;
            }
        }
        if let (Some(RefreshTokenIn::Companion), Some(v)) = (refresh_token_in, &p.refresh_token_in)
        {
            c.at(v, format!("provider {id:?}: refresh_token_in = \"companion\" needs `token_via_companion = true` (the companion keeps only refresh tokens it obtained)"));
            ok = false;
        }
        return if ok { Ok(None) } else { Err(Reported) };
    }
    let secret = match (&p.client_secret_env, &p.client_secret_file) {
        (Some(e), None) => Some(SecretSource::Env(c.located(e, e.get_ref().clone()))),
        (None, Some(f)) => Some(SecretSource::File(c.located(f, PathBuf::from(f.get_ref())))),
        (Some(e), Some(_)) => {
            c.at(
                e,
                format!(
                    "provider {id:?}: set only one of `client_secret_env` and `client_secret_file`"
                ),
            );
            None
        }
        (None, None) => {
            let at = p
                .token_via_companion
                .as_ref()
                .map_or_else(|| c.pos(&p.protocol), |v| c.pos(v));
            c.problems.push(crate::config::Problem {
                pos: at,
                message: format!("provider {id:?}: token_via_companion = true needs `client_secret_env` or `client_secret_file` (the secret itself never goes in this file)"),
            });
            None
        }
    };
    match (secret, token_auth, refresh_token_in) {
        (Some(secret), Some(token_auth), Some(refresh_token_in)) => Ok(Some(Mediation {
            secret,
            token_auth,
            refresh_token_in,
        })),
        _ => Err(Reported),
    }
}

fn token_auth(c: &mut Checker, p: &RawProvider, id: &str) -> Option<ClientAuthMethod> {
    match p.token_auth.as_ref().map(|s| (s, s.get_ref().as_str())) {
        None => Some(ClientAuthMethod::default()),
        Some((_, "client_secret_basic")) => Some(ClientAuthMethod::ClientSecretBasic),
        Some((_, "client_secret_post")) => Some(ClientAuthMethod::ClientSecretPost),
        Some((s, other)) => {
            c.at(s, format!("provider {id:?}: token_auth {other:?} is not one of \"client_secret_basic\", \"client_secret_post\""));
            None
        }
    }
}

fn refresh_token_in(c: &mut Checker, p: &RawProvider, id: &str) -> Option<RefreshTokenIn> {
    match p
        .refresh_token_in
        .as_ref()
        .map(|s| (s, s.get_ref().as_str()))
    {
        None | Some((_, "browser")) => Some(RefreshTokenIn::Browser),
        Some((_, "companion")) => Some(RefreshTokenIn::Companion),
        Some((s, other)) => {
            c.at(s, format!("provider {id:?}: refresh_token_in {other:?} is not one of \"browser\", \"companion\""));
            None
        }
    }
}
