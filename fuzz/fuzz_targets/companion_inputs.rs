//! The companion's own request parsing: the signing proxy's `api_base` confinement
//! (`api_path::join` and `check_under`), the `return_to` guard against open redirects, and
//! opening sealed cookies. The first byte picks the function; the rest is its input.
//! Invariants: a joined URL starts with `api_base` and passes `/sign`'s own check; a kept
//! `return_to` is a same-origin path; a cookie opens only when it is the one sealed here.
#![no_main]

use std::sync::OnceLock;

use latchkey_companion::routes::oauth1::api_path::{check_under, join};
use latchkey_companion::routes::oauth1::login::safe_return_to;
use latchkey_companion::sealed_cookie::CookieSealer;
use latchkey_companion::secrets::{CookieKey, CookieKeys};
use latchkey_companion::state::Randomness;
use libfuzzer_sys::fuzz_target;

const API_BASE: &str = "https://api.example/v1/";
const NOW: u64 = 1_700_000_000;

struct Fixed;

impl Randomness for Fixed {
    fn oauth_nonce(&self) -> String {
        "n".repeat(30)
    }
    fn fill(&self, buf: &mut [u8]) {
        buf.fill(7);
    }
}

fn sealer() -> &'static (CookieSealer, String) {
    static S: OnceLock<(CookieSealer, String)> = OnceLock::new();
    S.get_or_init(|| {
        let keys = CookieKeys {
            current: CookieKey::from_bytes([1; 32]),
            previous: vec![CookieKey::from_bytes([2; 32])],
        };
        let sealer = CookieSealer::new(&keys);
        let sealed = sealer
            .seal(&Fixed, "session", "flask", NOW + 60, b"payload")
            .expect("sealing works");
        (sealer, sealed)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 4 {
        0 => {
            let (path, query) = match text.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (text, None),
            };
            if let Ok(url) = join(API_BASE, path, query) {
                assert!(url.starts_with(API_BASE), "{url:?} left api_base");
                assert!(check_under(API_BASE, &url).is_ok(), "{url:?} refused by /sign");
            }
        }
        1 => {
            if check_under(API_BASE, text).is_ok() {
                assert!(text.starts_with(API_BASE));
            }
        }
        2 => {
            let kept = safe_return_to(Some(text));
            assert!(kept.starts_with('/') && !kept.starts_with("//"), "{kept:?}");
            assert!(!kept.contains('\\') && kept.bytes().all(|b| b.is_ascii_graphic()));
        }
        _ => {
            let (sealer, sealed) = sealer();
            match sealer.open("session", "flask", NOW, text) {
                Ok(payload) => {
                    // Only the value sealed above (base64 may differ only in trailing
                    // whitespace, which the opener trims) opens.
                    assert_eq!(text.trim(), sealed.as_str());
                    assert_eq!(payload, b"payload");
                }
                Err(_) => assert_ne!(text.trim(), sealed.as_str()),
            }
        }
    }
});
