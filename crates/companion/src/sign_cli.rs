//! `latchkey sign`: sign one OAuth 1.0a request from the command line (RFC 5849 §3).
//!
//! ```text
//! latchkey sign --method POST --url URL [--form k=v]... --consumer-key K [--token T]
//!     [--signature-method HMAC-SHA1|HMAC-SHA256|HMAC-SHA512|RSA-SHA1|RSA-SHA256|RSA-SHA512|PLAINTEXT]
//!     [--callback URL] [--verifier V] [--timestamp N] [--nonce S] [--realm R] [--json]
//! ```
//!
//! Query parameters come from the URL; `--form` fields are signed as an
//! `application/x-www-form-urlencoded` body. Secrets never come from argv (they would show in
//! `ps` and shell history): the consumer secret from `--consumer-secret-file` or
//! `LATCHKEY_CONSUMER_SECRET`, the token secret from `--token-secret-file` or
//! `LATCHKEY_TOKEN_SECRET` (required with `--token`, ignored without), the RSA key from
//! `--rsa-key-file` (PKCS#1 or PKCS#8 PEM). A missing timestamp is the current time; a missing
//! nonce is 32 random alphanumerics.
//!
//! Prints the `Authorization` header value, or with `--json` an object with `base_string`,
//! `signature` and `authorization`.

use std::path::{Path, PathBuf};

use latchkey_proto::oauth1::{
    sign_request, Body, ConsumerCredential, Credentials, RsaSigningKey, SignatureMethod,
    SigningError, SigningRequest,
};
use latchkey_proto::secret::{ConsumerSecret, TokenSecret};

/// Environment variable holding the consumer secret.
pub const CONSUMER_SECRET_ENV: &str = "LATCHKEY_CONSUMER_SECRET";
/// Environment variable holding the token secret.
pub const TOKEN_SECRET_ENV: &str = "LATCHKEY_TOKEN_SECRET";

/// Arguments of `latchkey sign`.
#[derive(Debug, Clone, clap::Args)]
pub struct SignArgs {
    /// HTTP method.
    #[arg(long)]
    pub method: String,
    /// Absolute request URL, query included (percent-encoded).
    #[arg(long)]
    pub url: String,
    /// A form body field, NAME=VALUE (unencoded); repeat for more fields.
    #[arg(long = "form", value_name = "NAME=VALUE")]
    pub form: Vec<String>,
    /// oauth_consumer_key.
    #[arg(long)]
    pub consumer_key: String,
    /// oauth_token (its secret from --token-secret-file or LATCHKEY_TOKEN_SECRET).
    #[arg(long)]
    pub token: Option<String>,
    /// oauth_signature_method.
    #[arg(long, default_value = "HMAC-SHA1")]
    pub signature_method: String,
    /// oauth_callback (request-token leg).
    #[arg(long)]
    pub callback: Option<String>,
    /// oauth_verifier (access-token leg).
    #[arg(long)]
    pub verifier: Option<String>,
    /// oauth_timestamp in seconds since the epoch [default: now].
    #[arg(long)]
    pub timestamp: Option<u64>,
    /// oauth_nonce [default: 32 random alphanumerics].
    #[arg(long)]
    pub nonce: Option<String>,
    /// realm of the Authorization header.
    #[arg(long)]
    pub realm: Option<String>,
    /// Print {"base_string", "signature", "authorization"} instead of the header value.
    #[arg(long)]
    pub json: bool,
    /// File holding the consumer secret [default: $LATCHKEY_CONSUMER_SECRET].
    #[arg(long, value_name = "PATH")]
    pub consumer_secret_file: Option<PathBuf>,
    /// File holding the token secret [default: $LATCHKEY_TOKEN_SECRET].
    #[arg(long, value_name = "PATH")]
    pub token_secret_file: Option<PathBuf>,
    /// PEM RSA private key (PKCS#1 or PKCS#8), for RSA-SHA* methods.
    #[arg(long, value_name = "PATH")]
    pub rsa_key_file: Option<PathBuf>,
}

