//! `sessionStorage` and `localStorage`.

use super::{window, BrowserError};
use crate::storage_mode::Area;

fn area(which: Area) -> Result<web_sys::Storage, BrowserError> {
    let w = window()?;
    let (name, got) = match which {
        Area::Session => ("sessionStorage", w.session_storage()),
        Area::Local => ("localStorage", w.local_storage()),
    };
    got.map_err(|e| BrowserError::from_js(name, &e))?
        .ok_or_else(|| BrowserError::missing(name))
}

/// The value under `key`, if any.
pub fn get(which: Area, key: &str) -> Result<Option<String>, BrowserError> {
    area(which)?
        .get_item(key)
        .map_err(|e| BrowserError::from_js("storage.getItem", &e))
}

/// Stores `value` under `key` (fails when storage is full or disabled).
pub fn set(which: Area, key: &str, value: &str) -> Result<(), BrowserError> {
    area(which)?
        .set_item(key, value)
        .map_err(|e| BrowserError::from_js("storage.setItem", &e))
}

/// Removes `key`.
pub fn remove(which: Area, key: &str) -> Result<(), BrowserError> {
    area(which)?
        .remove_item(key)
        .map_err(|e| BrowserError::from_js("storage.removeItem", &e))
}

/// Reads and removes `key` in one step: the value can be taken once.
pub fn take(which: Area, key: &str) -> Result<Option<String>, BrowserError> {
    let value = get(which, key)?;
    if value.is_some() {
        remove(which, key)?;
    }
    Ok(value)
}

/// Every key that starts with `prefix`.
pub fn keys_with_prefix(which: Area, prefix: &str) -> Result<Vec<String>, BrowserError> {
    let storage = area(which)?;
    let len = storage
        .length()
        .map_err(|e| BrowserError::from_js("storage.length", &e))?;
    let mut keys = Vec::new();
    for i in 0..len {
        if let Ok(Some(k)) = storage.key(i) {
            if k.starts_with(prefix) {
                keys.push(k);
            }
        }
    }
    Ok(keys)
}
