//! The policy as a `<meta http-equiv="Content-Security-Policy">` in a static host's
//! `index.html` (`latchkey csp-meta DIR`), for hosts that cannot send the header.
//!
//! A `<meta>` policy governs only what the page loads after it, so it goes right after the
//! `<meta charset>` (else right after `<head>`), before any script or stylesheet. Running the
//! command again replaces the element it wrote. `frame-ancestors` and HSTS cannot be set this
//! way; the README says which headers a static host should still send.

use std::path::{Path, PathBuf};

use latchkey_proto::public_config::PublicConfig;

use super::{AppPolicy, Delivery};

/// The start of the element this module writes; its content never holds a `"`.
const META_START: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"";

/// Why a page could not take the `<meta>`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetaError {
    /// No `<head>` start tag to put it in.
    #[error("the page has no <head> element to put the policy in")]
    NoHead,
    /// A `Content-Security-Policy` `<meta>` this command did not write: two policies would
    /// both apply, so the author removes one.
    #[error("the page already has a Content-Security-Policy <meta> of its own; remove it first")]
    ForeignMeta,
}

/// `html` with the policy `policy` as its `<meta>`, replacing one written earlier.
pub fn with_meta(html: &str, policy: &str) -> Result<String, MetaError> {
    let mut html = html.to_owned();
    if let Some(start) = html.find(META_START) {
        let content = start + META_START.len();
        if let Some(len) = html.get(content..).and_then(|r| r.find("\">")) {
            html.replace_range(start..content + len + 2, "");
            // The line break written after it.
            if html.get(start..start + 1) == Some("\n") {
                html.replace_range(start..start + 1, "");
            }
        }
    }
    let lower = html.to_ascii_lowercase();
    if lower.contains("http-equiv=\"content-security-policy\"")
        || lower.contains("http-equiv=content-security-policy")
        || lower.contains("http-equiv='content-security-policy'")
    {
        return Err(MetaError::ForeignMeta);
    }
    let after = |needle: &str| {
        let at = lower.find(needle)?;
        lower.get(at..)?.find('>').map(|end| at + end + 1)
    };
    let at = after("<meta charset")
        .or_else(|| after("<head>"))
        .or_else(|| after("<head "))
        .ok_or(MetaError::NoHead)?;
    html.insert_str(at, &format!("\n{META_START}{policy}\">"));
    Ok(html)
}

/// Why `latchkey csp-meta` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CspMetaError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// `latchkey.json` is not a Latchkey public configuration.
    #[error("{}: not a latchkey.json: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        source: latchkey_proto::public_config::PublicConfigError,
    },
    /// `index.html` is not UTF-8, so its scripts' hashes could not be the browser's.
    #[error("{}: not UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The page could not take the `<meta>`.
    #[error("{}: {source}", path.display())]
    Page {
        /// The file.
        path: PathBuf,
        /// Why.
        source: MetaError,
    },
}

/// Writes the policy for `dir/latchkey.json` into `dir/index.html`; returns the policy.
pub fn write_meta(dir: &Path) -> Result<String, CspMetaError> {
    let json_path = dir.join("latchkey.json");
    let json = std::fs::read(&json_path).map_err(|source| CspMetaError::Io {
        path: json_path.clone(),
        source,
    })?;
    let config = PublicConfig::from_json(&json).map_err(|source| CspMetaError::Json {
        path: json_path,
        source,
    })?;
    let page_path = dir.join("index.html");
    let bytes = std::fs::read(&page_path).map_err(|source| CspMetaError::Io {
        path: page_path.clone(),
        source,
    })?;
    let html = String::from_utf8(bytes).map_err(|_| CspMetaError::NotUtf8 {
        path: page_path.clone(),
    })?;
    let policy = AppPolicy::new(&config).for_page(&html, Delivery::Meta);
    let page = with_meta(&html, &policy).map_err(|source| CspMetaError::Page {
        path: page_path.clone(),
        source,
    })?;
    std::fs::write(&page_path, page).map_err(|source| CspMetaError::Io {
        path: page_path,
        source,
    })?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csp::inline_scripts::inline_scripts;

    const PAGE: &str = "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    \
        <title>T</title>\n<script type=\"module\">\nimport init from '/a.js';\n</script>\n  \
        </head>\n</html>\n";

    #[test]
    fn the_meta_goes_right_after_the_charset_and_before_the_loader() {
        let page = with_meta(PAGE, "default-src 'self'").unwrap();
        let meta = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">";
        assert_eq!(
            page,
            PAGE.replace(
                "<meta charset=\"utf-8\">",
                &format!("<meta charset=\"utf-8\">\n{meta}")
            )
        );
        assert!(page.find(meta) < page.find("<script"));
        // The loader's text, so its hash, is untouched.
        assert_eq!(inline_scripts(&page), inline_scripts(PAGE));
    }

    #[test]
    fn running_again_replaces_the_meta_it_wrote() {
        let once = with_meta(PAGE, "default-src 'self'").unwrap();
        let twice = with_meta(&once, "default-src 'none'").unwrap();
        assert_eq!(twice, with_meta(PAGE, "default-src 'none'").unwrap());
        assert_eq!(twice.matches("Content-Security-Policy").count(), 1);
    }

    #[test]
    fn without_a_charset_the_meta_opens_the_head_and_without_a_head_it_is_refused() {
        let page = with_meta("<html><HEAD><title>x</title></HEAD></html>", "a").unwrap();
        assert_eq!(
            page,
            "<html><HEAD>\n<meta http-equiv=\"Content-Security-Policy\" content=\"a\"><title>x</title></HEAD></html>"
        );
        assert_eq!(with_meta("<p>no head</p>", "a"), Err(MetaError::NoHead));
    }

    #[test]
    fn a_policy_meta_the_author_wrote_is_not_overwritten() {
        let page = "<head><meta http-equiv=\"content-security-policy\" content=\"x\"></head>";
        assert_eq!(with_meta(page, "a"), Err(MetaError::ForeignMeta));
    }

    #[test]
    fn write_meta_reads_latchkey_json_and_rewrites_index_html() {
        let dir = crate::app::tests::TempDir::new("csp-meta");
        let json = r#"{"providers":[{"id":"dot","name":"DOT","protocol":"oidc",
            "issuer":"https://id.example/o","client_id":"c"}]}"#;
        std::fs::write(dir.0.join("latchkey.json"), json).unwrap();
        std::fs::write(dir.0.join("index.html"), PAGE).unwrap();
        let policy = write_meta(&dir.0).unwrap();
        assert!(
            policy.contains("connect-src 'self' https://id.example;"),
            "{policy}"
        );
        assert!(!policy.contains("frame-ancestors"), "{policy}");
        let page = std::fs::read_to_string(dir.0.join("index.html")).unwrap();
        assert!(page.contains(&format!("content=\"{policy}\">")), "{page}");

        std::fs::remove_file(dir.0.join("latchkey.json")).unwrap();
        let err = write_meta(&dir.0).unwrap_err();
        assert!(matches!(err, CspMetaError::Io { .. }), "{err}");
        assert!(err.to_string().contains("latchkey.json"), "{err}");
    }
}
