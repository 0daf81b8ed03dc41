//! Latchkey's single-page app: "Sign in with …" for static websites.
//!
//! Sign-in comes from `latchkey-leptos` (`provide_latchkey` in `app`, `use_latchkey` in
//! the views); `app` owns the routes; `pages` and `components` are the views; `early` takes
//! the page over from index.html's copy shown before the wasm has arrived. The
//! logic the views show lives in plain modules (`inspector`, the helpers beside each
//! component) tested natively with `cargo test -p latchkey-app`.

mod app;
mod components;
mod early;
mod inspector;
mod pages;

/// The allocator: talc rather than Rust's default dlmalloc, 7 KB of wasm less for the same
/// work (docs/notes/embed-size.md, "A smaller allocator").
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    leptos::mount::mount_to_body(app::App);
}
