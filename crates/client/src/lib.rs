//! Latchkey's browser runtime: sign-in, callback completion, the session under each
//! `session_storage` mode, refresh that is safe across tabs, sign-out and revocation, the
//! authorized API call, and OAuth 1.0a through the companion. No UI framework: state
//! changes reach the page through [`Client::subscribe`], and each way in (the embed's
//! custom elements, `latchkey-leptos`, the showcase app) wraps them in its own idiom.
//!
//! Every protocol rule (PKCE, the authorization URL, callback validation, token parsing,
//! ID-token claims, revocation, logout) is decided in `latchkey_proto`; this crate draws
//! the random bytes, keeps the pending flow and the session in the right storage, does the
//! fetches, verifies JWS signatures with WebCrypto, and turns every outcome into words.
//!
//! # Use
//! ```ignore
//! let config = latchkey_client::config::load(latchkey_client::config::CONFIG_PATH).await?;
//! let client = latchkey_client::Client::new(config);
//! client.subscribe(|status| render(status)).keep();
//! client.start(); // restores a stored session; on `/callback`, call complete_callback
//! // A button:
//! client.sign_in("dot");
//! ```
//!
//! # What lives where
//! - [`words`]: every sentence the flows show (progress steps, failures), as data.
//! - `return_to`, `profile`, `schedule`, `storage_mode`, `api_target`, [`config`]'s
//!   `interpret`: pure decisions, tested natively (`cargo test -p latchkey-client`).
//! - `engine` and the flow modules (`signin`, `callback_flow`, `refresh`, `signout`,
//!   `api_call`, `oauth1`, `mediation`): the browser side, tested in headless Chromium
//!   (`cargo test -p latchkey-client --target wasm32-unknown-unknown`).
//! - [`browser`]: thin web-sys wrappers (storage, randomness, locks, channels, timers).
//!
//! One session at a time: signing in with another provider replaces the current one.
#![warn(missing_docs)]

mod api_call;
mod api_target;
pub mod browser;
mod callback_flow;
mod client;
pub mod companion;
mod companion_return;
pub mod config;
mod dpop;
mod dpop_keys;
mod endpoints;
mod engine;
mod errors;
mod exchange;
mod handoff_flow;
mod kept_session;
mod mediation;
mod oauth1;
mod pending;
mod profile;
mod profile_reload;
mod reach;
mod refresh;
mod return_to;
mod schedule;
mod session;
mod session_end;
mod signin;
mod signout;
mod spent_tokens;
mod status;
mod storage_mode;
mod user;
pub mod webcrypto;
pub mod words;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod callback_browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod fault_browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod session_browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod spent_tokens_browser_tests;

pub use api_call::{ApiAnswer, ApiRequest, ApiResult};
pub use api_target::ApiMethod;
pub use browser::fetch::PageBody;
pub use client::{Client, Pending, Subscription};
pub use errors::{
    ApiError, CallbackError, ClockSkew, DiscoveryError, RefreshError, SignOutError, StartError,
};
pub use signin::SignInOptions;
pub use signout::ProviderLogout;
pub use status::{AuthFailure, AuthStatus, RetryAction, SessionView};
pub use user::User;
