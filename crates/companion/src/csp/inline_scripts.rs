//! The inline scripts of a page and their CSP hash sources (CSP Level 3 §2.3.1, "hash-source").
//!
//! Trunk's `index.html` starts the app from an inline `<script type="module">`; a policy
//! without `'unsafe-inline'` lets it run only by naming the SHA-256 of its exact text. This is
//! not an HTML parser: it finds `<script …>` start tags outside quoted attribute values and
//! takes the raw text up to the next `</script`, which is how an HTML parser delimits a
//! script's text too (script text is never entity-decoded). A `<script>` inside an HTML
//! comment is hashed as well; that only allows text the page already holds.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The text of every `<script>` without a `src` attribute, in page order.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    // ASCII lowercasing keeps every byte offset, so offsets found in `lower` slice `html`.
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = lower.get(at..).and_then(|rest| rest.find("<script")) {
        let name_end = at + i + "<script".len();
        // `<scripts>` or `<script-x>` is another element.
        if !matches!(
            lower.as_bytes().get(name_end),
            Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
        ) {
            at = name_end;
            continue;
        }
        let Some(tag_end) = start_tag_end(&lower, name_end) else {
            break;
        };
        let text_start = tag_end + 1;
        let Some(len) = lower.get(text_start..).and_then(|r| r.find("</script")) else {
            break;
        };
        let text_end = text_start + len;
        let attributes = lower.get(name_end..tag_end).unwrap_or("");
        if !has_attribute(attributes, "src") {
            if let Some(text) = html.get(text_start..text_end) {
                found.push(text);
            }
        }
        at = text_end;
    }
    found
}

/// `'sha256-…'` for each inline script of `html`, in page order, without repeats.
pub fn script_hashes(html: &str) -> Vec<String> {
    let mut hashes: Vec<String> = Vec::new();
    for text in inline_scripts(html) {
        let hash = format!(
            "'sha256-{}'",
            STANDARD.encode(Sha256::digest(text.as_bytes()))
        );
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    hashes
}

/// The offset of the `>` that ends the start tag whose attributes begin at `from`, skipping
/// `>` inside quoted attribute values.
fn start_tag_end(lower: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, b) in lower.bytes().enumerate().skip(from) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether a start tag's attribute text (lowercased) has an attribute called exactly `name`
/// (so `data-src` is not `src`).
fn has_attribute(attributes: &str, name: &str) -> bool {
    let bytes = attributes.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'=' | b'/') {
            i += 1;
        }
        if i > start && attributes.get(start..i) == Some(name) {
            return true;
        }
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != q {
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while i < bytes.len() && !is_space(bytes[i]) {
                        i += 1;
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of Trunk 0.21's release `index.html`: a module loader inline, the glue and
    /// the wasm preloaded by `src`/`href`.
    const TRUNK_PAGE: &str = "<!DOCTYPE html><html><head>\n\
        <link rel=\"stylesheet\" href=\"/main.css\"/>\n\
        <script type=\"module\">\nimport init from '/app.js';\nawait init();\n</script>\n\
        <link rel=\"modulepreload\" href=\"/app.js\"></head><body></body></html>";

    #[test]
    fn the_trunk_loader_is_the_one_inline_script_and_its_hash_is_sha256_base64() {
        assert_eq!(
            inline_scripts(TRUNK_PAGE),
            ["\nimport init from '/app.js';\nawait init();\n"]
        );
        // printf '\nimport init from '"'"'/app.js'"'"';\nawait init();\n' \
        //   | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hashes(TRUNK_PAGE),
            ["'sha256-mStLiw5ufhC4Rn65S+yuobFT1L6YIq0IsINW02YqTpc='"]
        );
    }

    #[test]
    fn scripts_with_src_are_not_inline_but_data_src_is_not_src() {
        let page = "<script src=\"/a.js\"></script><SCRIPT TYPE=module SRC='/b.js'></SCRIPT>\
                    <script data-src=\"/c.js\">one()</script><script async src=/d.js></script>";
        assert_eq!(inline_scripts(page), ["one()"]);
    }

    #[test]
    fn a_greater_than_sign_in_a_quoted_attribute_does_not_end_the_tag() {
        let page = "<script data-x=\"a>b\" type='module'>two()</script>";
        assert_eq!(inline_scripts(page), ["two()"]);
    }

    #[test]
    fn other_elements_starting_with_script_are_not_scripts() {
        let page = "<scripts>no</scripts><script-x>no</script-x><script>yes()</script>";
        assert_eq!(inline_scripts(page), ["yes()"]);
    }

    #[test]
    fn an_unclosed_script_or_tag_ends_the_scan_without_panicking() {
        assert!(inline_scripts("<script>never closed").is_empty());
        assert!(inline_scripts("<script type=\"module").is_empty());
        assert!(inline_scripts("<script").is_empty());
        assert_eq!(inline_scripts("<script>a()</script><script>"), ["a()"]);
    }

    #[test]
    fn repeated_scripts_are_hashed_once_and_non_ascii_text_is_hashed_as_utf8() {
        let page = "<script>é()</script><script>é()</script>";
        // printf 'é()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hashes(page),
            ["'sha256-Ll2REUxzoBr6bUkbcPyUytUGD9HYEPNaGLXLis1ySO8='"]
        );
    }
}
