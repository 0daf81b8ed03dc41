//! Signature methods ([RFC 5849 §3.4.2]–[§3.4.4]) and the non-standard SHA-2 variants that
//! oauthlib and several providers accept.
//!
//! - `HMAC-SHA1` (§3.4.2), `HMAC-SHA256`, `HMAC-SHA512`: HMAC over the base string with the key
//!   `enc(consumer secret) & enc(token secret)`; the `&` is always there, even when the token
//!   secret is empty.
//! - `RSA-SHA1` (§3.4.3), `RSA-SHA256`, `RSA-SHA512`: RSASSA-PKCS1-v1_5 over the base string with
//!   the client's private key (cargo feature `rsa`). The token secret is not used.
//! - `PLAINTEXT` (§3.4.4): the key itself, no base string; only over TLS.
//!
//! The result is base64 (RFC 2045 alphabet, padded), ready to be percent-encoded into the
//! `oauth_signature` parameter.
//!
//! RSA signing here is unblinded (the protocol core has no random number generator) and the
//! `rsa` crate's private-key operation is not constant time (RUSTSEC-2023-0071): keep signing
//! keys on a server whose response timing an attacker cannot measure finely, or prefer HMAC.
//!
//! [RFC 5849 §3.4.2]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.2
//! [§3.4.4]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.4

use hmac::{Hmac, Mac};

use super::percent::encode_str_into;
use crate::secret::{ConsumerSecret, TokenSecret};

/// An `oauth_signature_method` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HMAC-SHA1` (RFC 5849 §3.4.2).
    HmacSha1,
    /// `HMAC-SHA256` (not in RFC 5849; same construction with SHA-256).
    HmacSha256,
    /// `HMAC-SHA512` (not in RFC 5849; same construction with SHA-512).
    HmacSha512,
    /// `RSA-SHA1` (RFC 5849 §3.4.3).
    RsaSha1,
    /// `RSA-SHA256` (not in RFC 5849; PKCS#1 v1.5 with SHA-256).
    RsaSha256,
    /// `RSA-SHA512` (not in RFC 5849; PKCS#1 v1.5 with SHA-512).
    RsaSha512,
    /// `PLAINTEXT` (RFC 5849 §3.4.4): sends the secrets themselves; TLS only.
    Plaintext,
}

impl SignatureMethod {
    /// Every method, in a stable order.
    pub const ALL: [SignatureMethod; 7] = [
        SignatureMethod::HmacSha1,
        SignatureMethod::HmacSha256,
        SignatureMethod::HmacSha512,
        SignatureMethod::RsaSha1,
        SignatureMethod::RsaSha256,
        SignatureMethod::RsaSha512,
        SignatureMethod::Plaintext,
    ];

    /// The wire name, e.g. `HMAC-SHA1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
            SignatureMethod::HmacSha512 => "HMAC-SHA512",
            SignatureMethod::RsaSha1 => "RSA-SHA1",
            SignatureMethod::RsaSha256 => "RSA-SHA256",
            SignatureMethod::RsaSha512 => "RSA-SHA512",
            SignatureMethod::Plaintext => "PLAINTEXT",
        }
    }

    /// Whether this method signs with an RSA private key rather than the shared secrets.
    pub const fn uses_rsa_key(self) -> bool {
        matches!(
            self,
            SignatureMethod::RsaSha1 | SignatureMethod::RsaSha256 | SignatureMethod::RsaSha512
        )
    }
}

impl core::fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `oauth_signature_method` name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown OAuth 1.0a signature method {0:?} (expected HMAC-SHA1, HMAC-SHA256, HMAC-SHA512, RSA-SHA1, RSA-SHA256, RSA-SHA512 or PLAINTEXT)")]
pub struct UnknownSignatureMethod(pub String);

impl core::str::FromStr for SignatureMethod {
    type Err = UnknownSignatureMethod;

    /// Parses the exact wire name (method names are case-sensitive, as in oauthlib).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SignatureMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownSignatureMethod(s.chars().take(32).collect()))
    }
}

/// An RSA private key for `RSA-SHA*` signing, parsed once and reused.
#[cfg(feature = "rsa")]
#[derive(Clone)]
pub struct RsaSigningKey(rsa::RsaPrivateKey);

