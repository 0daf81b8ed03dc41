//! Prints a session cookie (`name=value`) for an OAuth 1.0a provider, sealed with the
//! configured cookie key, holding a made-up token: what `/oauth1/{id}/sign` needs to answer.
//! Used by `scripts/bench-companion.sh`; not part of the `latchkey` binary.
//!
//! `cargo run -p latchkey-companion --example mint_session -- CONFIG PROVIDER_ID`

use latchkey_companion::config::Config;
use latchkey_companion::routes::oauth1::session_cookie;
use latchkey_companion::secrets::{process_env, Secrets};
use latchkey_companion::AppState;
use latchkey_proto::oauth1::TokenCredentials;
use latchkey_proto::secret::TokenSecret;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(id)) = (args.next(), args.next()) else {
        return Err("usage: mint_session CONFIG PROVIDER_ID".to_owned());
    };
    let show = |p: Vec<latchkey_companion::config::Problem>| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let config = Config::read(std::path::Path::new(&path)).map_err(show)?;
    let secrets = Secrets::load(&config, &process_env).map_err(show)?;
    let state = AppState::new(config, secrets)?;
    let session = TokenCredentials {
        token: "benchaccesstoken0123456789".to_owned(),
        secret: TokenSecret::new("bench-token-secret"),
        extra: vec![
            ("user_id".to_owned(), "1".to_owned()),
            ("screen_name".to_owned(), "bench".to_owned()),
        ],
    };
    let cookie = session_cookie(&state, &id, &session).map_err(|e| e.to_string())?;
    println!("{cookie}");
    Ok(())
}
