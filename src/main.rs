//! Latchkey's single-page app: "Sign in with …" for static websites.
//!
//! `app` owns the routes, `config` loads `/latchkey.json`, `auth` (with `browser`) runs the
//! flows, `pages` and `components` are the views. The logic the views show lives in plain
//! modules (`config`, `inspector`, the helpers beside each component) tested natively with
//! `cargo test -p latchkey-app`.

mod app;
mod auth;
mod browser;
mod components;
mod config;
mod inspector;
mod pages;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
