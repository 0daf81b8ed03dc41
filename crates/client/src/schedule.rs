//! When to renew an access token.
//!
//! A refresh starts shortly before expiry: a quarter of the token's lifetime early, but at
//! most a minute and at least five seconds, so a 30-second token is renewed after ~22 s and
//! an hour-long one after 59 minutes. A renewal that met a passing fault (no answer, a 5xx)
//! is tried again after 10 s, then 20, 40, … at most five minutes apart.

/// The most a refresh is moved ahead of expiry.
const MAX_MARGIN_MS: u64 = 60_000;
/// The least.
const MIN_MARGIN_MS: u64 = 5_000;
/// The least time between receiving tokens and renewing them (shorter than the least
/// margin, so an 8-second token keeps its five seconds).
const MIN_INTERVAL_MS: u64 = 2_000;
/// `setTimeout` treats delays above 2³¹−1 ms as 0; longer waits are re-armed later.
pub const MAX_TIMER_MS: u64 = i32::MAX as u64;
/// The wait before the first new try of a renewal that met a passing fault.
const FIRST_RETRY_MS: u64 = 10_000;
/// The longest wait between such tries.
const MAX_RETRY_MS: u64 = 300_000;

/// Milliseconds from `now` until the refresh should run, or `None` when the token has no
/// known expiry (the API console's 401 handling covers that case).
pub fn refresh_delay_ms(now_ms: u64, issued_at_ms: u64, expires_at_ms: Option<u64>) -> Option<u64> {
    let expires = expires_at_ms?;
    let lifetime = expires.saturating_sub(issued_at_ms);
    let margin = (lifetime / 4).clamp(MIN_MARGIN_MS, MAX_MARGIN_MS);
    // Never sooner than MIN_INTERVAL_MS after the tokens came: a provider that answers
    // `expires_in: 0` (or a lifetime shorter than the margin) would otherwise be asked again
    // at once, and again, in a tight loop (issue 19, finding 11).
    let at = expires
        .saturating_sub(margin)
        .max(issued_at_ms.saturating_add(MIN_INTERVAL_MS));
    Some(at.saturating_sub(now_ms).min(MAX_TIMER_MS))
}

/// Milliseconds before renewing again after `round` renewals in a row met a passing fault
/// (0 for the first): 10 s, doubling, at most five minutes.
pub fn retry_delay_ms(round: u32) -> u64 {
    FIRST_RETRY_MS
        .saturating_mul(1u64.checked_shl(round).unwrap_or(u64::MAX))
        .min(MAX_RETRY_MS)
}

/// The access-token expiry from a token response's `expires_in` (seconds), received at `now`.
pub fn expires_at_ms(now_ms: u64, expires_in_s: Option<u64>) -> Option<u64> {
    expires_in_s.map(|s| now_ms.saturating_add(s.saturating_mul(1000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_or_tiny_lifetime_is_not_renewed_in_a_tight_loop() {
        let now = 1_000_000;
        assert_eq!(refresh_delay_ms(now, now, Some(now)), Some(MIN_INTERVAL_MS));
        assert_eq!(
            refresh_delay_ms(now, now, Some(now + 1_000)),
            Some(MIN_INTERVAL_MS)
        );
        // A 10-second token keeps its usual renewal after 5 s.
        assert_eq!(refresh_delay_ms(now, now, Some(now + 10_000)), Some(5_000));
    }

    #[test]
    fn an_hour_long_token_is_renewed_a_minute_early() {
        let now = 1_000_000;
        assert_eq!(
            refresh_delay_ms(now, now, Some(now + 3_600_000)),
            Some(3_540_000)
        );
    }

    #[test]
    fn a_short_token_is_renewed_a_quarter_early() {
        let now = 0;
        assert_eq!(refresh_delay_ms(now, now, Some(40_000)), Some(30_000));
    }

    #[test]
    fn a_very_short_token_still_gets_five_seconds() {
        assert_eq!(refresh_delay_ms(0, 0, Some(8_000)), Some(3_000));
    }

    #[test]
    fn an_expired_token_is_renewed_now() {
        assert_eq!(refresh_delay_ms(100_000, 0, Some(50_000)), Some(0));
    }

    #[test]
    fn no_expiry_means_no_timer() {
        assert_eq!(refresh_delay_ms(0, 0, None), None);
    }

    #[test]
    fn delays_fit_set_timeout() {
        assert_eq!(
            refresh_delay_ms(0, 0, Some(u64::MAX / 2)),
            Some(MAX_TIMER_MS)
        );
    }

    #[test]
    fn a_renewal_that_met_a_fault_is_tried_again_later_each_time_up_to_five_minutes() {
        let waits: Vec<u64> = (0..7).map(retry_delay_ms).collect();
        assert_eq!(
            waits,
            [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]
        );
        assert_eq!(retry_delay_ms(63), MAX_RETRY_MS);
        assert_eq!(retry_delay_ms(64), MAX_RETRY_MS);
        assert_eq!(retry_delay_ms(u32::MAX), MAX_RETRY_MS);
    }

    #[test]
    fn expires_in_is_seconds() {
        assert_eq!(expires_at_ms(1_000, Some(60)), Some(61_000));
        assert_eq!(expires_at_ms(1_000, None), None);
    }
}