/// Why `latchkey sign` failed; each message is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignCliError {
    /// `--form` without `=`.
    #[error("--form {0:?} is not NAME=VALUE")]
    InvalidForm(String),
    /// The signature method name is unknown.
    #[error("{0}")]
    UnknownSignatureMethod(#[from] latchkey_proto::oauth1::signature::UnknownSignatureMethod),
    /// The consumer secret is nowhere to be found.
    #[error("missing consumer secret: set {CONSUMER_SECRET_ENV} or pass --consumer-secret-file")]
    MissingConsumerSecret,
    /// `--token` without a token secret.
    #[error(
        "missing token secret for --token: set {TOKEN_SECRET_ENV} or pass --token-secret-file"
    )]
    MissingTokenSecret,
    /// An RSA method without `--rsa-key-file`.
    #[error("signature method {0} needs --rsa-key-file")]
    MissingRsaKey(SignatureMethod),
    /// A secret or key file could not be read.
    #[error("cannot read {path}: {error}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: String,
    },
    /// The RSA key file is not a PEM RSA private key.
    #[error("{path}: {error}")]
    RsaKey {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        error: latchkey_proto::oauth1::signature::RsaKeyError,
    },
    /// The request could not be signed (bad method, URL or form).
    #[error("{0}")]
    Signing(#[from] SigningError),
}

/// Runs `latchkey sign` with the process environment, the clock and the thread RNG.
pub fn run(args: SignArgs) -> Result<String, SignCliError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    run_with(
        args,
        &|name| std::env::var(name).ok(),
        now,
        &mut rand::thread_rng(),
    )
}

