//! Reusable pieces of the pages.

mod api_console;
mod chrome;
mod profile;
mod providers;
mod status;
mod token_inspector;

pub use api_console::ApiConsole;
pub use chrome::{SiteFooter, SiteHeader};
pub use profile::{ProfileCard, SessionBar};
pub use providers::{ConfigProblem, ProviderButtons, SetupHelp};
pub use status::{FailureNotice, WorkingNotice, FAILURE_NOTICE};
pub use token_inspector::{ClaimsCard, TokenInspector};
