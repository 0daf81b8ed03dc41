//! Latchkey on any static page: one `<script type="module" src="…/latchkey.js">`.
//!
//! `scripts/build-embed.sh OUT_DIR` turns this crate into `latchkey.js` (the ES module a
//! page loads: wasm-bindgen's glue followed by `js/bootstrap.js`), `latchkey_bg.wasm` and
//! `latchkey.d.ts`. The bootstrap fetches `latchkey.json`, defines the custom elements (and
//! shows the sign-in buttons before the wasm arrives when it can) and calls [`boot`] with the
//! configuration's URL and answer; everything else happens here, over
//! [`latchkey_client::Client`].
//!
//! The public surface is documented for site authors in `docs/embed.md` and typed in
//! `latchkey.d.ts`:
//! - elements `<latchkey-signin [provider]>`, `<latchkey-user>`, `<latchkey-signout>`, and
//!   the attributes `data-latchkey-signed-in` / `data-latchkey-signed-out` ([`elements`]);
//! - the default export, also `window.latchkey`: `ready`, `user`, `lastError`, `signIn`,
//!   `signOut`, `retry`, `fetch`, `on("change", fn)`, and the `latchkey:change` event
//!   ([`api`]).
#![warn(missing_docs)]

pub mod abort;
pub mod api;
pub mod elements;
pub mod page_state;
pub mod request_body;
pub mod user;

pub use api::boot;
pub use elements::render;

/// The allocator: talc rather than Rust's default dlmalloc, 7 KB of wasm less for the same
/// work (docs/notes/embed-size.md, "A smaller allocator").
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
