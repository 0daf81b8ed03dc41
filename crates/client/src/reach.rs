//! When a provider gives no answer: telling "down" from "refuses browsers", and saying so.
//!
//! A cross-origin `fetch` rejects with the same TypeError whether the server is down or
//! answered without CORS headers. A second, `mode: "no-cors"` request to the same URL
//! tells them apart: an opaque answer means the server is up and refused the read; a
//! second rejection means nothing is there. The decision is [`classify`], tested natively.

use crate::browser::fetch::{
    self, Ending, FetchError, FetchFailure, Peer, Probe, FETCH_TIMEOUT_MS,
};

/// Why a request got no usable answer, once the probe (if any) has spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing answered: the provider is down, its name does not resolve, or this browser
    /// is offline. Trying again later may work.
    Unreachable,
    /// The server is up but sends no CORS headers to this origin: a browser can never read
    /// its answers. Only configuration fixes this.
    CorsRefused,
    /// No whole answer within the fetch timeout.
    TimedOut,
    /// The answer broke off in the middle.
    Cut,
    /// The request could not be made (a bad URL).
    Unsendable,
    /// The endpoint answered with a redirect, which is not followed: the request (a code
    /// and verifier, a refresh token) is not sent a second time, anywhere.
    Redirected,
    /// The page called the request off (its `AbortSignal`, on an API call).
    Aborted,
}

/// Whether a failure of this kind is worth a `no-cors` probe.
pub fn needs_probe(kind: FetchFailure, peer: Peer) -> bool {
    kind == FetchFailure::Rejected && peer != Peer::Companion
}

/// The verdict from the failure and, for a rejected cross-origin fetch, the probe.
pub fn classify(kind: FetchFailure, probe: Option<Probe>) -> Reach {
    match kind {
        FetchFailure::TimedOut => Reach::TimedOut,
        FetchFailure::BodyCut => Reach::Cut,
        FetchFailure::Unsendable => Reach::Unsendable,
        FetchFailure::Redirected => Reach::Redirected,
        FetchFailure::Aborted => Reach::Aborted,
        FetchFailure::Rejected => match probe {
            Some(Probe::Opaque) => Reach::CorsRefused,
            // A readable probe means the first rejection was a passing network failure.
            Some(Probe::Readable) | Some(Probe::Failed) | None => Reach::Unreachable,
        },
    }
}

/// Which of a provider's endpoints was asked, for the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The discovery document.
    Discovery,
    /// The token endpoint (code exchange, refresh).
    Token,
    /// The ID token signing keys.
    Keys,
    /// Userinfo.
    Userinfo,
    /// Revocation.
    Revocation,
    /// The pushed authorization request endpoint (PAR, RFC 9126).
    Par,
    /// The provider's API (`api_base`).
    Api,
    /// The companion on this origin (a mediated call that got no answer from it).
    Companion,
}

impl Endpoint {
    fn noun(self) -> &'static str {
        match self {
            Endpoint::Discovery => "sign-in settings (its discovery document)",
            Endpoint::Token => "token endpoint",
            Endpoint::Keys => "signing keys",
            Endpoint::Userinfo => "profile (userinfo) endpoint",
            Endpoint::Revocation => "revocation endpoint",
            Endpoint::Par => "pushed authorization request endpoint",
            Endpoint::Api => "API",
            Endpoint::Companion => "sign-in server (the companion)",
        }
    }
}

/// A request to a provider that got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAnswer {
    /// Why.
    pub reach: Reach,
    /// Which endpoint.
    pub endpoint: Endpoint,
    /// The browser's own words, for the console.
    pub detail: String,
}

impl NoAnswer {
    /// True when trying again later may work (everything but a CORS refusal or a bad URL).
    pub fn is_transient(&self) -> bool {
        !matches!(self.reach, Reach::CorsRefused | Reach::Unsendable)
    }

