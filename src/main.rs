//! Latchkey's single-page app: "Sign in with …" for static websites.
//!
//! `app` owns the routes, `config` loads `/latchkey.json`, `pages` and `components` are
//! the views; the logic they show is in plain modules tested natively
//! (`cargo test -p latchkey-app`).

mod app;
mod components;
mod config;
mod pages;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
