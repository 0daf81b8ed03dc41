//! Differential test: thousands of random requests signed by `latchkey_proto::oauth1` and by
//! oauthlib (the reference Python implementation), every signature and every
//! `Authorization` header compared byte for byte.
//!
//! Needs `.venv/reference` with the pinned oauthlib (`scripts/setup.sh` makes it, from
//! tests/reference/requirements.txt). Without it the test fails and says how to install it:
//! there is no switch that turns it into a pass. To leave it out on purpose, say so on the
//! command line, where the run reports it as filtered out:
//! `cargo test -p latchkey-proto -- --skip signatures_match_oauthlib`.
//! RSA cases need `--features rsa` (or `--all-features`).
//!
//! Inputs are restricted only where oauthlib refuses a request or departs from RFC 5849; each
//! restriction is marked "oauthlib:" below and listed in `docs/notes/oauthlib.md`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use latchkey_proto::oauth1::{
    sign_request, Body, ConsumerCredential, Credentials, SignatureMethod, SigningRequest,
};
use latchkey_proto::secret::{ConsumerSecret, TokenSecret};
use serde_json::{json, Value};

const CASES: usize = 2400;
const SEED: u64 = 0x5EED_0A17_1A7C_4EE1;

/// SplitMix64: tiny, deterministic, good enough to pick test inputs (not for secrets).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Characters for free text: unreserved, every ASCII punctuation, spaces and controls,
/// and non-ASCII of 2, 3 and 4 UTF-8 bytes.
const TEXT_CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Q', 'Z', '0', '5', '9', '-', '.', '_', '~', ' ', '!', '"', '#', '$', '%',
    '&', '\'', '(', ')', '*', '+', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']',
    '^', '`', '{', '|', '}', '\t', '\n', '\u{0}', 'é', 'ß', 'Ω', '☃', '日', '本', '\u{feff}', '🦀',
    '𝄞',
];

fn text(rng: &mut Rng, max: usize) -> String {
    let len = rng.below(max + 1);
    (0..len).map(|_| *rng.pick(TEXT_CHARS)).collect()
}

fn non_empty_text(rng: &mut Rng, max: usize) -> String {
    let mut s = text(rng, max);
    if s.is_empty() {
        s.push('x');
    }
    s
}

/// A parameter name for the query or form body.
fn param_name(rng: &mut Rng) -> String {
    let name = match rng.below(4) {
        0 => rng
            .pick(&[
                "a", "b", "q", "id", "a3", "c@", "x y", "", "OAUTH_X", "oauthx",
            ])
            .to_string(),
        _ => text(rng, 6),
    };
    // oauthlib: parameters whose names start with "oauth_" are percent-decoded a second time
    // when they come from the query or the body (collect_parameters), so "%2541" would sign as
    // "A"; RFC 5849 §3.4.1.3.1 decodes once. Keep such names out of the generated requests.
    if name.starts_with("oauth_") {
        format!("x{name}")
    } else {
        name
    }
}

