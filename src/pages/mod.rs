//! One module per route (see [`crate::app::Page`]).

mod callback;
mod home;
mod not_found;

pub use callback::CallbackPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
