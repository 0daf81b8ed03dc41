//! The token inspector: scopes, expiry countdown, where the session lives, and the claims.
//! It never shows a token itself; the auth context does not hand any out.

use std::time::Duration;

use latchkey_proto::public_config::{Protocol, SessionStorage};
use leptos::prelude::*;

use crate::inspector::{claim_rows, countdown, expiry, ClaimRow, Expiry};
use latchkey_leptos::SessionView;

/// Where the refresh token lives, in words.
pub fn storage_words(storage: SessionStorage) -> &'static str {
    match storage {
        SessionStorage::Memory => "in memory only (a reload signs you out)",
        SessionStorage::Tab => "in this tab (sessionStorage)",
        SessionStorage::Browser => "in every tab of this site (localStorage)",
    }
}

/// The expiry line, in words.
pub fn expiry_words(state: Expiry, protocol: Protocol, can_refresh: bool) -> String {
    match state {
        Expiry::In(secs) => format!("expires in {}", countdown(secs)),
        Expiry::Expired if can_refresh => "expired; renewing…".to_owned(),
        Expiry::Expired => "expired; sign in again to keep using the API".to_owned(),
        Expiry::Unknown if protocol == Protocol::Oauth1 => {
            "OAuth 1.0a tokens do not expire".to_owned()
        }
        Expiry::Unknown => "the provider did not say when it expires".to_owned(),
    }
}

/// The refresh-token line, in words.
pub fn refresh_words(s: &SessionView) -> String {
    match (s.protocol, s.can_refresh) {
        (Protocol::Oauth1, _) => {
            "none: the companion keeps the OAuth 1.0a token in an encrypted cookie".to_owned()
        }
        (_, true) if s.refresh_in_companion => {
            "held by the companion in an encrypted HttpOnly cookie; this page never sees it"
                .to_owned()
        }
        (_, true) => format!("held {}, never shown", storage_words(s.storage)),
        (_, false) => "none: the session ends when the access token expires".to_owned(),
    }
}

fn now_ms() -> u64 {
    // Date.now() is milliseconds since the epoch, always positive in a browser.
    js_sys::Date::now().max(0.0) as u64
}

#[component]
fn ClaimsTable(
    /// The rows.
    rows: Vec<ClaimRow>,
    /// The table's caption.
    caption: &'static str,
) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row">
                        <code>{row.name}</code>
                        {row.meaning.map(|m| view! { <span class="claim-meaning">{m}</span> })}
                    </th>
                    <td class="wrap-anywhere">{row.value}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="claims">
                <caption>{caption}</caption>
                <thead><tr><th scope="col">"Claim"</th><th scope="col">"Value"</th></tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// The token summary: scopes, a live expiry countdown, where the refresh token lives.
#[component]
pub fn TokenInspector(
    /// The session shown.
    #[prop(into)]
    session: Signal<SessionView>,
) -> impl IntoView {
    let (now, set_now) = signal(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || set_now.set(now_ms()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }

    let expiry_line = move || {
        session.with(|s| {
            expiry_words(
                expiry(s.access_expires_at, now.get()),
                s.protocol,
                s.can_refresh,
            )
        })
    };
    let scopes = move || {
        session.with(|s| {
            if s.scopes.is_empty() {
                view! { <span class="muted">"none reported"</span> }.into_any()
            } else {
                // A list only when there is something in it: an empty `ul`, or one holding
                // the words, is a list without items to a screen reader (axe:
                // aria-required-children).
                let chips = s
                    .scopes
                    .iter()
                    .map(|scope| view! { <li class="chip">{scope.clone()}</li> })
                    .collect_view();
                view! { <ul class="chips" role="list">{chips}</ul> }.into_any()
            }
        })
    };
    let refresh = move || session.with(refresh_words);
    view! {
        <section class="card" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"Tokens"</h2>
            <dl class="facts">
                <dt>"Scopes"</dt>
                <dd>{scopes}</dd>
                <dt>"Access token"</dt>
                <dd class="countdown">{expiry_line}</dd>
                <dt>"Refresh token"</dt>
                <dd>{refresh}</dd>
            </dl>
        </section>
    }
}

/// The decoded ID token (and userinfo) claims, as tables.
#[component]
pub fn ClaimsCard(
    /// The session shown.
    #[prop(into)]
    session: Signal<SessionView>,
) -> impl IntoView {
    let id_claims = move || {
        session.with(|s| {
            if s.id_token_claims.is_empty() {
                let why = match s.protocol {
                    Protocol::Oauth1 => "OAuth 1.0a has no ID token.",
                    _ => "No ID token: this provider signs in with plain OAuth 2.0.",
                };
                view! { <p class="muted">{why}</p> }.into_any()
            } else {
                view! {
                    <ClaimsTable rows=claim_rows(&s.id_token_claims) caption="ID token claims (signature verified)"/>
                }
                .into_any()
            }
        })
    };
    let userinfo = move || {
        session.with(|s| {
            (!s.userinfo_claims.is_empty()).then(|| {
                let caption = match s.protocol {
                    Protocol::Oauth1 => "Identity from the companion",
                    _ => "Userinfo claims",
                };
                view! {
                    <details class="more">
                        <summary>{caption}</summary>
                        <ClaimsTable rows=claim_rows(&s.userinfo_claims) caption=caption/>
                    </details>
                }
            })
        })
    };

    view! {
        <section class="card" aria-labelledby="claims-title">
            <h2 id="claims-title">"Claims"</h2>
            {id_claims}
            {userinfo}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(protocol: Protocol, can_refresh: bool, storage: SessionStorage) -> SessionView {
        SessionView {
            provider_id: "p".into(),
            provider_name: "P".into(),
            protocol,
            display_name: "you".into(),
            email: None,
            picture: None,
            sub: String::new(),
            scopes: vec![],
            access_expires_at: None,
            storage,
            can_refresh,
            refresh_in_companion: false,
            id_token_claims: vec![],
            userinfo_claims: vec![],
            problem: None,
        }
    }

    #[test]
    fn oauth1_sessions_do_not_claim_a_browser_refresh_token() {
        let words = refresh_words(&view(Protocol::Oauth1, false, SessionStorage::Tab));
        assert!(words.contains("companion"), "{words}");
        assert_eq!(
            refresh_words(&view(Protocol::Oidc, true, SessionStorage::Memory)),
            "held in memory only (a reload signs you out), never shown"
        );
    }

    #[test]
    fn a_refresh_token_kept_by_the_companion_is_not_said_to_be_in_the_browser() {
        let mut s = view(Protocol::Oidc, true, SessionStorage::Browser);
        s.refresh_in_companion = true;
        let words = refresh_words(&s);
        assert!(words.contains("held by the companion"), "{words}");
        assert!(!words.contains("localStorage"), "{words}");
    }

    #[test]
    fn expiry_words_say_what_happens_next() {
        assert_eq!(
            expiry_words(Expiry::In(247), Protocol::Oidc, true),
            "expires in 4 min 07 s"
        );
        assert_eq!(
            expiry_words(Expiry::Expired, Protocol::Oidc, true),
            "expired; renewing…"
        );
        assert!(expiry_words(Expiry::Expired, Protocol::Oauth2, false).contains("sign in again"));
        assert_eq!(
            expiry_words(Expiry::Unknown, Protocol::Oauth1, false),
            "OAuth 1.0a tokens do not expire"
        );
    }
}
