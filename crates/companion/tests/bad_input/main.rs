//! Bad-input catalogue for every companion route (issue #7): each row sends one malformed,
//! hostile or stale request through the whole router (`oneshot`, fixed clock) and asserts the
//! status and the `error` code of the JSON answer, so a regression shows up as a changed answer
//! rather than a panic or a silent 200. A local listener stands in for the API behind
//! `api_base` and records what reaches it: every refused proxy row asserts nothing was sent.
//!
//! Positive controls (a valid `/sign`, an old-key cookie accepted while its key is still listed
//! as previous, a proxied request that does reach the API, a session that reads as signed in)
//! show the refusals are refusals of the input, not of a broken setup.

mod harness;
mod oauth1;
mod oauth2;
mod sign;