    /// One or two sentences naming the provider, without the browser's internals.
    pub fn sentence(&self, provider: &str) -> String {
        let what = self.endpoint.noun();
        let whose = match self.endpoint {
            Endpoint::Companion => "this site's".to_owned(),
            _ => format!("{provider}'s"),
        };
        match (self.reach, self.endpoint) {
            (Reach::CorsRefused, Endpoint::Token) => format!(
                "{provider} refuses token requests from browsers (its token endpoint sends no CORS headers). \
                 Set `token_via_companion = true` with a client secret for this provider in latchkey.toml (see docs/providers.md)."
            ),
            (Reach::CorsRefused, _) => format!(
                "{provider}'s {what} refuses requests from browsers (it sends no CORS headers to this site)."
            ),
            (Reach::Unreachable, _) => format!(
                "Could not reach {whose} {what}: it may be down, or this device may be offline."
            ),
            (Reach::TimedOut, _) => format!(
                "No answer from {whose} {what} within {} seconds.",
                FETCH_TIMEOUT_MS / 1000
            ),
            (Reach::Cut, _) => format!("The answer from {whose} {what} broke off half way."),
            (Reach::Redirected, _) => format!(
                "{provider}'s {what} answered with a redirect to another address. Latchkey does \
                 not follow it, so nothing was sent there; the endpoint in the configuration \
                 must be the provider's final address."
            ),
            (Reach::Aborted, _) => format!("The request to {whose} {what} was called off."),
            (Reach::Unsendable, _) => {
                format!("The request to {whose} {what} could not be made ({}).", self.detail)
            }
        }
    }
}

/// Sends a request and, when a cross-origin one is rejected, probes to say why.
pub async fn send(
    request: http::Request<Vec<u8>>,
    peer: Peer,
    endpoint: Endpoint,
) -> Result<http::Response<Vec<u8>>, NoAnswer> {
    let answer = open_with(request, peer, endpoint, Ending::Deadline).await?;
    read(answer, peer, endpoint).await
}

/// Reads an answer's body to the end ([`fetch::Answer::read`]), a failure worded as
/// [`send`] words it.
pub async fn read(
    answer: fetch::Answer,
    peer: Peer,
    endpoint: Endpoint,
) -> Result<http::Response<Vec<u8>>, NoAnswer> {
    let endpoint = asked(peer, endpoint);
    answer
        .read()
        .await
        .map_err(|e| no_answer(e, endpoint, None))
}

/// [`send`] up to the answer's status and headers, ending early as `ending` says
/// ([`fetch::open`]); its body is still coming, and a failure to read it is the reader's to
/// word.
pub async fn open_with(
    request: http::Request<Vec<u8>>,
    peer: Peer,
    endpoint: Endpoint,
    ending: Ending<'_>,
) -> Result<fetch::Answer, NoAnswer> {
    let url = request.uri().to_string();
    let endpoint = asked(peer, endpoint);
    match fetch::open(request, peer, ending).await {
        Ok(answer) => Ok(answer),
        Err(e) => {
            let probe = if needs_probe(e.kind, peer) {
                Some(fetch::probe_no_cors(&url).await)
            } else {
                None
            };
            Err(no_answer(e, endpoint, probe))
        }
    }
}

/// A same-origin call goes to the companion: if it does not answer, say so, not the provider.
fn asked(peer: Peer, endpoint: Endpoint) -> Endpoint {
    match peer {
        Peer::Companion => Endpoint::Companion,
        Peer::Provider | Peer::Api => endpoint,
    }
}