/// Why an RSA private key could not be read.
#[cfg(feature = "rsa")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// Neither a PKCS#1 (`BEGIN RSA PRIVATE KEY`) nor a PKCS#8 (`BEGIN PRIVATE KEY`) PEM RSA key.
    #[error("not a PEM RSA private key (PKCS#1 \"RSA PRIVATE KEY\" or unencrypted PKCS#8 \"PRIVATE KEY\")")]
    NotAPemRsaKey,
}

#[cfg(feature = "rsa")]
impl RsaSigningKey {
    /// Reads a PEM private key, PKCS#1 or unencrypted PKCS#8.
    pub fn from_pem(pem: &str) -> Result<Self, RsaKeyError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))
            .map(RsaSigningKey)
            .map_err(|_| RsaKeyError::NotAPemRsaKey)
    }

    /// The matching public key, for verifiers and tests.
    pub fn public_key(&self) -> rsa::RsaPublicKey {
        self.0.to_public_key()
    }
}

#[cfg(feature = "rsa")]
impl core::fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RsaSigningKey([redacted])")
    }
}

/// What the client signs with: the consumer secret (HMAC, PLAINTEXT) or an RSA key.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ConsumerCredential<'a> {
    /// The consumer (client) shared secret, for `HMAC-*` and `PLAINTEXT`.
    Secret(&'a ConsumerSecret),
    /// The client's RSA private key, for `RSA-*`.
    #[cfg(feature = "rsa")]
    RsaKey(&'a RsaSigningKey),
}

/// Why a signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// An `RSA-*` method was asked for without an RSA key (or without the `rsa` feature).
    #[error("signature method {0} needs an RSA private key")]
    NeedsRsaKey(SignatureMethod),
    /// An `HMAC-*` or `PLAINTEXT` method was asked for with an RSA key.
    #[error("signature method {0} needs the consumer secret, not an RSA key")]
    NeedsSharedSecret(SignatureMethod),
    /// The RSA operation failed (a key too small for the digest).
    #[error("RSA signing failed: {0}")]
    Rsa(String),
}

/// The HMAC / PLAINTEXT key: `enc(consumer secret) "&" enc(token secret)` (RFC 5849 §3.4.2).
fn shared_key(consumer: &ConsumerSecret, token: Option<&TokenSecret>) -> String {
    let token = token.map(TokenSecret::secret).unwrap_or_default();
    let mut key = String::with_capacity(consumer.secret().len() + token.len() + 1);
    encode_str_into(&mut key, consumer.secret());
    key.push('&');
    encode_str_into(&mut key, token);
    key
}

fn hmac_base64<M: Mac + hmac::digest::KeyInit>(key: &[u8], text: &[u8]) -> String {
    // Hmac accepts keys of any length, so this never fails; fall back to hashing nothing
    // rather than panicking if that ever changed.
    let mut mac = match <M as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(text);
    crate::b64::std_encode(&mac.finalize().into_bytes())
}

/// Signs a signature base string (RFC 5849 §3.4.2–§3.4.4) and returns the base64 signature.
///
/// `token_secret` is `None` before the client holds a token (the request-token leg); the key
/// still ends in `&`.
pub fn sign(
    method: SignatureMethod,
    base_string: &str,
    consumer: ConsumerCredential<'_>,
    token_secret: Option<&TokenSecret>,
) -> Result<String, SignError> {
    match consumer {
        ConsumerCredential::Secret(secret) => {
            let key = shared_key(secret, token_secret);
            let text = base_string.as_bytes();
            match method {
                SignatureMethod::HmacSha1 => {
                    Ok(hmac_base64::<Hmac<sha1::Sha1>>(key.as_bytes(), text))
                }
                SignatureMethod::HmacSha256 => {
                    Ok(hmac_base64::<Hmac<sha2::Sha256>>(key.as_bytes(), text))
                }
                SignatureMethod::HmacSha512 => {
                    Ok(hmac_base64::<Hmac<sha2::Sha512>>(key.as_bytes(), text))
                }
                SignatureMethod::Plaintext => Ok(key),
                SignatureMethod::RsaSha1
                | SignatureMethod::RsaSha256
                | SignatureMethod::RsaSha512 => Err(SignError::NeedsRsaKey(method)),
            }
        }
        #[cfg(feature = "rsa")]
        ConsumerCredential::RsaKey(key) => sign_rsa(method, base_string.as_bytes(), key),
    }
}

