//! What a fresh ID token's times say of this device's clock, for words that name the likely
//! cause of a refused sign-in instead of two Unix times.

use latchkey_proto::oidc::IdTokenError;

use super::words;

/// How far this device's clock is from the provider's, as a fresh ID token shows it. Its
/// `Display` says what the token's times are here: `is dated 10 minutes after this device's
/// time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockSkew {
    /// The token is dated this many seconds after the time here (`iat` or `nbf`).
    #[error("is dated {} after this device's time", words::duration(*.0))]
    Behind(u64),
    /// The token had expired this many seconds before the time here (`exp`).
    #[error("had expired {} before this device's time", words::duration(*.0))]
    Ahead(u64),
}

impl ClockSkew {
    /// The skew an ID token's refusal shows, if it is one of its times.
    pub(crate) fn of(error: &IdTokenError) -> Option<ClockSkew> {
        match *error {
            IdTokenError::IssuedInTheFuture { iat: t, now }
            | IdTokenError::NotYetValid { nbf: t, now } => {
                Some(ClockSkew::Behind(t.saturating_sub(now)))
            }
            IdTokenError::Expired { exp, now } => Some(ClockSkew::Ahead(now.saturating_sub(exp))),
            _ => None,
        }
    }

    /// The clock in words: `this device's clock is about 10 minutes behind Django's: …`, or
    /// `at least 10 minutes ahead of` (an expired token shows only a lower bound).
    pub fn sentence(self, provider: &str) -> String {
        match self {
            ClockSkew::Behind(secs) => format!(
                "this device's clock is about {} behind {provider}'s: the sign-in {provider} sent is dated after the time here",
                words::duration(secs)
            ),
            ClockSkew::Ahead(secs) => format!(
                "this device's clock is at least {} ahead of {provider}'s: the sign-in {provider} sent had already expired by it",
                words::duration_at_least(secs)
            ),
        }
    }
}
