//! JSON objects read and written member by member, through serde_json's [`Value`].
//!
//! Every JSON document the browser reads — a provider's answers, `latchkey.json`, what the
//! client keeps in storage — is parsed into one `Value` tree, and its members are taken out with
//! the functions here rather than with `#[derive(Deserialize)]`. In wasm that is a matter of
//! weight: each type read through serde's derive instantiates serde_json's reader once more, and
//! any typed read keeps serde's error machinery, with `<f64 as Display>` and its tables (23 KB).
//! One `Value` reader serves every document (figures in `docs/notes/embed-size.md`).
//!
//! Writing goes the same way: build an [`Object`] and call `Value::to_string` on it.

use serde_json::{Map, Value};

use crate::form::check_endpoint;

/// A JSON object, its members in name order.
pub type Object = Map<String, Value>;

/// Where a member's problem is: its name, and what is wrong with it.
pub type FieldResult<T> = Result<T, (&'static str, FieldProblem)>;

/// Parses `bytes` as a JSON object; `None` for any other JSON value or for broken JSON.
pub fn object(bytes: &[u8]) -> Option<Object> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The members of `map` not named in `known`, for an `extra` field.
///
/// Copied into a new map rather than removed from `map`: `BTreeMap::remove` and its rebalancing
/// were 3.7 KB of wasm, and insertion is already there for parsing.
pub fn other_fields(map: Object, known: &[&str]) -> Object {
    let mut other = Map::new();
    for (name, value) in map {
        if !known.contains(&name.as_str()) {
            other.insert(name, value);
        }
    }
    other
}

/// The first member of `map` (in name order) that `known` does not list.
pub fn unknown_member<'a>(map: &'a Object, known: &[&str]) -> Option<&'a str> {
    map.keys()
        .map(String::as_str)
        .find(|name| !known.contains(name))
}

/// What is wrong with one member of a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A required member is absent (or `null`).
    Missing,
    /// Not a string.
    NotAString,
    /// Not a whole number from 0 to 2^64 − 1.
    NotANumber,
    /// Not `true` or `false`.
    NotABoolean,
    /// Not an array of strings.
    NotAStringList,
    /// Not an absolute `http(s)` URL without a fragment.
    NotAUrl,
    /// Not an object.
    NotAnObject,
    /// Not an object whose members are all strings.
    NotAStringMap,
    /// Not an array.
    NotAList,
}

impl FieldProblem {
    /// The problem in words, to follow the member's name.
    pub fn describe(self) -> &'static str {
        match self {
            FieldProblem::Missing => "is missing",
            FieldProblem::NotAString => "is not a string",
            FieldProblem::NotANumber => "is not a number",
            FieldProblem::NotABoolean => "is not a boolean",
            FieldProblem::NotAStringList => "is not a list of strings",
            FieldProblem::NotAUrl => "is not an absolute http(s) URL without fragment",
            FieldProblem::NotAnObject => "is not an object",
            FieldProblem::NotAStringMap => "is not an object of strings",
            FieldProblem::NotAList => "is not a list",
        }
    }
}

/// An optional string member (absent or `null`: `None`).
pub fn opt_str(map: &Object, field: &'static str) -> FieldResult<Option<String>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err((field, FieldProblem::NotAString)),
    }
}

/// A required string member.
pub fn req_str(map: &Object, field: &'static str) -> FieldResult<String> {
    opt_str(map, field)?.ok_or((field, FieldProblem::Missing))
}

/// An optional array of strings.
pub fn opt_str_list(map: &Object, field: &'static str) -> FieldResult<Option<Vec<String>>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => string_list(items)
            .map(Some)
            .ok_or((field, FieldProblem::NotAStringList)),
        Some(_) => Err((field, FieldProblem::NotAStringList)),
    }
}

