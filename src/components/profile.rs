//! Who is signed in: the greeting bar and the profile card.

use latchkey_proto::public_config::Protocol;
use leptos::prelude::*;

use latchkey_leptos::{use_latchkey, SessionView};

/// How a protocol is named to people.
pub fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Oidc => "OpenID Connect",
        Protocol::Oauth2 => "OAuth 2.0",
        Protocol::Oauth1 => "OAuth 1.0a",
    }
}

/// "Signed in as …" and the sign-out button.
#[component]
pub fn SessionBar(
    /// The session shown.
    #[prop(into)]
    session: Signal<SessionView>,
) -> impl IntoView {
    let auth = use_latchkey();
    view! {
        <div class="card session-bar">
            <div>
                <p class="eyebrow">{move || format!("{} · {}", session.with(|s| s.provider_name.clone()), session.with(|s| protocol_name(s.protocol)))}</p>
                <h1 class="greeting">{move || session.with(|s| format!("Signed in as {}", s.display_name))}</h1>
            </div>
            <button type="button" class="button-secondary" on:click=move |_| auth.sign_out()>
                "Sign out"
            </button>
        </div>
    }
}

/// Name, e-mail, picture and subject.
#[component]
pub fn ProfileCard(
    /// The session shown.
    #[prop(into)]
    session: Signal<SessionView>,
) -> impl IntoView {
    let picture = move || {
        session.with(|s| match &s.picture {
            Some(url) => view! {
                <img class="avatar" src=url.clone() alt="" width="72" height="72" referrerpolicy="no-referrer"/>
            }
            .into_any(),
            None => view! {
                <span class="avatar avatar-initial" aria-hidden="true">
                    {s.display_name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                </span>
            }
            .into_any(),
        })
    };
    let email =
        move || session.with(|s| s.email.clone().unwrap_or_else(|| "not shared".to_owned()));
    let sub = move || {
        session.with(|s| {
            if s.sub.is_empty() {
                "not given (plain OAuth 2.0 has no subject)".to_owned()
            } else {
                s.sub.clone()
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">"Profile"</h2>
            <div class="profile">
                {picture}
                <dl class="facts">
                    <dt>"Name"</dt><dd>{move || session.with(|s| s.display_name.clone())}</dd>
                    <dt>"E-mail"</dt><dd>{email}</dd>
                    <dt>"Subject"</dt><dd><code class="wrap-anywhere">{sub}</code></dd>
                    <dt>"Provider"</dt><dd>{move || session.with(|s| s.provider_name.clone())}</dd>
                </dl>
            </div>
        </section>
    }
}
