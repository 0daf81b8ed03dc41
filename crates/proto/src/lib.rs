//! Latchkey's protocol core: OAuth 2.0 (+ PKCE), OpenID Connect and OAuth 1.0a, sans-IO.
//!
//! Nothing here performs I/O, reads a clock or draws random numbers: callers pass `now`,
//! random bytes and HTTP responses in, and get requests and validated results back. The same
//! code runs in the browser (the Leptos app, wasm32) and on the server (the companion).
#![warn(missing_docs)]

pub mod authorize;
pub mod callback;
pub mod discovery;
pub mod dpop;
pub mod form;
pub mod json;
pub mod logout;
pub mod oauth1;
pub mod oidc;
pub mod par;
pub mod pkce;
pub mod preset;
pub mod public_config;
pub mod redirect_uri;
pub mod revocation;
pub mod secret;
pub mod token;
pub mod uri;
