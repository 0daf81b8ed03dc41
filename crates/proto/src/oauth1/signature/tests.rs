//! Signature methods: published vectors, the key rules, and RSA (feature `rsa`).

use super::*;
use crate::oauth1::base_string::{signature_base_string, Body};
use crate::oauth1::test_rng;

fn hmac_sha1(base: &str, consumer: &str, token: &str) -> String {
    let consumer = ConsumerSecret::new(consumer);
    let token = TokenSecret::new(token);
    sign(
        SignatureMethod::HmacSha1,
        base,
        ConsumerCredential::Secret(&consumer),
        Some(&token),
        &mut test_rng(),
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
    let sig = |m| {
        sign(
            m,
            text,
            ConsumerCredential::Secret(&consumer),
            None,
            &mut test_rng(),
        )
        .unwrap()
    };
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
            &mut test_rng(),
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
            None,
            &mut test_rng(),
        ),
        Err(SignError::NeedsRsaKey(SignatureMethod::RsaSha1))
    );
}

#[cfg(feature = "rsa")]
mod rsa_tests {
    use super::*;
    use rsa::{Pkcs1v15Sign, RsaPublicKey};
    use sha2::Digest as _;

    const PKCS8: &str = include_str!("../../../tests/data/rsa_test_key.pem");
    const PKCS1: &str = include_str!("../../../tests/data/rsa_test_key_pkcs1.pem");

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
        let mut rng = test_rng();
        for m in [
            SignatureMethod::RsaSha1,
            SignatureMethod::RsaSha256,
            SignatureMethod::RsaSha512,
        ] {
            let s8 = sign(m, text, ConsumerCredential::RsaKey(&k8), None, &mut rng).unwrap();
            let s1 = sign(m, text, ConsumerCredential::RsaKey(&k1), None, &mut rng).unwrap();
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
        let mut rng = test_rng();
        for (method, expected) in [
            (SignatureMethod::RsaSha1, RSA_SHA1),
            (SignatureMethod::RsaSha256, RSA_SHA256),
            (SignatureMethod::RsaSha512, RSA_SHA512),
        ] {
            let ours = sign(
                method,
                BASE_STRING,
                ConsumerCredential::RsaKey(&key),
                None,
                &mut rng,
            );
            assert_eq!(ours.unwrap(), expected, "{method}");
        }
    }

    /// An RNG that counts the bytes drawn from it.
    struct Counting(rand::rngs::StdRng, usize);

    impl rand_core::RngCore for Counting {
        fn next_u32(&mut self) -> u32 {
            self.1 += 4;
            self.0.next_u32()
        }
        fn next_u64(&mut self) -> u64 {
            self.1 += 8;
            self.0.next_u64()
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            self.1 += dest.len();
            self.0.fill_bytes(dest)
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.1 += dest.len();
            self.0.try_fill_bytes(dest)
        }
    }

    impl rand_core::CryptoRng for Counting {}

    /// RUSTSEC-2023-0071 (issue 19, finding 6): the private-key operation is blinded with
    /// the caller's RNG, and since RSASSA-PKCS1-v1_5 is deterministic the signature is
    /// byte for byte the unblinded one, whatever the RNG, and verifies.
    #[test]
    fn rsa_signing_is_blinded_with_the_callers_rng_and_the_bytes_do_not_change() {
        use rand::SeedableRng as _;
        let k = RsaSigningKey::from_pem(PKCS8).unwrap();
        let text = "POST&https%3A%2F%2Fapi.example%2Fsign&a%3D1%26oauth_nonce%3Dn";
        for m in [
            SignatureMethod::RsaSha1,
            SignatureMethod::RsaSha256,
            SignatureMethod::RsaSha512,
        ] {
            // The rsa crate's own unblinded signature of the same digest.
            let b = text.as_bytes();
            let unblinded = match m {
                SignatureMethod::RsaSha1 => {
                    k.0.sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(b))
                }
                SignatureMethod::RsaSha256 => k.0.sign(
                    Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &sha2::Sha256::digest(b),
                ),
                _ => k.0.sign(
                    Pkcs1v15Sign::new::<sha2::Sha512>(),
                    &sha2::Sha512::digest(b),
                ),
            }
            .unwrap();
            let unblinded = base64::engine::general_purpose::STANDARD.encode(unblinded);
            for seed in [1, 2, 3] {
                let mut rng = Counting(rand::rngs::StdRng::seed_from_u64(seed), 0);
                let blinded =
                    sign(m, text, ConsumerCredential::RsaKey(&k), None, &mut rng).unwrap();
                assert!(
                    rng.1 > 0,
                    "{m}: the RNG was not read, so nothing was blinded"
                );
                assert_eq!(blinded, unblinded, "{m}, seed {seed}");
                assert!(verify(&k.public_key(), m, text, &blinded), "{m}");
            }
        }
        // HMAC has nothing to blind and draws nothing.
        let secret = ConsumerSecret::new("s");
        let mut rng = Counting(rand::rngs::StdRng::seed_from_u64(0), 0);
        sign(
            SignatureMethod::HmacSha1,
            text,
            ConsumerCredential::Secret(&secret),
            None,
            &mut rng,
        )
        .unwrap();
        assert_eq!(rng.1, 0);
    }

    #[test]
    fn rsa_key_with_hmac_method_is_an_error() {
        let k = RsaSigningKey::from_pem(PKCS8).unwrap();
        assert_eq!(
            sign(
                SignatureMethod::HmacSha1,
                "x",
                ConsumerCredential::RsaKey(&k),
                None,
                &mut test_rng(),
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