/// Encodes query text the many ways a URL may carry it; all are valid RFC 3986 query text.
fn encode_query_component(rng: &mut Rng, s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        let keep_raw = c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | '~')
            || (matches!(
                c,
                '!' | '$' | '\'' | '(' | ')' | '*' | ',' | ';' | ':' | '@' | '/' | '?'
            ) && rng.chance(60));
        if keep_raw {
            out.push(c);
        } else if c == ' ' && rng.chance(50) {
            out.push('+');
        } else {
            for b in bytes {
                if rng.chance(20) {
                    out.push_str(&format!("%{b:02x}"));
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

fn query(rng: &mut Rng) -> Option<String> {
    if rng.chance(30) {
        return None;
    }
    let mut fields = Vec::new();
    let names: Vec<String> = (0..1 + rng.below(3)).map(|_| param_name(rng)).collect();
    for _ in 0..rng.below(6) {
        // Repeated names are common: pick from a small set.
        let raw_name = rng.pick(&names).clone();
        let name = encode_query_component(rng, &raw_name);
        let field = match rng.below(6) {
            // "name" without "=": an empty value.
            0 => name,
            // "&&": an empty segment, skipped by both sides.
            1 => String::new(),
            _ => {
                let value = text(rng, 8);
                format!("{name}={}", encode_query_component(rng, &value))
            }
        };
        fields.push(field);
    }
    Some(fields.join("&"))
}

/// A path of RFC 3986 pchars, percent escapes (either case) and `;params`.
fn path(rng: &mut Rng) -> String {
    const SEGMENT_CHARS: &[&str] = &[
        "a",
        "Z",
        "0",
        "-",
        ".",
        "_",
        "~",
        "!",
        "$",
        "&",
        "'",
        "(",
        ")",
        "*",
        "+",
        ",",
        ";",
        "=",
        ":",
        "@",
        "%20",
        "%2F",
        "%2f",
        "%C3%A9",
        "%e2%98%83",
        "%25",
        "..",
    ];
    if rng.chance(15) {
        return String::new();
    }
    let mut p = String::new();
    for _ in 0..1 + rng.below(4) {
        p.push('/');
        for _ in 0..rng.below(6) {
            let segment: &&str = rng.pick(SEGMENT_CHARS);
            p.push_str(segment);
        }
    }
    // oauthlib: urlparse splits ";params" off the last segment and urlunparse drops an empty
    // one, so "/a;" signs as "/a" there; RFC 5849 §3.4.1.2 keeps the path as sent.
    let last = &p[p.rfind('/').unwrap_or(0)..];
    if last.find(';') == Some(last.len() - 1) {
        p.push('x');
    }
    p
}

fn url(rng: &mut Rng) -> String {
    let scheme = *rng.pick(&["http", "https", "HTTP", "Https"]);
    let host = *rng.pick(&[
        "example.com",
        "Photos.Example.NET",
        "api.x-y_z.example",
        "localhost",
        "127.0.0.1",
        "[::1]",
        "[2001:DB8::A]",
    ]);
    let default = if scheme.eq_ignore_ascii_case("http") {
        "80"
    } else {
        "443"
    };
    let port = match rng.below(6) {
        0 => format!(":{default}"),
        1 => format!(":{}", if default == "80" { "443" } else { "80" }),
        2 => format!(":{}", 1 + rng.below(65535)),
        3 => ":08080".to_owned(),
        _ => String::new(),
    };
    let mut url = format!("{scheme}://{host}{port}{}", path(rng));
    if let Some(q) = query(rng) {
        url.push('?');
        url.push_str(&q);
    }
    if rng.chance(10) {
        url.push_str("#frag/?x=1");
    }
    url
}

struct Case {
    method: String,
    url: String,
    form: Option<Vec<(String, String)>>,
    consumer_key: String,
    consumer_secret: String,
    token: Option<String>,
    token_secret: Option<String>,
    callback: Option<String>,
    verifier: Option<String>,
    signature_method: SignatureMethod,
    nonce: String,
    timestamp: u64,
    realm: Option<String>,
}

/// The signature method of each case, in rotation. RSA is slow in debug builds, so the test
/// key is 1024-bit and RSA gets a quarter of the cases (the base strings they share with the
/// HMAC cases are the same code).
fn methods() -> Vec<SignatureMethod> {
    let mut methods = vec![
        SignatureMethod::HmacSha1,
        SignatureMethod::HmacSha256,
        SignatureMethod::HmacSha512,
        SignatureMethod::Plaintext,
        SignatureMethod::HmacSha1,
        SignatureMethod::HmacSha256,
        SignatureMethod::HmacSha512,
        SignatureMethod::Plaintext,
        SignatureMethod::HmacSha1,
    ];
    if cfg!(feature = "rsa") {
        methods.extend([
            SignatureMethod::RsaSha1,
            SignatureMethod::RsaSha256,
            SignatureMethod::RsaSha512,
        ]);
    }
    methods
}

fn case(rng: &mut Rng, signature_method: SignatureMethod) -> Case {
    let method = rng
        .pick(&[
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "get", "Post", "OPTIONS",
        ])
        .to_string();
    // oauthlib: refuses a form body on GET and HEAD ("GET/HEAD requests should not include
    // body"); RFC 5849 §3.4.1.3.1 has no such rule.
    let body_allowed = !matches!(method.to_ascii_uppercase().as_str(), "GET" | "HEAD");
    let form = (body_allowed && rng.chance(50)).then(|| {
        (0..rng.below(5))
            .map(|_| (param_name(rng), text(rng, 10)))
            .collect()
    });
    // oauthlib: an empty token, callback, verifier or realm is treated as absent.
    let optional = |rng: &mut Rng, percent| rng.chance(percent).then(|| non_empty_text(rng, 12));
    let token = optional(rng, 60);
    Case {
        method,
        url: url(rng),
        form,
        consumer_key: text(rng, 16),
        consumer_secret: text(rng, 16),
        token_secret: (token.is_some() || rng.chance(20)).then(|| text(rng, 16)),
        token,
        callback: optional(rng, 20),
        verifier: optional(rng, 20),
        signature_method,
        nonce: text(rng, 32),
        timestamp: if rng.chance(10) {
            0
        } else {
            rng.next() % 100_000_000_000
        },
        // oauthlib: writes the realm into the header without quoted-string escaping, so a
        // realm with `"` or `\` produces a broken header there; RFC 5849 §3.5.1 requires the
        // escaping, which we do (and unit-test), so those realms are left out here.
        realm: optional(rng, 30).map(|r| r.replace(['"', '\\'], "r")),
    }
}

fn to_json(case: &Case, rsa_key_file: &Path) -> Value {
    json!({
        "method": case.method,
        "url": case.url,
        "form": case.form,
        "consumer_key": case.consumer_key,
        "consumer_secret": case.consumer_secret,
        "token": case.token,
        "token_secret": case.token_secret,
        "callback": case.callback,
        "verifier": case.verifier,
        "signature_method": case.signature_method.as_str(),
        "nonce": case.nonce,
        "timestamp": case.timestamp,
        "realm": case.realm,
        "rsa_key_file": case.signature_method.uses_rsa_key().then(|| rsa_key_file.display().to_string()),
    })
}

/// Signs a case with this crate: `(signature, authorization header)`.
fn sign_ours(case: &Case) -> Result<(String, String), String> {
    let consumer_secret = ConsumerSecret::new(case.consumer_secret.clone());
    let token_secret = case.token_secret.clone().map(TokenSecret::new);
    let consumer = if case.signature_method.uses_rsa_key() {
        #[cfg(feature = "rsa")]
        {
            ConsumerCredential::RsaKey(rsa_key())
        }
        #[cfg(not(feature = "rsa"))]
        {
            return Err("RSA case without the rsa feature".into());
        }
    } else {
        ConsumerCredential::Secret(&consumer_secret)
    };
    let request = SigningRequest {
        method: &case.method,
        url: &case.url,
        body: case.form.as_deref().map_or(Body::None, Body::Form),
        consumer_key: &case.consumer_key,
        token: case.token.as_deref(),
        callback: case.callback.as_deref(),
        verifier: case.verifier.as_deref(),
        signature_method: case.signature_method,
        timestamp: case.timestamp,
        nonce: &case.nonce,
        realm: case.realm.as_deref(),
    };
    let credentials = Credentials {
        consumer,
        token_secret: token_secret.as_ref(),
    };
    // Any RNG: it only blinds RSA, and PKCS#1 v1.5 signatures do not depend on it.
    sign_request(&request, &credentials, &mut rand::thread_rng())
        .map(|s| (s.signature, s.authorization_header))
        .map_err(|e| e.to_string())
}

#[cfg(feature = "rsa")]
fn rsa_key() -> &'static latchkey_proto::oauth1::RsaSigningKey {
    static KEY: std::sync::OnceLock<latchkey_proto::oauth1::RsaSigningKey> =
        std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        latchkey_proto::oauth1::RsaSigningKey::from_pem(include_str!("data/rsa_test_key.pem"))
            .expect("test RSA key")
    })
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn signatures_match_oauthlib() {
    let root = repo_root();
    let python = root.join(".venv/reference/bin/python");
    // A skip that passes would read as "agrees with oauthlib" in every summary, so a missing
    // reference is a failure, before anything is spawned (a bare ImportError in the child
    // would otherwise surface as a broken pipe).
    let ready = python.exists()
        && Command::new(&python)
            .args(["-c", "import oauthlib, jwt, cryptography"])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ready,
        "the oauthlib differential test needs {} with the pinned oauthlib, PyJWT and \
         cryptography: run scripts/setup.sh (or `python3 -m venv .venv/reference && \
         .venv/reference/bin/pip install -r tests/reference/requirements.txt`); to leave \
         this test out on purpose, pass `-- --skip signatures_match_oauthlib`",
        python.display()
    );
    let rsa_key_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rsa_test_key.pem");

    let mut rng = Rng(SEED);
    let methods = methods();
    let cases: Vec<Case> = (0..CASES)
        .map(|i| case(&mut rng, methods[i % methods.len()]))
        .collect();

    let mut child = Command::new(&python)
        .arg(root.join("tests/reference/oauthlib_sign.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start oauthlib_sign.py");
    let mut stdin = child.stdin.take().expect("stdin");
    let lines: Vec<String> = cases
        .iter()
        .map(|c| to_json(c, &rsa_key_file).to_string())
        .collect();
    // Write from another thread so neither side blocks on a full pipe.
    let writer = std::thread::spawn(move || {
        for line in lines {
            writeln!(stdin, "{line}").expect("write to oauthlib_sign.py");
        }
    });

    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut compared = 0usize;
    let mut per_method = std::collections::BTreeMap::<&str, usize>::new();
    let mut mismatches = Vec::new();
    for (case, line) in cases.iter().zip(stdout.lines()) {
        let line = line.expect("read from oauthlib_sign.py");
        let theirs: Value = serde_json::from_str(&line).expect("oauthlib_sign.py prints JSON");
        let ours = sign_ours(case);
        compared += 1;
        *per_method
            .entry(case.signature_method.as_str())
            .or_default() += 1;
        let same = match (&ours, theirs.get("signature"), theirs.get("authorization")) {
            (
                Ok((sig, header)),
                Some(Value::String(their_sig)),
                Some(Value::String(their_header)),
            ) => sig == their_sig && header == their_header,
            _ => false,
        };
        if !same {
            mismatches.push(format!(
                "case {}:\n  request: {}\n  ours:    {:?}\n  oauthlib: {}",
                compared - 1,
                to_json(case, &rsa_key_file),
                ours,
                line
            ));
        }
    }
    writer.join().expect("writer thread");
    let status = child.wait().expect("oauthlib_sign.py exit");
    assert!(status.success(), "oauthlib_sign.py failed: {status}");

    eprintln!("compared {compared} requests with oauthlib: {per_method:?}");
    if let Ok(path) = std::env::var("LATCHKEY_DIFF_DUMP") {
        std::fs::write(&path, mismatches.join("\n")).expect("write LATCHKEY_DIFF_DUMP");
    }
    assert_eq!(
        compared, CASES,
        "oauthlib_sign.py answered {compared} of {CASES} requests"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} requests differ from oauthlib; first:\n{}",
        mismatches.len(),
        mismatches[0]
    );
}

