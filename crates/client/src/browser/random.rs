//! Randomness from the browser's CSPRNG (`crypto.getRandomValues`, through getrandom's
//! `wasm_js` backend).

use super::BrowserError;

/// `N` fresh random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], BrowserError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| BrowserError(format!("crypto.getRandomValues: {e}")))?;
    Ok(buf)
}