/// `run` with its inputs from outside made explicit, for tests.
fn run_with(
    args: SignArgs,
    env: &dyn Fn(&str) -> Option<String>,
    now: u64,
    rng: &mut (impl rand::Rng + rand::CryptoRng),
) -> Result<String, SignCliError> {
    let signature_method: SignatureMethod = args.signature_method.parse()?;
    let form = args
        .form
        .iter()
        .map(|field| {
            field
                .split_once('=')
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .ok_or_else(|| SignCliError::InvalidForm(field.chars().take(64).collect()))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let consumer_secret;
    let rsa_key;
    let consumer = if signature_method.uses_rsa_key() {
        let path = args
            .rsa_key_file
            .as_deref()
            .ok_or(SignCliError::MissingRsaKey(signature_method))?;
        rsa_key =
            RsaSigningKey::from_pem(&read_file(path)?).map_err(|error| SignCliError::RsaKey {
                path: path.to_owned(),
                error,
            })?;
        ConsumerCredential::RsaKey(&rsa_key)
    } else {
        consumer_secret = ConsumerSecret::new(
            secret(
                args.consumer_secret_file.as_deref(),
                CONSUMER_SECRET_ENV,
                env,
            )?
            .ok_or(SignCliError::MissingConsumerSecret)?,
        );
        ConsumerCredential::Secret(&consumer_secret)
    };
    let token_secret = match &args.token {
        Some(_) => Some(TokenSecret::new(
            secret(args.token_secret_file.as_deref(), TOKEN_SECRET_ENV, env)?
                .ok_or(SignCliError::MissingTokenSecret)?,
        )),
        None => None,
    };

    let nonce = args.nonce.clone().unwrap_or_else(|| {
        (0..32)
            .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
            .collect()
    });
    let signed = sign_request(
        &SigningRequest {
            method: &args.method,
            url: &args.url,
            body: if args.form.is_empty() {
                Body::None
            } else {
                Body::Form(&form)
            },
            consumer_key: &args.consumer_key,
            token: args.token.as_deref(),
            callback: args.callback.as_deref(),
            verifier: args.verifier.as_deref(),
            signature_method,
            timestamp: args.timestamp.unwrap_or(now),
            nonce: &nonce,
            realm: args.realm.as_deref(),
        },
        &Credentials {
            consumer,
            token_secret: token_secret.as_ref(),
        },
        // The nonce's RNG also blinds an RSA signature (which it never changes).
        rng,
    )?;
    Ok(if args.json {
        serde_json::json!({
            "base_string": signed.base_string,
            "signature": signed.signature,
            "authorization": signed.authorization_header,
        })
        .to_string()
    } else {
        signed.authorization_header
    })
}

/// A secret from its file (trailing newline dropped) or else from the environment.
fn secret(
    file: Option<&Path>,
    env_name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, SignCliError> {
    match file {
        Some(path) => Ok(Some(
            read_file(path)?.trim_end_matches(['\n', '\r']).to_owned(),
        )),
        None => Ok(env(env_name)),
    }
}

fn read_file(path: &Path) -> Result<String, SignCliError> {
    std::fs::read_to_string(path).map_err(|e| SignCliError::ReadFile {
        path: path.to_owned(),
        error: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use rand::SeedableRng;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sign: SignArgs,
    }

    fn args(argv: &[&str]) -> SignArgs {
        Cli::try_parse_from(std::iter::once("sign").chain(argv.iter().copied()))
            .unwrap()
            .sign
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn run_test(argv: &[&str], vars: &[(&str, &str)]) -> Result<String, SignCliError> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        run_with(args(argv), &env(vars), 1_700_000_000, &mut rng)
    }

    const PHOTOS: &[&str] = &[
        "--method",
        "GET",
        "--url",
        "http://photos.example.net/photos?file=vacation.jpg&size=original",
        "--consumer-key",
        "dpf43f3p2l4k3l03",
        "--token",
        "nnch734d00sl2jdk",
        "--timestamp",
        "1191242096",
        "--nonce",
        "kllo9940pd9333jh",
    ];
    const SECRETS: &[(&str, &str)] = &[
        (CONSUMER_SECRET_ENV, "kd94hf93k423kf44"),
        (TOKEN_SECRET_ENV, "pfkkdhi9sl3r4s00"),
    ];

    /// The OAuth Core 1.0 Appendix A vector; the header was printed by oauthlib 3.3.1.
    #[test]
    fn signs_the_photos_example_like_oauthlib() {
        assert_eq!(
            run_test(PHOTOS, SECRETS).unwrap(),
            "OAuth oauth_nonce=\"kllo9940pd9333jh\", oauth_timestamp=\"1191242096\", \
             oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", \
             oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_token=\"nnch734d00sl2jdk\", \
             oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\""
        );
    }

    #[test]
    fn form_fields_realm_and_json_output() {
        let out = run_test(
            &[
                "--method",
                "POST",
                "--url",
                "https://api.example.com/x?a=1",
                "--form",
                "b=2",
                "--form",
                "b=1",
                "--form",
                "c=x y",
                "--consumer-key",
                "ck",
                "--signature-method",
                "HMAC-SHA256",
                "--timestamp",
                "1",
                "--nonce",
                "n",
                "--realm",
                "R",
                "--json",
            ],
            &[(CONSUMER_SECRET_ENV, "cs")],
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        // oauthlib 3.3.1 gives this header for the same request (body "b=2&b=1&c=x+y").
        assert_eq!(
            v["authorization"],
            "OAuth realm=\"R\", oauth_nonce=\"n\", oauth_timestamp=\"1\", oauth_version=\"1.0\", \
             oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck\", \
             oauth_signature=\"uieGdogLLJdwaSlMi0xOFnKkL%2B652x1vZzhrtIKTsMQ%3D\""
        );
        assert_eq!(
            v["signature"],
            "uieGdogLLJdwaSlMi0xOFnKkL+652x1vZzhrtIKTsMQ="
        );
        assert!(v["base_string"].as_str().unwrap().starts_with(
            "POST&https%3A%2F%2Fapi.example.com%2Fx&a%3D1%26b%3D1%26b%3D2%26c%3Dx%2520y"
        ));
    }

    #[test]
    fn generates_timestamp_and_nonce_when_missing() {
        let out = run_test(
            &[
                "--method",
                "GET",
                "--url",
                "https://h/",
                "--consumer-key",
                "k",
                "--json",
            ],
            &[(CONSUMER_SECRET_ENV, "s")],
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let header =
            latchkey_proto::oauth1::authorization::parse(v["authorization"].as_str().unwrap())
                .unwrap();
        assert_eq!(header.get("oauth_timestamp"), Some("1700000000"));
        let nonce = header.get("oauth_nonce").unwrap();
        assert_eq!(nonce.len(), 32);
        assert!(nonce.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn secrets_from_files_win_over_env_and_lose_their_newline() {
        let dir = std::env::temp_dir().join(format!("latchkey-sign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cs, ts) = (dir.join("cs"), dir.join("ts"));
        std::fs::write(&cs, "kd94hf93k423kf44\n").unwrap();
        std::fs::write(&ts, "pfkkdhi9sl3r4s00\r\n").unwrap();
        let mut argv = PHOTOS.to_vec();
        argv.extend([
            "--consumer-secret-file",
            cs.to_str().unwrap(),
            "--token-secret-file",
            ts.to_str().unwrap(),
        ]);
        let wrong_env = [(CONSUMER_SECRET_ENV, "wrong"), (TOKEN_SECRET_ENV, "wrong")];
        let from_files = run_test(&argv, &wrong_env).unwrap();
        assert_eq!(from_files, run_test(PHOTOS, SECRETS).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rsa_signing_uses_the_key_file() {
        let key = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../proto/tests/data/rsa_test_key.pem"
        );
        let mut argv = PHOTOS.to_vec();
        argv.extend(["--signature-method", "RSA-SHA256", "--rsa-key-file", key]);
        let header = run_test(&argv, &[(TOKEN_SECRET_ENV, "t")]).unwrap();
        assert!(header.contains("oauth_signature_method=\"RSA-SHA256\""));
        let err = run_test(
            &PHOTOS
                .iter()
                .copied()
                .chain(["--signature-method", "RSA-SHA1"])
                .collect::<Vec<_>>(),
            SECRETS,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "signature method RSA-SHA1 needs --rsa-key-file"
        );
    }

    #[test]
    fn bad_input_gives_one_clear_line() {
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (PHOTOS, &[], "missing consumer secret: set LATCHKEY_CONSUMER_SECRET or pass --consumer-secret-file"),
            (
                PHOTOS,
                &[(CONSUMER_SECRET_ENV, "s")],
                "missing token secret for --token: set LATCHKEY_TOKEN_SECRET or pass --token-secret-file",
            ),
            (
                &["--method", "GET", "--url", "example.com/x", "--consumer-key", "k"],
                SECRETS,
                "request URL: URL has no scheme (expected an absolute URL such as https://host/path)",
            ),
            (
                &["--method", "G T", "--url", "https://h/", "--consumer-key", "k"],
                SECRETS,
                "HTTP method \"G T\" is not a valid method token",
            ),
            (
                &["--method", "GET", "--url", "https://h/", "--consumer-key", "k", "--form", "novalue"],
                SECRETS,
                "--form \"novalue\" is not NAME=VALUE",
            ),
            (
                &["--method", "GET", "--url", "https://h/", "--consumer-key", "k", "--signature-method", "HMAC-MD5"],
                SECRETS,
                "unknown OAuth 1.0a signature method \"HMAC-MD5\" (expected HMAC-SHA1, HMAC-SHA256, HMAC-SHA512, RSA-SHA1, RSA-SHA256, RSA-SHA512 or PLAINTEXT)",
            ),
        ];
        for (argv, vars, message) in cases {
            let err = run_test(argv, vars).unwrap_err().to_string();
            assert_eq!(&err, message);
            assert!(!err.contains('\n'));
        }
        let err = run_test(
            &[
                "--method",
                "GET",
                "--url",
                "https://h/",
                "--consumer-key",
                "k",
                "--consumer-secret-file",
                "/nonexistent/cs",
            ],
            &[],
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("cannot read /nonexistent/cs: "),
            "{err}"
        );
    }

    #[test]
    fn secrets_are_not_accepted_on_the_command_line() {
        for flag in ["--consumer-secret", "--token-secret"] {
            let argv = [
                "sign",
                "--method",
                "GET",
                "--url",
                "https://h/",
                "--consumer-key",
                "k",
                flag,
                "s",
            ];
            assert!(Cli::try_parse_from(argv).is_err(), "{flag} must not exist");
        }
    }
}
