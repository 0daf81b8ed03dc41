//! The words of each error, as the person reads them.

use super::*;
use crate::reach::{Endpoint, Reach};
use latchkey_proto::oidc::IdTokenError;

#[test]
fn an_unknown_provider_id_is_said_in_words_with_the_provider_list_offered() {
    let f = StartError::UnknownProvider { id: "nope".into() }.failure("nope", "nope");
    assert_eq!(f.title, words::TITLE_CONFIG);
    assert_eq!(
        f.message,
        "Could not start sign-in with nope: there is no provider \"nope\" in /latchkey.json."
    );
    assert_eq!(f.retry, RetryAction::ShowProviders);
    // It names no configured provider, so it is about none of them.
    assert_eq!(f.provider_id, None);
    let f = StartError::Misconfigured {
        field: "client_id".into(),
    }
    .failure("Django", "dot");
    assert_eq!(f.provider_id.as_deref(), Some("dot"));
}

#[test]
fn dpop_or_par_that_cannot_work_points_at_the_configuration_not_at_a_retry() {
    let detail = latchkey_proto::par::decide(true, None, None)
        .unwrap_err()
        .to_string();
    let f = StartError::Policy { detail }.failure("OP", "op");
    assert_eq!(f.title, words::TITLE_CONFIG);
    assert_eq!(
        f.message,
        "Could not start sign-in with OP: pushed authorization requests are configured \
         (par = true), but neither the configuration nor the provider's metadata names a \
         pushed_authorization_request_endpoint."
    );
    assert_eq!(f.retry, RetryAction::ShowProviders);
    assert_eq!(f.provider_id.as_deref(), Some("op"));
}

#[test]
fn a_cancelled_callback_says_so_in_words_without_the_code() {
    let f = CallbackError::Provider {
        error: "access_denied".into(),
        description: Some("The resource owner or authorization server denied the request.".into()),
    }
    .failure(Some(("Django", "dot")));
    assert_eq!(f.title, words::TITLE_CANCELLED);
    assert_eq!(f.message, "You cancelled sign-in at Django.");
    assert_eq!(f.provider_id.as_deref(), Some("dot"));
    assert!(!f.message.contains("access_denied"));
    assert_eq!(
        f.retry,
        RetryAction::SignIn {
            provider_id: "dot".into()
        }
    );
}

#[test]
fn a_replayed_state_offers_the_provider_list_not_a_retry_of_an_unknown_provider() {
    let f = CallbackError::UnknownState.failure(None);
    assert_eq!(f.retry, RetryAction::ShowProviders);
    assert_eq!(f.provider_id, None);
    assert!(f.message.contains("already used"));
}

#[test]
fn an_unknown_provider_error_keeps_its_description() {
    let f = CallbackError::Provider {
        error: "odd".into(),
        description: Some("Quota exceeded".into()),
    }
    .failure(Some(("X", "x")));
    assert!(f.message.contains("Quota exceeded"), "{}", f.message);
}

fn no_answer(reach: Reach, endpoint: Endpoint) -> NoAnswer {
    NoAnswer {
        reach,
        endpoint,
        detail: "TypeError: Failed to fetch".into(),
    }
}

#[test]
fn a_failed_code_exchange_offers_try_again_and_says_it_starts_over() {
    for e in [
        CallbackError::NoAnswer(no_answer(Reach::TimedOut, Endpoint::Token)),
        CallbackError::TokenStatus { status: 500 },
        CallbackError::TokenGarbled {
            detail: "token response: the body is not a JSON object".into(),
        },
    ] {
        let f = e.failure(Some(("Django", "dot")));
        assert_eq!(f.retry.label(), Some(words::RETRY_SIGN_IN), "{e:?}");
        assert!(f.message.contains("Django"), "{}", f.message);
        assert!(f.message.contains("from the beginning"), "{}", f.message);
        assert!(!f.message.contains("TypeError"), "{}", f.message);
    }
}

#[test]
fn invalid_client_to_the_browser_hints_at_a_client_secret_in_the_companion() {
    let f = CallbackError::ClientRefused {
        description: Some("Client authentication failed".into()),
    }
    .failure(Some(("Acme", "acme")));
    assert!(f.message.contains("Acme"), "{}", f.message);
    assert!(f.message.contains("client secret"), "{}", f.message);
    assert!(
        f.message.contains("token_via_companion = true"),
        "{}",
        f.message
    );
    assert!(f.message.contains("docs/providers.md"), "{}", f.message);
    assert!(
        f.message.contains("Client authentication failed"),
        "{}",
        f.message
    );
    assert_eq!(f.retry, RetryAction::ShowProviders);
    // Another refusal of the token request gets no such hint.
    let f = CallbackError::TokenServer {
        error: "invalid_grant".into(),
        description: None,
    }
    .failure(Some(("Acme", "acme")));
    assert!(!f.message.contains("client secret"), "{}", f.message);
}

#[test]
fn a_token_endpoint_refusing_browsers_points_at_the_config_not_at_a_retry() {
    let f = CallbackError::NoAnswer(no_answer(Reach::CorsRefused, Endpoint::Token))
        .failure(Some(("GitHub", "gh")));
    assert!(
        f.message.contains("token_via_companion = true"),
        "{}",
        f.message
    );
    assert_eq!(f.retry, RetryAction::ShowProviders);
}

