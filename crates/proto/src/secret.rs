//! Secret newtypes: values that must never be logged, displayed or compared in variable time.
//!
//! Every secret Latchkey handles (consumer and token secrets, client secrets, access and refresh
//! tokens, the PKCE verifier, state and nonce) is one of these types. `Debug` prints
//! `[redacted]`, there is no `Display`, and equality is only available through
//! [`ct_eq`](ClientSecret::ct_eq), which runs in constant time.

/// Makes a secret newtype around a `String`.
macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself.
            ///
            /// Dangerous: whatever receives this string can leak it. Pass it only to the
            /// protocol step that needs it (a signature, a request body); never log it, put it
            /// in a URL the browser sees or send it to the single-page app.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Constant-time comparison with another value of the same kind.
            pub fn ct_eq(&self, other: &Self) -> bool {
                crate::secret::ct_eq_str(&self.0, &other.0)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}
pub(crate) use secret_type;

/// Constant-time string equality (the length itself is not secret).
pub fn ct_eq_str(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

secret_type!(
    /// An OAuth 1.0a consumer secret (RFC 5849 §3.4.2).
    ConsumerSecret
);
secret_type!(
    /// An OAuth 1.0a token secret, temporary or token credentials (RFC 5849 §2).
    TokenSecret
);
secret_type!(
    /// An OAuth 2.0 confidential client's secret (RFC 6749 §2.3.1).
    ClientSecret
);
secret_type!(
    /// An OAuth 2.0 access token (RFC 6749 §1.4).
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token (RFC 6749 §1.5).
    RefreshToken
);
secret_type!(
    /// The `state` value binding an authorization response to its request (RFC 6749 §10.12).
    State
);
secret_type!(
    /// The OpenID Connect `nonce` binding an ID token to its request (OIDC Core §3.1.2.1).
    Nonce
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = ClientSecret::new("hunter2");
        assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
        assert!(!format!("{:?}", Some(&s)).contains("hunter2"));
    }

    #[test]
    fn ct_eq_compares_values() {
        assert!(State::new("abc").ct_eq(&State::new("abc")));
        assert!(!State::new("abc").ct_eq(&State::new("abd")));
        assert!(!State::new("abc").ct_eq(&State::new("abcd")));
    }
}
