//! The bad-input catalogue: hostile, broken and tricky inputs for every public parser and
//! validator of `latchkey-proto`, each expected to fail with one specific typed error.
//!
//! Every table runs each case under `catch_unwind`, so one panic is reported by case name
//! instead of hiding the rest, and an input that is *accepted* is a failure too. ID tokens are
//! signed here with the fixed Ed25519 key of RFC 8037 Appendix A, so every claim-level case
//! carries a valid signature and fails only for the reason it names.
//!
//! One module per part of `latchkey-proto` the tables exercise (`callback`, `token`,
//! `discovery`, `oidc`, `oauth1`); the table runner is shared with `bad_input_dpop.rs` through
//! `tests/common`, and the helpers below with every module.
//!
//! `cargo test -p latchkey-proto --all-features --test bad_input`
#![cfg(feature = "native-verify")]

#[path = "../common/mod.rs"]
mod common;

mod callback;
mod discovery;
mod oauth1;
mod oidc;
mod token;

fn response(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

fn json_200(body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    response(200, "application/json", body)
}

/// The issuer of the flows, discovery documents and ID tokens under test.
const ISSUER: &str = "https://idp.example";
