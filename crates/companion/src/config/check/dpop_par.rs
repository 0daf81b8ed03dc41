//! `dpop` and `par` of an OAuth 2.0 / OIDC provider (issue 20): whether the browser binds its
//! tokens to a key it holds (DPoP, RFC 9449) and pushes its authorization requests (PAR,
//! RFC 9126). Both are published in `/latchkey.json` for the browser, which does the work;
//! for a mediated provider the companion relays the browser's proofs and pushes
//! (`routes::oauth2`).

use latchkey_proto::public_config::DpopMode;

use super::{refuse, Checker};
use crate::config::raw::RawProvider;

/// `dpop = "auto" | "required" | "off"` (default `auto`) and `par = true | false` (default
/// `false`; `true` needs an issuer or a `pushed_authorization_request_endpoint`); `None` after
/// a problem.
pub(super) fn keys(c: &mut Checker, p: &RawProvider, id: &str) -> Option<(DpopMode, bool)> {
    let dpop = match p.dpop.as_ref().map(|s| (s, s.get_ref().as_str())) {
        None | Some((_, "auto")) => DpopMode::Auto,
        Some((_, "required")) => DpopMode::Required,
        Some((_, "off")) => DpopMode::Off,
        Some((s, other)) => {
            c.at(
                s,
                format!(
                    "provider {id:?}: dpop {other:?} is not one of \"auto\", \"required\", \"off\""
                ),
            );
            return None;
        }
    };
    let par = p.par.as_ref().is_some_and(|v| *v.get_ref());
    if let (Some(s), true) = (&p.par, par) {
        if p.issuer.is_none() && p.pushed_authorization_request_endpoint.is_none() {
            c.at(
                s,
                format!(
                    "provider {id:?}: par = true needs pushed_authorization_request_endpoint: \
                     without an issuer, no metadata can say where to push"
                ),
            );
            return None;
        }
    }
    Some((dpop, par))
}

/// OAuth 1.0a has neither: its requests are signed with the token secret instead (RFC 5849
/// §3), and there is no authorization request to push.
pub(super) fn refuse_for_oauth1(c: &mut Checker, p: &RawProvider, id: &str) -> bool {
    refuse(c, id, "oauth1", "dpop", &p.dpop) & refuse(c, id, "oauth1", "par", &p.par)
}