/// The verdict on a failed request, told on the console too.
fn no_answer(e: FetchError, endpoint: Endpoint, probe: Option<Probe>) -> NoAnswer {
    let FetchError { kind, detail } = e;
    // A call the page called off is what the page asked for, not a fault.
    if kind != FetchFailure::Aborted {
        web_sys::console::warn_1(&format!("latchkey: {detail}").into());
    }
    NoAnswer {
        reach: classify(kind, probe),
        endpoint,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_fetch_with_an_opaque_probe_is_a_cors_refusal() {
        assert_eq!(
            classify(FetchFailure::Rejected, Some(Probe::Opaque)),
            Reach::CorsRefused
        );
    }

    #[test]
    fn a_rejected_fetch_whose_probe_fails_too_is_unreachable() {
        assert_eq!(
            classify(FetchFailure::Rejected, Some(Probe::Failed)),
            Reach::Unreachable
        );
        assert_eq!(
            classify(FetchFailure::Rejected, Some(Probe::Readable)),
            Reach::Unreachable
        );
        assert_eq!(classify(FetchFailure::Rejected, None), Reach::Unreachable);
    }

    #[test]
    fn timeouts_and_cut_bodies_are_not_probed_and_keep_their_kind() {
        for kind in [FetchFailure::TimedOut, FetchFailure::BodyCut] {
            assert!(!needs_probe(kind, Peer::Provider));
        }
        assert_eq!(classify(FetchFailure::TimedOut, None), Reach::TimedOut);
        assert_eq!(classify(FetchFailure::BodyCut, None), Reach::Cut);
    }

    #[test]
    fn only_a_rejected_cross_origin_fetch_is_probed() {
        assert!(needs_probe(FetchFailure::Rejected, Peer::Provider));
        assert!(needs_probe(FetchFailure::Rejected, Peer::Api));
        // The companion is same-origin: CORS cannot be the reason.
        assert!(!needs_probe(FetchFailure::Rejected, Peer::Companion));
        // A redirect was an answer: nothing to probe.
        assert!(!needs_probe(FetchFailure::Redirected, Peer::Provider));
    }

    #[test]
    fn a_redirect_is_named_and_keeps_what_was_not_re_sent() {
        assert_eq!(classify(FetchFailure::Redirected, None), Reach::Redirected);
        let s = NoAnswer {
            reach: Reach::Redirected,
            endpoint: Endpoint::Token,
            detail: "fetch http://idp/token: answered with a redirect, not followed".into(),
        };
        let text = s.sentence("Django");
        assert!(
            text.starts_with("Django's token endpoint answered with a redirect"),
            "{text}"
        );
        assert!(text.contains("nothing was sent there"), "{text}");
        assert!(!text.contains("http://idp"), "{text}");
        // A refresh that met a redirect keeps its refresh token: the provider never saw it
        // used, so the session is kept and "Try again" may renew once the endpoint is fixed.
        assert!(s.is_transient());
    }

    #[test]
    fn a_cors_refusal_at_the_token_endpoint_says_how_to_fix_the_config() {
        let s = NoAnswer {
            reach: Reach::CorsRefused,
            endpoint: Endpoint::Token,
            detail: "TypeError: Failed to fetch".into(),
        };
        let text = s.sentence("GitHub");
        assert!(text.starts_with("GitHub refuses token requests from browsers"));
        assert!(text.contains("token_via_companion = true"));
        assert!(text.contains("docs/providers.md"));
        assert!(!text.contains("TypeError"));
        assert!(!s.is_transient());
    }

    #[test]
    fn an_unreachable_token_endpoint_is_not_blamed_on_cors() {
        let s = NoAnswer {
            reach: Reach::Unreachable,
            endpoint: Endpoint::Token,
            detail: String::new(),
        };
        let text = s.sentence("Django");
        assert!(
            text.starts_with("Could not reach Django's token endpoint"),
            "{text}"
        );
        assert!(!text.contains("CORS"));
        assert!(s.is_transient());
    }

    #[test]
    fn a_silent_companion_is_not_blamed_on_the_provider() {
        let s = NoAnswer {
            reach: Reach::Unreachable,
            endpoint: Endpoint::Companion,
            detail: String::new(),
        };
        let text = s.sentence("GitHub");
        assert!(
            text.starts_with("Could not reach this site's sign-in server"),
            "{text}"
        );
        assert!(!text.contains("GitHub"), "{text}");
    }

    #[test]
    fn a_timeout_names_the_limit_in_seconds() {
        let s = NoAnswer {
            reach: Reach::TimedOut,
            endpoint: Endpoint::Discovery,
            detail: String::new(),
        };
        assert!(s.sentence("Django").contains("within 15 seconds"));
    }
}
