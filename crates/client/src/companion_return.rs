//! An OAuth 1.0a sign-in that failed at the companion comes back as an address.
//!
//! Sign-in with an OAuth 1.0a provider is a full-page navigation to the companion's
//! `/oauth1/{id}/login`, and the provider sends the browser back to `/oauth1/{id}/callback`.
//! When either fails, the companion answers the navigation with a redirect to the page the
//! sign-in started from, adding `latchkey_error=<code>&provider=<id>`
//! (`crates/companion/src/routes/oauth1/navigation.rs`). On load the app takes those two
//! parameters out of the address (so a reload or a shared link does not repeat the notice)
//! and shows the failure in words with "Try again".
//!
//! Both values are untrusted text: the code only selects a sentence, and the provider id is
//! only looked up in `/latchkey.json`, never shown as given.

use latchkey_proto::form;

use super::{words, AuthFailure, RetryAction};

/// The parameter naming what went wrong.
pub const ERROR_PARAM: &str = "latchkey_error";
/// The parameter naming the provider.
pub const PROVIDER_PARAM: &str = "provider";

/// A failure the companion reported in the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    /// The `latchkey_error` value, as given.
    pub code: String,
    /// The `provider` value, as given (absent or empty when the address had none).
    pub provider_id: Option<String>,
}

/// Splits `latchkey_error` and `provider` off a path with query and fragment: the failure,
/// and the same address without them (the other parameters and the fragment kept, in
/// order). `None` when the address carries no `latchkey_error` (a `provider` parameter
/// alone belongs to the page, and stays).
pub fn take(path_query_fragment: &str) -> Option<(Returned, String)> {
    let (before_fragment, fragment) = match path_query_fragment.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (path_query_fragment, None),
    };
    let (path, query) = before_fragment.split_once('?')?;
    let decoded = |segment: &str| -> Option<(String, String)> {
        form::parse_unique(segment).ok()?.into_iter().next()
    };
    let mut code = None;
    let mut provider_id = None;
    let mut kept = Vec::new();
    for segment in query.split('&') {
        match decoded(segment) {
            Some((k, v)) if k == ERROR_PARAM => code = code.or(Some(v)),
            Some((k, v)) if k == PROVIDER_PARAM => provider_id = provider_id.or(Some(v)),
            _ if segment.is_empty() => {}
            _ => kept.push(segment),
        }
    }
    let code = code?;
    let mut clean = path.to_owned();
    if !kept.is_empty() {
        clean.push('?');
        clean.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        clean.push('#');
        clean.push_str(f);
    }
    // Only `latchkey_error` marks the companion's redirect; without it `provider` stays above.
    let provider_id = provider_id.filter(|p| !p.is_empty());
    Some((Returned { code, provider_id }, clean))
}

impl Returned {
    /// Words for the UI. `provider` is the configured provider's `(name, id)` when the id
    /// names one, else `None` (nothing from the address is shown).
    pub fn failure(&self, provider: Option<(&str, &str)>) -> AuthFailure {
        let name = provider.map(|(n, _)| n).unwrap_or("the provider");
        let provider_id = provider.map(|(_, id)| id.to_owned());
        let known_code = words::companion_sign_in_sentence(name, &self.code);
        let retry = match provider {
            Some((_, id)) if self.code != "unknown_provider" => RetryAction::SignIn {
                provider_id: id.to_owned(),
            },
            _ => RetryAction::ShowProviders,
        };
        let title = match self.code.as_str() {
            "sign_in_refused" => words::TITLE_CANCELLED,
            "unknown_provider" => words::TITLE_CONFIG,
            _ => words::TITLE_SIGN_IN_FAILED,
        };
        AuthFailure {
            title: title.into(),
            message: known_code.unwrap_or_else(|| words::companion_sign_in_unknown(name)),
            retry,
            provider_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returned(code: &str, provider: Option<&str>) -> Returned {
        Returned {
            code: code.into(),
            provider_id: provider.map(Into::into),
        }
    }

    #[test]
    fn the_two_parameters_are_taken_and_the_rest_of_the_address_kept() {
        assert_eq!(
            take("/?latchkey_error=provider_timeout&provider=flask"),
            Some((returned("provider_timeout", Some("flask")), "/".into()))
        );
        assert_eq!(
            take("/console?tab=2&latchkey_error=provider_error&provider=flask#top"),
            Some((
                returned("provider_error", Some("flask")),
                "/console?tab=2#top".into()
            ))
        );
        assert_eq!(
            take("/?provider=a%3Cb%3E&latchkey_error=x%20y"),
            Some((returned("x y", Some("a<b>")), "/".into()))
        );
    }

    #[test]
    fn an_address_without_latchkey_error_is_left_alone() {
        assert_eq!(take("/"), None);
        assert_eq!(take("/console?provider=flask"), None);
        assert_eq!(take("/#latchkey_error=x"), None);
    }

    #[test]
    fn each_code_has_its_own_sentence_naming_the_provider() {
        let codes = [
            "provider_unreachable",
            "provider_timeout",
            "provider_error",
            "sign_in_expired",
            "sign_in_refused",
            "sign_in_failed",
            "rate_limited",
        ];
        let mut seen = Vec::new();
        for code in codes {
            let f = returned(code, Some("flask")).failure(Some(("Flask demo", "flask")));
            assert!(f.message.contains("Flask demo"), "{code}: {}", f.message);
            assert!(!f.message.contains(code), "{code} shown raw: {}", f.message);
            assert_eq!(
                f.retry,
                RetryAction::SignIn {
                    provider_id: "flask".into()
                },
                "{code}"
            );
            assert!(!seen.contains(&f.message), "{code} reads like another");
            seen.push(f.message);
        }
        let timeout = returned("provider_timeout", None).failure(Some(("Flask", "flask")));
        assert!(timeout.message.contains("in time"), "{}", timeout.message);
        let busy = returned("rate_limited", None).failure(Some(("Flask", "flask")));
        assert!(busy.message.contains("Wait a minute"), "{}", busy.message);
        assert_eq!(busy.title, words::TITLE_SIGN_IN_FAILED);
        let down = returned("provider_unreachable", None).failure(Some(("Flask", "flask")));
        assert!(
            down.message.contains("could not be reached"),
            "{}",
            down.message
        );
    }

    #[test]
    fn an_unknown_code_gets_a_generic_sentence_that_does_not_echo_it() {
        let f =
            returned("<script>alert(1)</script>", Some("flask")).failure(Some(("Flask", "flask")));
        assert!(!f.message.contains("script"), "{}", f.message);
        assert!(f.message.contains("Flask"), "{}", f.message);
        assert_eq!(f.title, words::TITLE_SIGN_IN_FAILED);
        assert_eq!(
            f.retry,
            RetryAction::SignIn {
                provider_id: "flask".into()
            }
        );
    }

    #[test]
    fn an_unknown_provider_offers_the_provider_list_and_names_no_one() {
        let f = returned("provider_error", Some("evil<b>")).failure(None);
        assert!(!f.message.contains("evil"), "{}", f.message);
        assert!(f.message.contains("the provider"), "{}", f.message);
        assert_eq!(f.retry, RetryAction::ShowProviders);
        let f = returned("unknown_provider", Some("nope")).failure(None);
        assert_eq!(f.title, words::TITLE_CONFIG);
        assert_eq!(f.retry, RetryAction::ShowProviders);
    }
}
