//! Sign-in for Leptos apps: "Sign in with …" any OAuth 2.0 / OpenID Connect or OAuth 1.0a
//! provider, from a static site, with PKCE, state and nonce checks, ID-token signature
//! checks and refresh that is safe across tabs. The flows are `latchkey-client`'s; this
//! crate puts them in a context with reactive reads and a few components.
//!
//! # Quick start
//! Publish a `latchkey.json` beside the app (its keys are in Latchkey's README; `latchkey
//! config export` writes it from the companion's TOML), then:
//!
//! ```no_run
//! use latchkey_leptos::{
//!     provide_latchkey, use_latchkey, FetchInit, SignInButtons, SignOutButton, SignedIn,
//!     SignedOut, UserBadge,
//! };
//! use leptos::prelude::*;
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     // Once, at the root. It also finishes a sign-in on whatever page the provider
//!     // returns to, so the router needs no callback route.
//!     provide_latchkey("/latchkey.json");
//!     view! {
//!         // Buttons while signed out; signed in, only a problem with the session, if any.
//!         <SignInButtons/>
//!         <SignedIn>
//!             <UserBadge/>
//!             <SignOutButton/>
//!             <Greeting/>
//!         </SignedIn>
//!     }
//! }
//!
//! #[component]
//! fn Greeting() -> impl IntoView {
//!     let latchkey = use_latchkey();
//!     let name = move || latchkey.user().get().map(|user| user.name).unwrap_or_default();
//!     // The provider's API, with the session's token (only under its `api_base`).
//!     let me = LocalResource::new(move || async move {
//!         match latchkey.fetch("me", FetchInit::default()).await {
//!             Ok(answer) => format!("/me answered {}", answer.response.status()),
//!             Err(e) => e.to_string(),
//!         }
//!     });
//!     view! {
//!         <p>"Hello, " {name} "!"</p>
//!         <p>{move || me.get()}</p>
//!     }
//! }
//!
//! fn main() {
//!     leptos::mount::mount_to_body(App);
//! }
//! ```
//!
//! # What you get
//! - [`provide_latchkey`] and [`use_latchkey`]; [`Latchkey`] is a `Copy` handle whose
//!   reads are signals: [`Latchkey::user`] (a [`User`]), [`Latchkey::status`] (a
//!   [`Status`]: restoring, signed out, working, signed in, failed with words, or
//!   unavailable), [`Latchkey::providers`]; and its actions: [`Latchkey::sign_in`],
//!   [`Latchkey::sign_out`], [`Latchkey::fetch`].
//! - Components: [`SignInButtons`], [`SignOutButton`], [`SignedIn`], [`SignedOut`],
//!   [`UserBadge`]. They render plain elements with `latchkey-…` classes; style them from
//!   the app's CSS. [`SignInButtons`] offers its buttons only while nobody is signed in;
//!   signed in, it says a problem with the session (a renewal that got no answer) and
//!   offers "Try again", so it belongs where signed-in people look too. (The client also
//!   tries such a renewal again by itself, 10 s later, then less and less often.)
//!
//! # Mistakes, in words
//! A missing [`provide_latchkey`] panics in a debug build with a message that names the
//! fix; in a release build the components show that message instead. A configuration
//! that answers 404, HTML or broken JSON becomes [`Status::Unavailable`] with the reason
//! and what to do, shown by [`SignInButtons`]. A provider id that is not in the
//! configuration becomes [`Status::Failed`] ("Could not start sign-in with nope: there is no
//! provider \"nope\" in /latchkey.json.", under "This provider is not set up correctly").
#![warn(missing_docs)]

mod components;
mod latchkey;
mod status;

pub use components::{SignInButtons, SignOutButton, SignedIn, SignedOut, UserBadge};
pub use latchkey::{provide_latchkey, use_latchkey, FetchInit, Latchkey};
pub use status::{Status, NOT_PROVIDED};

pub use latchkey_client::config::ConfigError;
pub use latchkey_client::{
    ApiAnswer, ApiError, ApiMethod, ApiResult, AuthFailure, RetryAction, SessionView,
    SignInOptions, User,
};
pub use latchkey_proto::public_config::PublicProvider as Provider;
