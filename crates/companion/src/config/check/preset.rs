//! `preset = "<name>"` (and Entra's `tenant`): the preset fills every key the entry leaves
//! unset ([`latchkey_proto::preset::apply`]) before the other checks run, so a preset's value
//! is checked exactly like one the author wrote; a problem with a filled value points at the
//! `preset` line. Keys the entry sets itself always win.

use std::ops::Range;

use latchkey_proto::preset::{self, Key, ProviderEntry, Value};
use toml::Spanned;

use super::Checker;
use crate::config::raw::{is_unset, RawProvider, S};

/// Problems were reported to the [`Checker`]; skip this provider.
pub(super) struct Reported;

/// The entry with its preset applied (`None`: it has no preset and is used as written).
pub(super) fn expand(c: &mut Checker, p: &RawProvider) -> Result<Option<RawProvider>, Reported> {
    let id = p.id.get_ref();
    let expanded = match (&p.preset, &p.tenant) {
        (None, Some(t)) => {
            c.at(
                t,
                format!("provider {id:?}: `tenant` needs `preset = \"entra\"`"),
            );
            return Err(Reported);
        }
        (None, None) => None,
        (Some(name), tenant) => {
            let found = preset::lookup(
                name.get_ref(),
                tenant.as_ref().map(|t| t.get_ref().as_str()),
            );
            let found = match found {
                Ok(found) => found,
                Err(e) => {
                    // The tenant's own problem points at `tenant`, the rest at `preset`.
                    let at = match (&e, tenant) {
                        (preset::PresetError::Tenant(_), Some(t))
                        | (preset::PresetError::TenantNotApplicable { .. }, Some(t)) => t,
                        _ => name,
                    };
                    c.at(at, format!("provider {id:?}: {e}"));
                    return Err(Reported);
                }
            };
            let mut entry = Filling {
                p: p.clone(),
                at: name.span(),
            };
            if let Err(e) = preset::apply(&found, &mut entry) {
                c.at(&p.protocol, format!("provider {id:?}: {e}"));
                return Err(Reported);
            }
            Some(entry.p)
        }
    };
    let q = expanded.as_ref().unwrap_or(p);
    let mut ok = true;
    for (key, v) in [("name", &q.name), ("protocol", &q.protocol)] {
        if is_unset(v) {
            c.at(
                &q.id,
                format!("provider {id:?}: needs `{key}` (or a `preset` that sets it)"),
            );
            ok = false;
        }
    }
    if ok {
        Ok(expanded)
    } else {
        Err(Reported)
    }
}

/// A copy of the entry being filled; filled values carry the span of the `preset` value.
struct Filling {
    p: RawProvider,
    at: Range<usize>,
}

fn text(p: &RawProvider, key: Key) -> Option<&Option<S>> {
    Some(match key {
        Key::Issuer => &p.issuer,
        Key::AuthorizationEndpoint => &p.authorization_endpoint,
        Key::TokenEndpoint => &p.token_endpoint,
        Key::UserinfoEndpoint => &p.userinfo_endpoint,
        Key::RevocationEndpoint => &p.revocation_endpoint,
        Key::EndSessionEndpoint => &p.end_session_endpoint,
        Key::JwksUri => &p.jwks_uri,
        Key::ApiBase => &p.api_base,
        Key::TokenAuth => &p.token_auth,
        Key::RequestTokenUrl => &p.request_token_url,
        Key::AuthorizeUrl => &p.authorize_url,
        Key::AccessTokenUrl => &p.access_token_url,
        Key::SignatureMethod => &p.signature_method,
        _ => return None,
    })
}

fn text_mut(p: &mut RawProvider, key: Key) -> Option<&mut Option<S>> {
    Some(match key {
        Key::Issuer => &mut p.issuer,
        Key::AuthorizationEndpoint => &mut p.authorization_endpoint,
        Key::TokenEndpoint => &mut p.token_endpoint,
        Key::UserinfoEndpoint => &mut p.userinfo_endpoint,
        Key::RevocationEndpoint => &mut p.revocation_endpoint,
        Key::EndSessionEndpoint => &mut p.end_session_endpoint,
        Key::JwksUri => &mut p.jwks_uri,
        Key::ApiBase => &mut p.api_base,
        Key::TokenAuth => &mut p.token_auth,
        Key::RequestTokenUrl => &mut p.request_token_url,
        Key::AuthorizeUrl => &mut p.authorize_url,
        Key::AccessTokenUrl => &mut p.access_token_url,
        Key::SignatureMethod => &mut p.signature_method,
        _ => return None,
    })
}

impl ProviderEntry for Filling {
    fn get(&self, key: Key) -> Option<Value<'_>> {
        let p = &self.p;
        fn required(s: &S) -> Option<Value<'_>> {
            (!is_unset(s)).then(|| Value::Text(s.get_ref()))
        }
        match key {
            Key::Name => required(&p.name),
            Key::Protocol => required(&p.protocol),
            Key::Scopes => p.scopes.as_ref().map(|s| Value::List(s.get_ref())),
            Key::TokenViaCompanion => p
                .token_via_companion
                .as_ref()
                .map(|b| Value::Bool(*b.get_ref())),
            other => text(p, other)?.as_ref().map(|s| Value::Text(s.get_ref())),
        }
    }

    fn set(&mut self, key: Key, value: Value<'_>) {
        let at = self.at.clone();
        let p = &mut self.p;
        match (key, value) {
            (Key::Name, Value::Text(v)) => p.name = Spanned::new(at, v.to_owned()),
            (Key::Protocol, Value::Text(v)) => p.protocol = Spanned::new(at, v.to_owned()),
            (Key::Scopes, Value::List(v)) => p.scopes = Some(Spanned::new(at, v.to_vec())),
            (Key::TokenViaCompanion, Value::Bool(v)) => {
                p.token_via_companion = Some(Spanned::new(at, v))
            }
            (other, Value::Text(v)) => {
                if let Some(slot) = text_mut(p, other) {
                    *slot = Some(Spanned::new(at, v.to_owned()));
                }
            }
            // proto pairs each key with its own value kind; nothing else is sent.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
