//! IndexedDB, as a small key-value store for state that every tab must see at once (text),
//! and for the DPoP key, which only IndexedDB can keep across a page load without exporting it.
//!
//! Why not `localStorage`: Chromium keeps a copy of an origin's `localStorage` in each
//! renderer process and tells the other processes about a write asynchronously, so a tab can
//! read a value another tab replaced a moment ago, even after taking a Web Lock that tab had
//! just released. IndexedDB lives in one backend: once a write transaction has completed,
//! every transaction started later, from any tab, sees it.
//!
//! Each call opens the database, runs one transaction and closes it again: calls are rare
//! (one or two per token renewal), and an open connection would block a later schema upgrade.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::{window, BrowserError};

const DATABASE: &str = "latchkey";
const VERSION: u32 = 1;
const STORE: &str = "shared";

/// The value under `key`, if any.
pub async fn get(key: &str) -> Result<Option<String>, BrowserError> {
    Ok(get_value(key).await?.as_string())
}

/// Stores `value` under `key`; returns once the write is committed, so that any tab reading
/// afterwards sees it.
pub async fn put(key: &str, value: &str) -> Result<(), BrowserError> {
    put_value(key, &JsValue::from_str(value)).await
}

/// The value under `key` as the structured clone the store holds (`undefined` when none):
/// for values that are not text, such as a non-extractable `CryptoKey`, which IndexedDB keeps
/// without its key material ever reaching script.
pub async fn get_value(key: &str) -> Result<JsValue, BrowserError> {
    let db = open().await?;
    let out = async {
        let (_, store) = store(&db, IdbTransactionMode::Readonly)?;
        let request = store
            .get(&JsValue::from_str(key))
            .map_err(|e| BrowserError::from_js("IndexedDB get", &e))?;
        settled("IndexedDB get", &request).await
    }
    .await;
    db.close();
    out
}

/// Stores a structured-cloneable `value` under `key`, committed on return.
pub async fn put_value(key: &str, value: &JsValue) -> Result<(), BrowserError> {
    let db = open().await?;
    let out = async {
        let (tx, store) = store(&db, IdbTransactionMode::Readwrite)?;
        let committed = completion(&tx);
        store
            .put_with_key(value, &JsValue::from_str(key))
            .map_err(|e| BrowserError::from_js("IndexedDB put", &e))?;
        JsFuture::from(committed)
            .await
            .map(drop)
            .map_err(|_| failure("IndexedDB put", tx.as_ref()))
    }
    .await;
    db.close();
    out
}

/// Deletes `key`, committed on return.
pub async fn delete(key: &str) -> Result<(), BrowserError> {
    let db = open().await?;
    let out = async {
        let (tx, store) = store(&db, IdbTransactionMode::Readwrite)?;
        let committed = completion(&tx);
        store
            .delete(&JsValue::from_str(key))
            .map_err(|e| BrowserError::from_js("IndexedDB delete", &e))?;
        JsFuture::from(committed)
            .await
            .map(drop)
            .map_err(|_| failure("IndexedDB delete", tx.as_ref()))
    }
    .await;
    db.close();
    out
}

fn factory() -> Result<web_sys::IdbFactory, BrowserError> {
    window()?
        .indexed_db()
        .map_err(|e| BrowserError::from_js("indexedDB", &e))?
        .ok_or_else(|| BrowserError::missing("indexedDB"))
}

async fn open() -> Result<IdbDatabase, BrowserError> {
    let request = factory()?
        .open_with_u32(DATABASE, VERSION)
        .map_err(|e| BrowserError::from_js("indexedDB.open", &e))?;
    // The first open in a profile creates the store. The closure must outlive the request;
    // it is dropped once the open has settled, when it can no longer be called.
    let opening = request.clone();
    let on_upgrade = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        if let Ok(db) = opening.result() {
            let _ = db
                .unchecked_into::<IdbDatabase>()
                .create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let db = settled("indexedDB.open", &request).await;
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    Ok(db?.unchecked_into())
}

fn store(
    db: &IdbDatabase,
    mode: IdbTransactionMode,
) -> Result<(IdbTransaction, IdbObjectStore), BrowserError> {
    let tx = db
        .transaction_with_str_and_mode(STORE, mode)
        .map_err(|e| BrowserError::from_js("IndexedDB transaction", &e))?;
    let store = tx
        .object_store(STORE)
        .map_err(|e| BrowserError::from_js("IndexedDB objectStore", &e))?;
    Ok((tx, store))
}

/// The result of `request` once it succeeds.
async fn settled(what: &str, request: &IdbRequest) -> Result<JsValue, BrowserError> {
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    outcome.map_err(|_| failure(what, request.as_ref()))?;
    request
        .result()
        .map_err(|e| BrowserError::from_js(what, &e))
}

/// A promise that resolves when `tx` commits and rejects when it fails or aborts.
fn completion(tx: &IdbTransaction) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    })
}

/// The error a request or transaction holds (a `DOMException`), in words.
fn failure(what: &str, target: &JsValue) -> BrowserError {
    match js_sys::Reflect::get(target, &"error".into()) {
        Ok(error) if !error.is_null() && !error.is_undefined() => {
            BrowserError::from_js(what, &error)
        }
        _ => BrowserError(format!("{what}: failed")),
    }
}