/// The items of an array when every one is a string.
pub fn string_list(items: &[Value]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// An optional boolean (absent or `null`: `false`).
pub fn opt_bool(map: &Object, field: &'static str) -> FieldResult<bool> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err((field, FieldProblem::NotABoolean)),
    }
}

/// An optional whole number from 0 to 2^64 − 1 (absent or `null`: `None`).
pub fn opt_u64(map: &Object, field: &'static str) -> FieldResult<Option<u64>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or((field, FieldProblem::NotANumber)),
    }
}

/// An optional object member, copied out (absent or `null`: `None`).
pub fn opt_object(map: &Object, field: &'static str) -> FieldResult<Option<Object>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err((field, FieldProblem::NotAnObject)),
    }
}

/// An optional endpoint URL.
pub fn opt_url(map: &Object, field: &'static str) -> FieldResult<Option<String>> {
    let url = opt_str(map, field)?;
    if let Some(u) = &url {
        check_endpoint(u).map_err(|_| (field, FieldProblem::NotAUrl))?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Object {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn absent_and_null_members_are_none_and_wrong_types_are_named() {
        let m =
            map(json!({"s": "x", "n": 7, "b": true, "l": ["a", "b"], "o": {"k": 1}, "z": null}));
        assert_eq!(opt_str(&m, "s"), Ok(Some("x".into())));
        assert_eq!(opt_str(&m, "z"), Ok(None));
        assert_eq!(opt_str(&m, "gone"), Ok(None));
        assert_eq!(opt_str(&m, "n"), Err(("n", FieldProblem::NotAString)));
        assert_eq!(req_str(&m, "gone"), Err(("gone", FieldProblem::Missing)));
        assert_eq!(opt_u64(&m, "n"), Ok(Some(7)));
        assert_eq!(opt_u64(&m, "s"), Err(("s", FieldProblem::NotANumber)));
        assert_eq!(opt_bool(&m, "b"), Ok(true));
        assert_eq!(opt_bool(&m, "gone"), Ok(false));
        assert_eq!(opt_bool(&m, "s"), Err(("s", FieldProblem::NotABoolean)));
        assert_eq!(
            opt_str_list(&m, "l"),
            Ok(Some(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            opt_str_list(&m, "s"),
            Err(("s", FieldProblem::NotAStringList))
        );
        assert_eq!(opt_object(&m, "o"), Ok(Some(map(json!({"k": 1})))));
        assert_eq!(opt_object(&m, "l"), Err(("l", FieldProblem::NotAnObject)));
    }

    #[test]
    fn numbers_that_are_not_whole_and_unsigned_are_refused() {
        for v in [json!(-1), json!(1.5), json!(1e300), json!("7")] {
            let m = map(json!({ "n": v }));
            assert_eq!(
                opt_u64(&m, "n"),
                Err(("n", FieldProblem::NotANumber)),
                "{v}"
            );
        }
        let m = map(json!({ "n": u64::MAX }));
        assert_eq!(opt_u64(&m, "n"), Ok(Some(u64::MAX)));
    }

    #[test]
    fn a_list_with_one_non_string_is_not_a_string_list() {
        let m = map(json!({"l": ["a", 1]}));
        assert_eq!(
            opt_str_list(&m, "l"),
            Err(("l", FieldProblem::NotAStringList))
        );
    }

    #[test]
    fn object_takes_only_objects() {
        assert!(object(br#"{"a":1}"#).is_some());
        for text in [&b"[1]"[..], b"\"a\"", b"null", b"{", b"", b"<html>"] {
            assert!(
                object(text).is_none(),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn unknown_members_are_found_and_other_fields_keeps_them() {
        let m = map(json!({"a": 1, "b": 2, "c": 3}));
        assert_eq!(unknown_member(&m, &["a", "b", "c"]), None);
        assert_eq!(unknown_member(&m, &["a", "c"]), Some("b"));
        assert_eq!(other_fields(m, &["a"]), map(json!({"b": 2, "c": 3})));
    }
}
