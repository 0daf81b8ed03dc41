//! The header and footer around every page.

use leptos::prelude::*;

use crate::app::Page;

/// The mark: a keyhole in a rounded square, drawn inline so nothing is fetched.
#[component]
pub fn LogoMark() -> impl IntoView {
    view! {
        <svg class="logo-mark" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false">
            <rect x="1" y="1" width="30" height="30" rx="8" class="logo-bg"/>
            <circle cx="16" cy="13" r="5" class="logo-hole"/>
            <path d="M13.6 15.5h4.8l1.6 9h-8z" class="logo-hole"/>
        </svg>
    }
}

/// Logo, name and tagline.
#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="wrap header-row">
                <a class="brand" href=Page::Home.path()>
                    <LogoMark/>
                    <span class="brand-name">"Latchkey"</span>
                </a>
                <p class="tagline">"Add “Sign in with …” to any static website."</p>
            </div>
        </header>
    }
}

/// What Latchkey is, in one line, and where its settings live.
#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="wrap">
                <p>
                    "Latchkey · OAuth 2.0 with PKCE, OpenID Connect and OAuth 1.0a. "
                    "Providers come from "<code>"/latchkey.json"</code>"."
                </p>
            </div>
        </footer>
    }
}
