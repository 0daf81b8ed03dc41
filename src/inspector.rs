//! What the token inspector shows, in words: claim rows, dates and the expiry countdown.
//!
//! Plain Rust (no clock, no DOM), so the views stay thin and this is tested natively.

/// One row of the claims table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    /// The claim's name as in the token, e.g. `exp`.
    pub name: String,
    /// What the claim means, for registered claims (OIDC Core §2, §5.1).
    pub meaning: Option<&'static str>,
    /// The value, readable: strings unquoted, times as UTC dates, lists joined.
    pub value: String,
}

/// Claims whose value is a time in seconds since the epoch (RFC 7519 §4.1, OIDC Core §2).
const TIME_CLAIMS: [&str; 5] = ["exp", "iat", "nbf", "auth_time", "updated_at"];

/// What a registered claim means, in a few words.
pub fn claim_meaning(name: &str) -> Option<&'static str> {
    Some(match name {
        "iss" => "Issuer",
        "sub" => "Subject (your id at the provider)",
        "aud" => "Audience (this site's client id)",
        "exp" => "Expires",
        "iat" => "Issued at",
        "nbf" => "Not valid before",
        "auth_time" => "When you signed in",
        "nonce" => "Nonce (ties the token to this sign-in)",
        "azp" => "Authorized party",
        "at_hash" => "Access token hash",
        "c_hash" => "Code hash",
        "sid" => "Session id",
        "acr" => "Authentication context",
        "amr" => "Authentication methods",
        "name" => "Name",
        "given_name" => "Given name",
        "family_name" => "Family name",
        "preferred_username" => "Username",
        "email" => "E-mail",
        "email_verified" => "E-mail verified",
        "picture" => "Picture",
        "locale" => "Locale",
        "zoneinfo" => "Time zone",
        "updated_at" => "Profile updated",
        _ => return None,
    })
}

/// The claims table, in the order given.
pub fn claim_rows(claims: &[(String, String)]) -> Vec<ClaimRow> {
    claims
        .iter()
        .map(|(name, json)| ClaimRow {
            name: name.clone(),
            meaning: claim_meaning(name),
            value: readable_value(name, json),
        })
        .collect()
}

/// A claim's JSON text made readable. Text that is not JSON is shown as it is.
fn readable_value(name: &str, json: &str) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json.as_bytes()) else {
        return json.to_owned();
    };
    match value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) if TIME_CLAIMS.contains(&name) => match n.as_i64() {
            Some(secs) => format!("{} ({secs})", utc_date_time(secs)),
            None => n.to_string(),
        },
        serde_json::Value::Bool(b) => if b { "yes" } else { "no" }.to_owned(),
        serde_json::Value::Array(items) if items.iter().all(|v| v.is_string()) => items
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// `secs` since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian).
pub fn utc_date_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day), by the well-known era arithmetic:
/// 400-year eras of 146 097 days, with years starting on 1 March so the leap day is last.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // In range by construction: month 1..=12, day 1..=31.
    (year, month as u32, day as u32)
}

/// What the access token's lifetime looks like at `now_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The provider did not say (or the protocol's tokens do not expire).
    Unknown,
    /// Still valid for this many whole seconds.
    In(u64),
    /// Already expired.
    Expired,
}

/// Where `expires_at_ms` stands at `now_ms`.
pub fn expiry(expires_at_ms: Option<u64>, now_ms: u64) -> Expiry {
    match expires_at_ms {
        None => Expiry::Unknown,
        Some(at) if at <= now_ms => Expiry::Expired,
        Some(at) => Expiry::In((at - now_ms).div_ceil(1000)),
    }
}

/// A countdown such as `1 h 05 min`, `4 min 07 s` or `42 s`.
pub fn countdown(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn dates_match_known_instants() {
        assert_eq!(utc_date_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_date_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_date_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc_date_time(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(utc_date_time(4_102_444_800), "2100-01-01 00:00:00 UTC");
    }

    #[test]
    fn time_claims_read_as_dates_and_keep_the_raw_number() {
        let rows = claim_rows(&claims(&[("exp", "1700000000"), ("max_age", "1700000000")]));
        assert_eq!(rows[0].value, "2023-11-14 22:13:20 UTC (1700000000)");
        assert_eq!(rows[0].meaning, Some("Expires"));
        // Not a registered time claim: left alone.
        assert_eq!(rows[1].value, "1700000000");
        assert_eq!(rows[1].meaning, None);
    }

    #[test]
    fn strings_lose_their_quotes_and_lists_are_joined() {
        let rows = claim_rows(&claims(&[
            ("iss", r#""http://127.0.0.1:9000/o""#),
            ("aud", r#"["spa","api"]"#),
            ("email_verified", "true"),
            ("address", r#"{"country":"NL"}"#),
            ("broken", "not json"),
        ]));
        let values: Vec<_> = rows.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "http://127.0.0.1:9000/o",
                "spa, api",
                "yes",
                r#"{"country":"NL"}"#,
                "not json"
            ]
        );
    }

    #[test]
    fn expiry_rounds_up_and_turns_expired_at_the_instant() {
        assert_eq!(expiry(None, 5), Expiry::Unknown);
        assert_eq!(expiry(Some(10_000), 9_001), Expiry::In(1));
        assert_eq!(expiry(Some(10_000), 10_000), Expiry::Expired);
        assert_eq!(expiry(Some(70_000), 0), Expiry::In(70));
    }

    #[test]
    fn countdown_reads_naturally_at_each_scale() {
        assert_eq!(countdown(42), "42 s");
        assert_eq!(countdown(247), "4 min 07 s");
        assert_eq!(countdown(3_900), "1 h 05 min");
    }
}
