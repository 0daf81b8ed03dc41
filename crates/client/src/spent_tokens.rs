//! Refresh tokens this browser has already spent, for `browser` storage, where every tab of the
//! origin shares one rotating refresh token.
//!
//! A renewal runs under a Web Lock, and inside it a tab must know whether the token it holds
//! is still current. Neither the broadcast nor `localStorage` can tell it reliably: both reach
//! another tab's process some time after the write, with no ordering against the lock grant
//! (seen in CI: two tabs' timers fired together, the second re-read the old token from
//! `localStorage` after the first had rotated it, and Django OAuth Toolkit revoked the whole
//! family for the reuse). So the tab that sends a refresh token records it here, in
//! IndexedDB, before it releases the lock; a tab that finds its token in the list knows it
//! is stale without waiting on anything else.
//!
//! Only a fingerprint is kept (SHA-256, truncated to 128 bits): enough to recognise a token,
//! useless to spend one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::secret::RefreshToken;
use sha2::{Digest, Sha256};

/// How many fingerprints are kept per provider: a tab is never that many renewals behind.
const KEPT: usize = 16;

/// The fingerprint of a refresh token.
pub fn fingerprint(token: &RefreshToken) -> String {
    let digest = Sha256::digest(token.secret().as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Whether `list` (the stored record, if any) holds `fingerprint`. An unreadable record
/// holds nothing.
pub fn contains(list: Option<&str>, fingerprint: &str) -> bool {
    parse(list).iter().any(|f| f == fingerprint)
}

/// The record `list` with `fingerprint` added, newest last, at most [`KEPT`] long.
pub fn with(list: Option<&str>, fingerprint: &str) -> String {
    let mut all = parse(list);
    all.retain(|f| f != fingerprint);
    all.push(fingerprint.to_owned());
    let drop = all.len().saturating_sub(KEPT);
    all.drain(..drop);
    serde_json::Value::from(all).to_string()
}

fn parse(list: Option<&str>) -> Vec<String> {
    let items = match list.map(|text| serde_json::from_slice(text.as_bytes())) {
        Some(Ok(serde_json::Value::Array(items))) => items,
        _ => return Vec::new(),
    };
    latchkey_proto::json::string_list(&items).unwrap_or_default()
}

/// The IndexedDB key of a provider's list.
fn key(provider_id: &str) -> String {
    format!("latchkey.spent.{provider_id}")
}

/// Whether a tab of this browser has already sent `token` to the token endpoint.
pub async fn is_spent(
    provider_id: &str,
    token: &RefreshToken,
) -> Result<bool, crate::browser::BrowserError> {
    let list = crate::browser::indexed_db::get(&key(provider_id)).await?;
    Ok(contains(list.as_deref(), &fingerprint(token)))
}

/// Records that `token` was sent; returns once every tab can see it. Call it under the
/// provider's Web Lock (the read and the write are two transactions).
pub async fn record(
    provider_id: &str,
    token: &RefreshToken,
) -> Result<(), crate::browser::BrowserError> {
    use crate::browser::indexed_db;
    let key = key(provider_id);
    let list = indexed_db::get(&key).await?;
    indexed_db::put(&key, &with(list.as_deref(), &fingerprint(token))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(s: &str) -> RefreshToken {
        RefreshToken::new(s)
    }

    #[test]
    fn fingerprints_tell_tokens_apart_and_hide_them() {
        let a = fingerprint(&token("4lglCl0iiwVtQrKq39nwGL2mXQA9zr"));
        let b = fingerprint(&token("3ypVZ4VtnBSnIJ4nUCEoVlOIDKVzFO"));
        assert_ne!(a, b);
        assert_eq!(a, fingerprint(&token("4lglCl0iiwVtQrKq39nwGL2mXQA9zr")));
        assert_eq!(a.len(), 22, "128 bits, base64url");
        assert!(!a.contains("4lglCl0i"));
    }

    #[test]
    fn a_recorded_fingerprint_is_found_and_others_are_not() {
        let list = with(None, "one");
        assert!(contains(Some(&list), "one"));
        assert!(!contains(Some(&list), "two"));
        assert!(!contains(None, "one"));
        let list = with(Some(&list), "two");
        assert!(contains(Some(&list), "one") && contains(Some(&list), "two"));
    }

    #[test]
    fn the_list_keeps_the_newest_and_no_duplicates() {
        let mut list = None;
        for i in 0..40 {
            list = Some(with(list.as_deref(), &format!("fp{i}")));
        }
        let list = with(list.as_deref(), "fp39");
        let kept: Vec<String> = serde_json::from_str(&list).unwrap();
        assert_eq!(kept.len(), KEPT);
        assert_eq!(kept.first().map(String::as_str), Some("fp24"));
        assert_eq!(kept.last().map(String::as_str), Some("fp39"));
        assert!(contains(Some(&list), "fp39") && !contains(Some(&list), "fp23"));
    }

    #[test]
    fn an_unreadable_record_is_replaced_not_trusted() {
        assert!(!contains(Some("not json"), "one"));
        assert_eq!(with(Some("{\"x\":1}"), "one"), "[\"one\"]");
    }
}
