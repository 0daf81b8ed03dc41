//! The `latchkey` binary as a person runs it: `init` for every preset followed by
//! `config check` on what it wrote, `init`'s refusals, and what `serve` logs at start-up.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PRESETS: [&str; 11] = [
    "github", "google", "entra", "gitlab", "discord", "x", "x-oauth1", "spotify", "twitch",
    "tumblr", "flickr",
];

/// A throwaway directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p =
            std::env::temp_dir().join(format!("latchkey-cli-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary, with no Latchkey variable inherited from the environment running the tests.
fn latchkey() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    for (name, _) in std::env::vars() {
        if name.starts_with("LATCHKEY_") || name.ends_with("_SECRET") {
            c.env_remove(name);
        }
    }
    c.env_remove("RUST_LOG");
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().unwrap();
    (
        status.success(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// The environment variable `init`'s guide names for a secret (`     NAME  what`).
fn secret_vars(guide: &str) -> Vec<String> {
    guide
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("     ")?;
            let (var, _) = l.split_once("  ")?;
            (!var.is_empty() && var.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
                .then(|| var.to_owned())
        })
        .collect()
}

fn check(config: &Path, vars: &[String]) -> (bool, String, String) {
    let mut c = latchkey();
    c.args(["config", "check", "--config"]).arg(config);
    for var in vars {
        let value = if var == "LATCHKEY_COOKIE_KEY" {
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        } else {
            "dummy-secret"
        };
        c.env(var, value);
    }
    run(&mut c)
}

#[test]
fn init_then_config_check_passes_for_every_preset_with_the_secrets_it_names() {
    for companion in [None, Some("https://auth.example.org")] {
        for preset in PRESETS {
            let dir = TempDir::new(preset);
            let mut c = latchkey();
            c.args([
                "init",
                "--preset",
                preset,
                "--site",
                "https://me.github.io/blog/",
            ]);
            if let Some(url) = companion {
                c.args(["--companion", url]);
            }
            c.arg("--out").arg(&dir.0);
            let (ok, guide, err) = run(&mut c);
            assert!(ok, "init {preset}: {err}");
            assert!(guide.contains("latchkey config check --config"), "{guide}");
            let config = dir.0.join("latchkey.toml");
            let vars = secret_vars(&guide);
            let (ok, out, err) = check(&config, &vars);
            assert!(ok, "config check {preset} with {vars:?}: {err}");
            assert!(
                out.contains(&format!("ok (1 providers: {preset})")),
                "{out}"
            );
            // The secret was needed: without it the same check fails, naming the variable.
            if let Some(var) = vars.iter().find(|v| *v != "LATCHKEY_COOKIE_KEY") {
                let (ok, _, err) = check(&config, &[]);
                assert!(!ok, "{preset} passed without {var}");
                assert!(err.contains(var.as_str()), "{err}");
            }
            // latchkey.json is exactly what config export prints for the written TOML.
            let (ok, export, err) = run(latchkey()
                .args(["config", "export", "--config"])
                .arg(&config));
            assert!(ok, "{err}");
            let written = std::fs::read_to_string(dir.0.join("latchkey.json")).unwrap();
            assert_eq!(written, export, "{preset}");
        }
    }
}

#[test]
fn init_refuses_bad_input_in_words_and_writes_nothing() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--preset", "myspace", "--site", "https://me.github.io/"],
            "unknown preset \"myspace\"; known presets: github, google, entra, gitlab, discord, x, x-oauth1, spotify, twitch, tumblr, flickr",
        ),
        (
            &["--preset", "github", "--site", "http://me.github.io/blog/"],
            "uses plain http on \"me.github.io\", which is not a loopback host",
        ),
        (
            &["--preset", "github", "--site", "https://me.github.io/blog/?a=1"],
            "has a query (?a=1)",
        ),
        (
            &["--preset", "github", "--site", "https://me.github.io/blog/#top"],
            "has a fragment (#top)",
        ),
        (
            &[
                "--preset",
                "github",
                "--site",
                "https://me.github.io/blog/",
                "--companion",
                "https://auth.example.org/latchkey/",
            ],
            "--companion \"https://auth.example.org/latchkey/\" has a path (/latchkey/)",
        ),
    ];
    for (args, words) in cases {
        let dir = TempDir::new("refused");
        let (ok, out, err) = run(latchkey().arg("init").args(args).arg("--out").arg(&dir.0));
        assert!(!ok, "{args:?} was accepted: {out}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(!dir.0.join("latchkey.toml").exists(), "{args:?}");
    }
}

#[test]
fn serve_logs_each_providers_redirect_uri_and_whether_it_needs_the_companion() {
    let dir = TempDir::new("serve");
    let config = dir.0.join("latchkey.toml");
    std::fs::write(
        &config,
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:8080"
static_dir = {static_dir:?}

[[provider]]
id = "gitlab"
preset = "gitlab"
client_id = "abc"

[[provider]]
id = "github"
preset = "github"
client_id = "Iv1.x"
client_secret_env = "GITHUB_CLIENT_SECRET"

[[provider]]
id = "tumblr"
preset = "tumblr"
consumer_key = "k"
consumer_secret_env = "TUMBLR_CONSUMER_SECRET"
"#,
            static_dir = dir.0.display().to_string()
        ),
    )
    .unwrap();
    let mut child = latchkey()
        .args(["serve", "--config"])
        .arg(&config)
        .env("GITHUB_CLIENT_SECRET", "dummy")
        .env("TUMBLR_CONSUMER_SECRET", "dummy")
        .env(
            "LATCHKEY_COOKIE_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = line.contains("latchkey companion listening");
        log.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let log = log.join("\n");
    for expected in [
        "provider \"gitlab\" (GitLab): register the redirect URI http://127.0.0.1:8080/callback/gitlab at the provider; does not need the companion",
        "provider \"github\" (GitHub): register the redirect URI http://127.0.0.1:8080/callback/github at the provider; needs the companion for token mediation (client secret from environment variable GITHUB_CLIENT_SECRET)",
        "provider \"tumblr\" (Tumblr): register the callback URL http://127.0.0.1:8080/oauth1/tumblr/callback at the provider; needs the companion for OAuth 1.0a (consumer secret from environment variable TUMBLR_CONSUMER_SECRET)",
        "latchkey companion listening",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in:\n{log}");
    }
    assert!(!log.contains("dummy"), "a secret reached the log:\n{log}");
}
