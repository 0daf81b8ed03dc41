//! Which DPoP keys this browser keeps in IndexedDB, and when a page last used each: so that a
//! key nothing uses any more is deleted, instead of staying forever.
//!
//! A key outlives its session when the session goes without the client's hearing of it: a tab
//! closed with a `tab` session (its `sessionStorage` goes with it, the key in IndexedDB does
//! not), or site data cleared in part. No tab can ask whether another, closed, discarded or
//! frozen, still holds a key (Chromium's discarded tabs hold no Web Lock and answer no
//! broadcast, then come back with their `sessionStorage`). So liveness is by use: every page
//! that loads a key from IndexedDB, and the sign-in that makes one, marks it used now, in
//! `localStorage` under `latchkey.dpop_keys` (`{"<id>": <seconds since the epoch>}`); each
//! page's start deletes the keys unused for [`UNUSED_SECS`]. A tab asleep for longer than
//! that comes back to a session whose key is gone, which it says in words (sign in again).
//!
//! Two tabs writing at once may lose one's mark: that only delays a deletion, or makes a key
//! look a page load older than it is, never by a month.

use latchkey_proto::json;
use serde_json::Value;

/// A key no page has used for this long (30 days) is deleted.
pub const UNUSED_SECS: u64 = 30 * 24 * 3600;

/// The `localStorage` key of the record.
pub const RECORD: &str = "latchkey.dpop_keys";

fn parse(record: Option<&str>) -> json::Object {
    record
        .and_then(|text| json::object(text.as_bytes()))
        .unwrap_or_default()
}

/// The record with `id` marked used at `now`.
pub fn used(record: Option<&str>, id: &str, now: u64) -> String {
    let mut all = parse(record);
    all.insert(id.to_owned(), now.into());
    Value::Object(all).to_string()
}

/// The record without `ids`; `None` when no key is left (the record goes, so a browser
/// whose sessions never kept a key keeps nothing of this either).
pub fn without(record: Option<&str>, ids: &[String]) -> Option<String> {
    // Copied into a new map rather than `retain`ed: removing from a `BTreeMap` brings its
    // rebalancing code into the wasm (4.5 KB), which nothing else there needs.
    let mut kept = json::Object::new();
    for (id, seen) in parse(record).iter().filter(|(id, _)| !ids.contains(id)) {
        kept.insert(id.clone(), seen.clone());
    }
    (!kept.is_empty()).then(|| Value::Object(kept).to_string())
}

/// The keys unused for longer than [`UNUSED_SECS`] at `now`. A mark that is not a number
/// counts as unused; one in the future (a clock set back) as used now.
pub fn unused(record: Option<&str>, now: u64) -> Vec<String> {
    parse(record)
        .iter()
        .filter(|(_, seen)| {
            seen.as_u64()
                .is_none_or(|seen| now.saturating_sub(seen) > UNUSED_SECS)
        })
        .map(|(id, _)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn a_key_is_unused_once_no_page_has_marked_it_for_thirty_days() {
        let record = used(None, "old", NOW - UNUSED_SECS - 1);
        let record = used(Some(&record), "recent", NOW - UNUSED_SECS);
        let record = used(Some(&record), "ahead", NOW + 3600);
        assert_eq!(unused(Some(&record), NOW), ["old"]);
        // Marking it used again keeps it.
        let record = used(Some(&record), "old", NOW);
        assert_eq!(unused(Some(&record), NOW), Vec::<String>::new());
    }

    #[test]
    fn deleted_keys_leave_the_record_and_a_broken_record_reads_as_empty() {
        let record = used(Some(&used(None, "a", NOW)), "b", NOW);
        assert_eq!(
            without(Some(&record), &["a".into()]),
            Some(format!("{{\"b\":{NOW}}}"))
        );
        assert_eq!(without(Some(&record), &["a".into(), "b".into()]), None);
        assert_eq!(unused(Some("not json"), NOW), Vec::<String>::new());
        assert_eq!(used(Some("[1]"), "a", NOW), format!("{{\"a\":{NOW}}}"));
        assert_eq!(unused(Some(r#"{"a":"soon"}"#), NOW), ["a"]);
    }
}
