//! Latchkey's single-page app: "Sign in with …" for static websites.
//!
//! `app` owns the routes and loads `/latchkey.json`; `auth` puts the flows of
//! `latchkey-client` behind a Leptos context; `pages` and `components` are the views. The
//! logic the views show lives in plain modules (`inspector`, the helpers beside each
//! component) tested natively with `cargo test -p latchkey-app`.

mod app;
mod auth;
mod components;
mod inspector;
mod pages;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