#[cfg(feature = "rsa")]
fn sign_rsa(
    method: SignatureMethod,
    text: &[u8],
    key: &RsaSigningKey,
) -> Result<String, SignError> {
    use rsa::Pkcs1v15Sign;
    use sha2::Digest as _;
    let signature = match method {
        SignatureMethod::RsaSha1 => key
            .0
            .sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(text)),
        SignatureMethod::RsaSha256 => key.0.sign(
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(text),
        ),
        SignatureMethod::RsaSha512 => key.0.sign(
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(text),
        ),
        _ => return Err(SignError::NeedsSharedSecret(method)),
    }
    .map_err(|e| SignError::Rsa(e.to_string()))?;
    Ok(crate::b64::std_encode(&signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::base_string::{signature_base_string, Body};

    fn hmac_sha1(base: &str, consumer: &str, token: &str) -> String {
        let consumer = ConsumerSecret::new(consumer);
        let token = TokenSecret::new(token);
        sign(
            SignatureMethod::HmacSha1,
            base,
            ConsumerCredential::Secret(&consumer),
            Some(&token),
        )
        .unwrap()
    }

    /// RFC 5849 §1.2, the three signed requests of the photo-printing example.
    ///
    /// The RFC's errata list carries reports against this example (its prose and the original
    /// OAuth Core 1.0 numbers disagree in places), so these expected values were not taken on
    /// trust: before writing this test they were recomputed with Python's standard `hmac`
    /// module, independently of this crate, and they verify as printed when the `/initiate`
    /// and `/token` requests are signed with their `https://` URLs and the `/photos` request
    /// with `http://`, none of them with `oauth_version`.
    #[test]
    fn rfc5849_section_1_2_example() {
        let consumer = [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_signature_method", "HMAC-SHA1"),
        ];
        let initiate = signature_base_string(
            "POST",
            "https://photos.example.net/initiate",
            Body::None,
            &[
                consumer[0],
                consumer[1],
                ("oauth_timestamp", "137131200"),
                ("oauth_nonce", "wIjqoS"),
                ("oauth_callback", "http://printer.example.com/ready"),
                ("realm", "Photos"),
            ],
        )
        .unwrap();
        assert_eq!(
            hmac_sha1(&initiate, "kd94hf93k423kf44", ""),
            "74KNZJeDHnMBp0EMJ9ZHt/XKycU="
        );

        let token = signature_base_string(
            "POST",
            "https://photos.example.net/token",
            Body::None,
            &[
                consumer[0],
                consumer[1],
                ("oauth_token", "hh5s93j4hdidpola"),
                ("oauth_timestamp", "137131201"),
                ("oauth_nonce", "walatlh"),
                ("oauth_verifier", "hfdp7dh39dks9884"),
            ],
        )
        .unwrap();
        assert_eq!(
            hmac_sha1(&token, "kd94hf93k423kf44", "hdhd0244k9j7ao03"),
            "gKgrFCywp7rO0OXSjdot/IHF7IU="
        );

        let photos = signature_base_string(
            "GET",
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            Body::None,
            &[
                consumer[0],
                consumer[1],
                ("oauth_token", "nnch734d00sl2jdk"),
                ("oauth_timestamp", "137131202"),
                ("oauth_nonce", "chapoH"),
            ],
        )
        .unwrap();
        assert_eq!(
            photos,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key\
             %3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth\
             _timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        assert_eq!(
            hmac_sha1(&photos, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
    }

    /// The OAuth Core 1.0 Appendix A.5 vector (with `oauth_version`), widely used by libraries.
    #[test]
    fn oauth_core_1_0_appendix_a_vector() {
        let base = signature_base_string(
            "GET",
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            Body::None,
            &[
                ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
                ("oauth_token", "nnch734d00sl2jdk"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "1191242096"),
                ("oauth_nonce", "kllo9940pd9333jh"),
                ("oauth_version", "1.0"),
            ],
        )
        .unwrap();
        assert_eq!(
            hmac_sha1(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    /// The RFC 4231 test case 2 message, through our key construction: consumer secret "Jefe"
    /// with no token secret must give the HMAC key "Jefe&". The expected values were computed
    /// for that key with Python's `hmac` module (SHA-256 and SHA-512), not with this crate.
    #[test]
    fn sha2_variants_use_the_same_key() {
        let consumer = ConsumerSecret::new("Jefe");
        let text = "what do ya want for nothing?";
        let sig = |m| sign(m, text, ConsumerCredential::Secret(&consumer), None).unwrap();
        assert_eq!(
            sig(SignatureMethod::HmacSha256),
            "G6gg/yGmYvQWkZm1QqmpNvIOkZBpTOxFHAozgOPNVJU="
        );
        assert_eq!(
            sig(SignatureMethod::HmacSha512),
            "LrtSOwcHyCz6vzcKh86WgYtQ0rxQCRn0JPVMMNRUDyWNsAyXoheCVAt5ocUTj3JV4bGIO8DWhC1Mt9mqNkZf1A=="
        );
    }

    #[test]
    fn plaintext_is_the_encoded_key_with_ampersand() {
        let consumer = ConsumerSecret::new("c s&");
        let token = TokenSecret::new("t/s");
        let p = |t| {
            sign(
                SignatureMethod::Plaintext,
                "ignored",
                ConsumerCredential::Secret(&consumer),
                t,
            )
            .unwrap()
        };
        assert_eq!(p(Some(&token)), "c%20s%26&t%2Fs");
        assert_eq!(p(None), "c%20s%26&");
    }

    #[test]
    fn method_names_round_trip_and_reject_unknown() {
        for m in SignatureMethod::ALL {
            assert_eq!(m.as_str().parse::<SignatureMethod>().unwrap(), m);
        }
        assert!("hmac-sha1".parse::<SignatureMethod>().is_err());
        assert!("HMAC-MD5".parse::<SignatureMethod>().is_err());
    }

    #[test]
    fn rsa_method_without_key_is_an_error() {
        let consumer = ConsumerSecret::new("s");
        assert_eq!(
            sign(
                SignatureMethod::RsaSha1,
                "x",
                ConsumerCredential::Secret(&consumer),
                None
            ),
            Err(SignError::NeedsRsaKey(SignatureMethod::RsaSha1))
        );
    }

    #[cfg(feature = "rsa")]
    mod rsa_tests {
        use super::*;
        use base64::Engine as _;
        use rsa::{Pkcs1v15Sign, RsaPublicKey};
        use sha2::Digest as _;

        const PKCS8: &str = include_str!("../../tests/data/rsa_test_key.pem");
        const PKCS1: &str = include_str!("../../tests/data/rsa_test_key_pkcs1.pem");

        fn verify(public: &RsaPublicKey, method: SignatureMethod, text: &str, sig: &str) -> bool {
            let sig = base64::engine::general_purpose::STANDARD
                .decode(sig)
                .unwrap();
            let b = text.as_bytes();
            match method {
                SignatureMethod::RsaSha1 => public.verify(
                    Pkcs1v15Sign::new::<sha1::Sha1>(),
                    &sha1::Sha1::digest(b),
                    &sig,
                ),
                SignatureMethod::RsaSha256 => public.verify(
                    Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &sha2::Sha256::digest(b),
                    &sig,
                ),
                SignatureMethod::RsaSha512 => public.verify(
                    Pkcs1v15Sign::new::<sha2::Sha512>(),
                    &sha2::Sha512::digest(b),
                    &sig,
                ),
                _ => unreachable!(),
            }
            .is_ok()
        }

        #[test]
        fn both_pem_forms_sign_identically_and_verify() {
            let k8 = RsaSigningKey::from_pem(PKCS8).unwrap();
            let k1 = RsaSigningKey::from_pem(PKCS1).unwrap();
            let text = "GET&http%3A%2F%2Fh%2F&a%3D1";
            for m in [
                SignatureMethod::RsaSha1,
                SignatureMethod::RsaSha256,
                SignatureMethod::RsaSha512,
            ] {
                let s8 = sign(m, text, ConsumerCredential::RsaKey(&k8), None).unwrap();
                let s1 = sign(m, text, ConsumerCredential::RsaKey(&k1), None).unwrap();
                assert_eq!(s8, s1);
                assert!(verify(&k8.public_key(), m, text, &s8));
                assert!(!verify(&k8.public_key(), m, "GET&x", &s8));
            }
        }

        /// RSASSA-PKCS1-v1_5 is deterministic, so a correct signer makes exactly these bytes.
        /// They were made outside this crate, by oauthlib 3.3.1 (the pinned reference of
        /// tests/reference/requirements.txt), under the PKCS#8 test key:
        ///     .venv/reference/bin/python tests/reference/rsa_vectors.py
        /// whose output is pasted below. The round trip above signs and verifies through the
        /// same `rsa` crate, so a fault both sides share (the DigestInfo prefix each takes from
        /// `Pkcs1v15Sign::new`, say) would pass it.
        #[test]
        fn signatures_match_oauthlibs_fixed_vectors() {
            // The RFC 5849 §1.2 `/photos` base string of `rfc5849_section_1_2_example`.
            const BASE_STRING: &str = "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key\
                 %3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth\
                 _timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal";
            // Generated by tests/reference/rsa_vectors.py with oauthlib 3.3.1.
            const RSA_SHA1: &str = "VyaBEYNiyJq5EPNWhidpNIQ5TDTqp2uCSXC8SCKNjZMxt1k3WmVkH+2iNp5mB1KPWDYEFCwmDmR9oy9YXBJqOggDxxbbkvxkbzsPA1q/+zPjRBj4RoE+9Rkamug2aAOGkEofnFGW2PdEYs/VlaXU0rkkWuQ9Cq5BjLtTR/91zi8=";
            const RSA_SHA256: &str = "N8653SdRLJU+cYhUxUjz3lkAn8fJjVTMwrL1jYJvIwQJQeVsZuIQegUcH9r0dIg2l+Ku32U3KCjrgLD6VW2dwRgX96zu1bBWZNFV7hE2EOyo69Rjv1O3M3BegoBL9XXht9PGhZGvGJbtmkPt0bPNoKZuIcS1d38WZrO786kI6cI=";
            const RSA_SHA512: &str = "3zi9gPEkSLD7sKQXFf3Ctxg3KGqVP9K9wAFrcfWRXIXQHtJLAtpPqxAVAF+C92JlL9JhO7hMkz7yVBfg2jrL74XBqMnxGnAkFKstF8rPZLb6X3fj4Tpp4YMuFt63bHhxNBJm5yPzgr3lcoRNCpXRbGwVhLaU5KHXBGtaczOOo6s=";
            let key = RsaSigningKey::from_pem(PKCS8).unwrap();
            for (method, expected) in [
                (SignatureMethod::RsaSha1, RSA_SHA1),
                (SignatureMethod::RsaSha256, RSA_SHA256),
                (SignatureMethod::RsaSha512, RSA_SHA512),
            ] {
                let ours = sign(method, BASE_STRING, ConsumerCredential::RsaKey(&key), None);
                assert_eq!(ours.unwrap(), expected, "{method}");
            }
        }

        #[test]
        fn rsa_key_with_hmac_method_is_an_error() {
            let k = RsaSigningKey::from_pem(PKCS8).unwrap();
            assert_eq!(
                sign(
                    SignatureMethod::HmacSha1,
                    "x",
                    ConsumerCredential::RsaKey(&k),
                    None
                ),
                Err(SignError::NeedsSharedSecret(SignatureMethod::HmacSha1))
            );
            assert!(!format!("{k:?}").contains("MII"));
        }

        #[test]
        fn garbage_pem_is_rejected() {
            assert_eq!(
                RsaSigningKey::from_pem(
                    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
                )
                .unwrap_err(),
                RsaKeyError::NotAPemRsaKey
            );
        }
    }
}
