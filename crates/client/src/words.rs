//! Every sentence the sign-in flows show, as data: the views render these and never make
//! up their own wording for an auth state.

/// Shown while a stored session is looked for on load.
pub const RESTORING: &str = "Checking whether you are signed in…";
/// The retry button after a failed sign-in.
pub const RETRY_SIGN_IN: &str = "Try again";
/// The button that goes back to the provider list.
pub const RETRY_SHOW_PROVIDERS: &str = "Back to sign-in";
/// The API console keeps at most this many characters of a response body.
pub const API_BODY_LIMIT: usize = 64 * 1024;
/// Appended when a response body was cut at [`API_BODY_LIMIT`].
pub const API_BODY_CUT: &str = "\n… (cut: the body is longer than the console shows)";

/// Progress: discovery.
pub fn step_discovering(provider: &str) -> String {
    format!("Looking up {provider}'s sign-in endpoints…")
}

/// Progress: leaving for the provider.
pub fn step_redirecting(provider: &str) -> String {
    format!("Taking you to {provider}…")
}

/// Progress: reading the callback.
pub fn step_checking(provider: &str) -> String {
    format!("Checking {provider}'s answer…")
}

/// Progress: the code exchange.
pub const STEP_EXCHANGING: &str = "Exchanging the authorization code for tokens…";
/// Progress: JWKS and signature.
pub const STEP_VERIFYING: &str = "Checking the ID token's signature…";
/// Progress: userinfo.
pub const STEP_PROFILE: &str = "Loading your profile…";
/// Progress: refresh on load.
pub const STEP_RENEWING: &str = "Renewing your session…";
/// Progress: "Try again" asks the companion whether an OAuth 1.0a session holds.
pub const STEP_CHECKING_SESSION: &str = "Checking your session…";

/// Progress: sign-out.
pub fn step_signing_out(provider: &str) -> String {
    format!("Signing you out of {provider}…")
}

/// The user pressed "cancel" / "deny" at the provider (`access_denied`).
pub fn cancelled_at(provider: &str) -> String {
    format!("You cancelled sign-in at {provider}.")
}

/// Heading for a cancelled sign-in.
pub const TITLE_CANCELLED: &str = "Sign-in was cancelled";
/// Heading for a failed sign-in.
pub const TITLE_SIGN_IN_FAILED: &str = "Sign-in did not work";
/// Heading for a session that could not be renewed.
pub const TITLE_SESSION_ENDED: &str = "Your session ended";
/// Heading for a renewal that failed on the way to the provider (the session is kept).
pub const TITLE_RENEW_FAILED: &str = "Your session could not be renewed";
/// Heading for a profile that could not be loaded (the user is signed in).
pub const TITLE_PROFILE: &str = "Your profile could not be loaded";

/// A span of seconds in words: "45 seconds", "5 minutes", "3 hours", "2 days", rounded to the
/// nearest whole unit. Rounding, not flooring: a clock set five minutes back meets a token
/// issued a second before the check as 299 s, which is "5 minutes", not "4".
pub fn duration(secs: u64) -> String {
    in_whole_units(secs, |unit| secs.saturating_add(unit / 2) / unit)
}

/// A lower bound in words ("at least …"): like [`duration`], but rounded down, so the words
/// never claim more than `secs`.
pub fn duration_at_least(secs: u64) -> String {
    in_whole_units(secs, |unit| secs / unit)
}