/// The generator must actually produce the hard inputs it claims to.
#[test]
fn generator_covers_the_interesting_inputs() {
    let mut rng = Rng(SEED);
    let methods = methods();
    let cases: Vec<Case> = (0..CASES)
        .map(|i| case(&mut rng, methods[i % methods.len()]))
        .collect();
    let any = |f: &dyn Fn(&Case) -> bool| cases.iter().any(f);
    assert!(any(&|c| c.url.contains(":80/") || c.url.contains(":443/")));
    assert!(any(&|c| c.url.contains(":08080")));
    assert!(any(&|c| c.url.contains('+')));
    assert!(any(&|c| c.url.contains("%c3") || c.url.contains("%e2")));
    assert!(any(&|c| c.url.contains("&&")));
    assert!(any(&|c| c.url.contains('#')));
    assert!(any(&|c| c
        .form
        .as_ref()
        .is_some_and(|f| f.len() > 1 && f[0].0 == f[1].0)));
    assert!(any(&|c| !c.consumer_key.is_ascii()));
    assert!(any(&|c| c.realm.is_some() && c.token.is_some()));
    assert!(any(&|c| c.token.is_none()));
    for m in &methods {
        assert!(cases.iter().filter(|c| c.signature_method == *m).count() >= CASES / 16);
    }
}
