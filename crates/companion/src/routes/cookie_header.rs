//! Reading one cookie out of a request's `Cookie` headers (RFC 6265 §5.4), for every route
//! that keeps state in a sealed cookie.

use axum::http::{header, HeaderMap};

/// The value of cookie `name` in the request, if present.
pub(crate) fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}
