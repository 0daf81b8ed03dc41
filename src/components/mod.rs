//! Reusable pieces of the page.

mod chrome;
mod providers;

pub use chrome::{SiteFooter, SiteHeader};
pub use providers::{ConfigProblem, ProviderButtons, SetupHelp};