#[test]
fn a_renewal_that_met_a_fault_keeps_the_session_and_a_refusal_ends_it() {
    let down = RefreshError::NoAnswer(no_answer(Reach::Unreachable, Endpoint::Token));
    let f = down.failure("Django", "dot");
    assert_eq!(
        f.retry,
        RetryAction::Renew {
            provider_id: "dot".into()
        }
    );
    assert_eq!(f.provider_id.as_deref(), Some("dot"));
    assert!(f.message.contains("Your session is kept"), "{}", f.message);
    for transient in [
        RefreshError::Status { status: 502 },
        RefreshError::Garbled { detail: "x".into() },
        RefreshError::Server {
            error: "temporarily_unavailable".into(),
            description: None,
        },
    ] {
        assert!(transient.is_transient(), "{transient:?}");
    }
    let dead = RefreshError::Server {
        error: "invalid_grant".into(),
        description: None,
    };
    assert!(!dead.is_transient());
    assert_eq!(
        dead.failure("Django", "dot").retry,
        RetryAction::SignIn {
            provider_id: "dot".into()
        }
    );
}

#[test]
fn discovery_answering_html_is_worded_with_the_provider_and_a_retry() {
    let f = StartError::Discovery(DiscoveryError::Invalid(
        "discovery: the metadata is not a JSON object".into(),
    ))
    .failure("Django", "dot");
    assert!(
        f.message.starts_with("Django's sign-in settings"),
        "{}",
        f.message
    );
    assert_eq!(f.retry.label(), Some(words::RETRY_SIGN_IN));
}

/// Issue 20's bad input, as the person reads it: the protocol core's typed refusal, named
/// after the provider, with a way to start again.
#[test]
fn a_bad_pushed_answer_and_an_unbound_token_are_said_in_words() {
    use latchkey_proto::par::PushError;
    let f = StartError::Push {
        detail: PushError::Expired(-5).to_string(),
    }
    .failure("OP", "op");
    assert_eq!(
        f.message,
        "Could not start sign-in with OP: pushed authorization request: the provider's \
         request_uri expires in -5 seconds, that is, it has already expired."
    );
    assert_eq!(
        f.retry,
        RetryAction::SignIn {
            provider_id: "op".into()
        }
    );
    let f = StartError::Push {
        detail: PushError::InvalidField {
            field: "request_uri",
            problem: "is missing",
            body: String::new(),
        }
        .to_string(),
    }
    .failure("OP", "op");
    assert!(
        f.message.contains("\"request_uri\" is missing"),
        "{}",
        f.message
    );

    let unbound = latchkey_proto::token::TokenError::DpopRequired("Bearer".into());
    let f = CallbackError::Token {
        detail: unbound.to_string(),
    }
    .failure(Some(("OP", "op")));
    assert!(
        f.message.starts_with("Signing in with OP failed:")
            && f.message.contains("although dpop = \"required\""),
        "{}",
        f.message
    );
}

#[test]
fn an_id_token_out_of_reach_of_this_clock_says_the_clock_is_likely_wrong() {
    let now = 1_700_000_000;
    let skew = |e| ClockSkew::of(&e);
    assert_eq!(
        skew(IdTokenError::IssuedInTheFuture {
            iat: now + 600,
            now
        }),
        Some(ClockSkew::Behind(600))
    );
    assert_eq!(
        skew(IdTokenError::NotYetValid { nbf: now + 90, now }),
        Some(ClockSkew::Behind(90))
    );
    assert_eq!(
        skew(IdTokenError::Expired {
            exp: now - 7200,
            now
        }),
        Some(ClockSkew::Ahead(7200))
    );
    assert_eq!(skew(IdTokenError::NonceMismatch), None);

    let behind = CallbackError::Clock(ClockSkew::Behind(600)).failure(Some(("Django", "dot")));
    assert_eq!(behind.title, words::TITLE_SIGN_IN_FAILED);
    assert_eq!(
        behind.message,
        "Signing in with Django failed: this device's clock is about 10 minutes behind \
         Django's: the sign-in Django sent is dated after the time here. Nothing was signed in. \
         Set this device's date and time to update automatically, then try again."
    );
    assert!(
        matches!(behind.retry, RetryAction::SignIn { .. }),
        "{behind:?}"
    );
    let ahead = CallbackError::Clock(ClockSkew::Ahead(7200)).failure(Some(("Django", "dot")));
    assert!(
        ahead.message.contains(
            "this device's clock is at least 2 hours ahead of Django's: the sign-in Django \
             sent had already expired by it."
        ),
        "{}",
        ahead.message
    );
    // An expired token gives only a lower bound, so it is not rounded up; the skew of a token
    // from the future is an estimate, rounded to the nearest hour.
    let (at_least, about) = (
        ClockSkew::Ahead(10_799).sentence("Django"),
        ClockSkew::Behind(10_799).sentence("Django"),
    );
    assert!(
        at_least.starts_with("this device's clock is at least 2 hours ahead"),
        "{at_least}"
    );
    assert!(
        about.starts_with("this device's clock is about 3 hours behind"),
        "{about}"
    );
    assert_eq!(
        CallbackError::Clock(ClockSkew::Ahead(7200)).to_string(),
        "the ID token had expired 2 hours before this device's time, so this device's clock is \
         likely wrong"
    );
}

#[test]
fn a_sign_in_older_than_max_age_is_said_with_both_ages_and_what_to_do() {
    let f = CallbackError::StaleSignIn {
        age: 7260,
        max_age: 300,
        login_asked: true,
        login_hint: None,
    }
    .failure(Some(("Django", "dot")));
    assert_eq!(f.title, words::TITLE_SIGN_IN_FAILED);
    assert_eq!(
        f.message,
        "Django did not ask you to sign in again: this site accepts a sign-in at most 5 minutes \
         old, and yours at Django is 2 hours old. Nothing was signed in. Sign out at Django, \
         then try again."
    );
    assert_eq!(
        f.retry,
        RetryAction::SignIn {
            provider_id: "dot".into()
        }
    );
}
