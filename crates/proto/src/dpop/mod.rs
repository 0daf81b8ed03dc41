//! DPoP, OAuth 2.0 Demonstrating Proof of Possession
//! ([RFC 9449](https://www.rfc-editor.org/rfc/rfc9449)): the protocol half, for a browser
//! that holds a non-extractable WebCrypto ECDSA P-256 key and signs with it.
//!
//! ```
//! use latchkey_proto::dpop::*;
//! // The public key, from `crypto.subtle.exportKey("raw", publicKey)`.
//! # let point = [[4u8].as_slice(), &[1; 64]].concat();
//! let key = PublicKey::from_uncompressed_point(&point).unwrap();
//! let jkt = key.thumbprint(); // the authorization request's `dpop_jkt` (RFC 9449 §10)
//! # let _ = jkt;
//! let input = build_signing_input(&ProofParams {
//!     key: &key,
//!     method: &http::Method::POST,
//!     target_uri: "https://idp.example/token",
//!     iat: 1_800_000_000,          // the caller's clock
//!     jti_random: &[7; 16],        // the caller's random bytes
//!     nonce: None,                 // or the latest `DPoP-Nonce` of this server
//!     access_token: None,          // Some(token) on resource requests: `ath`
//! })
//! .unwrap();
//! // … `crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, privateKey, input.as_bytes())`
//! # let signature = [0u8; 64];
//! let proof = input.into_proof(&signature).unwrap(); // the `DPoP` header value
//! # let _ = proof;
//! ```
//!
//! The answers: [`nonce_challenge`] says whether to send the request once more with a
//! server's nonce, [`latest_nonce`] keeps the newest `DPoP-Nonce`, [`decide`] turns the
//! configured [`DpopMode`](crate::public_config::DpopMode) and the provider metadata into a
//! [`DpopUse`], whose [`accepted_token_types`](DpopUse::accepted_token_types) tell
//! [`crate::token::parse_token_response_accepting`] which `token_type` to accept.

/// The authorization request parameter that binds the code to the key's [`Thumbprint`]
/// (RFC 9449 §10). A pushed request binds it by its proof instead (§10.1).
pub const DPOP_JKT: &str = "dpop_jkt";

mod key;
mod nonce;
mod policy;
mod proof;
mod www_authenticate;

pub use key::{PublicKey, PublicKeyError, Thumbprint, COORDINATE_LEN, UNCOMPRESSED_POINT_LEN};
pub use nonce::{
    latest_nonce, nonce_challenge, proof_refused, Attempt, DpopNonce, NonceChallenge,
    NonceChallengeError, NonceError, DPOP_NONCE, DPOP_NONCE_HEADER,
};
pub use policy::{decide, DpopPolicyError, DpopUse};
pub use proof::{
    ath, build_signing_input, htu, Proof, ProofError, ProofParams, SignatureError, SigningInput,
    DPOP, DPOP_HEADER, ES256_SIGNATURE_LEN, MIN_JTI_RANDOM_BYTES,
};