/// `secs` in the largest unit that reads as at least two of it, counted by `count(unit)`.
fn in_whole_units(secs: u64, count: impl Fn(u64) -> u64) -> String {
    let (n, unit) = match secs {
        0..120 => (secs, "second"),
        120..7200 => (count(60), "minute"),
        7200..172_800 => (count(3600), "hour"),
        _ => (count(86_400), "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// After a failed callback: why "Try again" starts over.
pub fn restart_note(provider: &str) -> String {
    format!("“Try again” starts sign-in with {provider} from the beginning: the one-time code it sent cannot be used twice.")
}

/// A session that ran out with nothing to renew it (the provider issued no refresh token, or
/// it may not be sent again): what happened and what to do, without calling it a failure.
pub fn session_ran_out(provider: &str) -> String {
    format!("Your access to {provider} lasts a limited time, and this site cannot renew it without you. Sign in again to continue.")
}

/// An OAuth 1.0a sign-in handed back by a companion on another site that could not be taken.
pub fn handoff_failed(provider: &str, why: &str) -> String {
    format!("Signing in with {provider} failed: {why}.")
}

/// After a failed renewal that kept the session.
pub fn renew_note(provider: &str) -> String {
    format!(
        "Your session is kept, and renewed by itself once {provider} answers; “Try again” tries now."
    )
}

/// Heading for an OAuth 1.0a session the companion could not confirm (it is kept).
pub const TITLE_SESSION_UNCHECKED: &str = "Your session could not be checked";

/// The companion answered, but not whether there is a session: what the answer was.
pub fn session_check_unusable(what: &str) -> String {
    format!("This site's sign-in server (the companion) answered {what} where it says whether you are signed in.")
}

/// After a session check that could not tell: nothing was dropped.
pub fn session_kept_note(provider: &str) -> String {
    format!(
        "Your sign-in with {provider} is kept, and checked again by itself once the sign-in server answers; “Try again” asks now."
    )
}

/// Heading for a sign-out that could not finish everything.
pub const TITLE_SIGN_OUT: &str = "Sign-out was incomplete";
/// Heading for a configuration problem.
pub const TITLE_CONFIG: &str = "This provider is not set up correctly";

/// What an OAuth error code means, in words (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
/// `None` for codes without a sentence of their own.
pub fn provider_error_sentence(provider: &str, code: &str) -> Option<String> {
    let s = match code {
        "access_denied" => return Some(cancelled_at(provider)),
        "login_required" | "interaction_required" | "consent_required" => {
            format!("{provider} needs you to sign in and approve the request again.")
        }
        "invalid_scope" => format!("{provider} refused the permissions this site asked for."),
        "unauthorized_client" | "invalid_client" | "unsupported_response_type" => {
            format!("{provider} does not accept this site's sign-in requests (its client registration does not match).")
        }
        "invalid_request" => format!("{provider} said the sign-in request was malformed."),
        "server_error" => format!("{provider} had an internal error."),
        "temporarily_unavailable" => format!("{provider} is busy or down for maintenance right now."),
        "invalid_grant" => format!("{provider} no longer accepts this sign-in (the code or session expired or was used already)."),
        _ => return None,
    };
    Some(s)
}

/// An OAuth 1.0a sign-in the companion could not finish, by the code it sent back in the
/// address (`latchkey_error`). `None` for codes without a sentence of their own.
pub fn companion_sign_in_sentence(provider: &str, code: &str) -> Option<String> {
    let s = match code {
        "provider_unreachable" => format!("{provider} could not be reached: this site's sign-in server got no answer from it. It may be down; try again in a moment."),
        "provider_timeout" => format!("{provider} did not answer in time. It may be slow or overloaded right now; try again in a moment."),
        "provider_error" => format!("{provider} answered the sign-in with an error or something unreadable. It may have a problem right now."),
        "sign_in_expired" => format!("This sign-in with {provider} had expired or was already used: it has to finish within 10 minutes, in the browser that started it. Start again."),
        "sign_in_refused" => format!("The sign-in with {provider} was cancelled, or {provider} refused it."),
        "unknown_provider" => format!("This site has no sign-in set up for {provider}."),
        "rate_limited" => format!("Too many sign-ins with {provider} were started from your network in a short time, so this one was not sent. Wait a minute, then try again."),
        "sign_in_failed" => format!("This site's sign-in server could not finish signing you in with {provider}."),
        _ => return None,
    };
    Some(s)
}

/// An OAuth 1.0a sign-in failure whose code this page does not know (a newer companion).
pub fn companion_sign_in_unknown(provider: &str) -> String {
    format!("Signing in with {provider} did not work.")
}

/// After a browser's token request was answered `invalid_client`: the provider sends CORS
/// headers but may want a confidential client (docs/providers.md).
pub fn client_secret_hint(provider: &str) -> String {
    format!("{provider} may expect a client secret, which a browser cannot keep: set `token_via_companion = true` with a client secret for this provider in latchkey.toml (see docs/providers.md).")
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_in_the_largest_whole_unit_up_to_two_of_it() {
        assert_eq!(duration(0), "0 seconds");
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(119), "119 seconds");
        assert_eq!(duration(300), "5 minutes");
        assert_eq!(duration(3600), "60 minutes");
        assert_eq!(duration(7200), "2 hours");
        assert_eq!(duration(86_400 * 3), "3 days");
    }

    #[test]
    fn durations_round_to_the_nearest_unit_rather_than_down() {
        assert_eq!(duration(299), "5 minutes");
        assert_eq!(duration(329), "5 minutes");
        assert_eq!(duration(330), "6 minutes");
        assert_eq!(duration(7199), "120 minutes");
        assert_eq!(duration(9000), "3 hours");
        assert_eq!(duration(86_400 * 3 - 1), "3 days");
        assert_eq!(duration(u64::MAX), format!("{} days", u64::MAX / 86_400));
    }

    #[test]
    fn a_lower_bound_rounds_down_so_it_never_claims_more() {
        assert_eq!(duration_at_least(119), "119 seconds");
        assert_eq!(duration_at_least(359), "5 minutes");
        assert_eq!(duration_at_least(86_400 * 3 + 43_200), "3 days");
        assert_eq!(duration(86_400 * 3 + 43_200), "4 days");
        assert_eq!(duration_at_least(86_400 * 3), "3 days");
    }

    use super::*;

    #[test]
    fn access_denied_reads_as_a_cancellation_naming_the_provider() {
        assert_eq!(
            provider_error_sentence("Django", "access_denied").as_deref(),
            Some("You cancelled sign-in at Django.")
        );
    }

    #[test]
    fn unknown_codes_have_no_sentence_so_the_caller_shows_the_description() {
        assert_eq!(provider_error_sentence("X", "weird_thing"), None);
    }
}
