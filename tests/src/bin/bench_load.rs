//! The cold-load bench behind `scripts/bench-load.sh`: how long each page takes, from the
//! start of its navigation, to show a visible "Sign in with …" button, next to a baseline page
//! built on oidc-client-ts, measured in the same run.
//!
//! Every page is served by nginx from a scratch copy, precompressed (`gzip_static`), at the
//! root of a port of its own, with a `latchkey.json` naming one OpenID Connect provider. The
//! provider is a stand-in that answers 404 and logs what it is asked: no page should contact
//! it before its button shows, and the bench prints what it was asked.
//!
//! Each load is cold: a new Chromium with a new profile (no HTTP cache, no storage, no open
//! connection). The pages take turns (A B C D A B C D …), so a machine that gets busier
//! slows them all alike and the ratios stay comparable.
//!
//! Settings (environment): `LOADS` (cold loads per page and profile, default 10),
//! `PROFILES` (`mobile`, `loopback`, or both comma-separated; default both).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use latchkey_e2e::paths::{copy_dir, dist_dir, minimal_dist_dir, repo_root, ScratchDir};
use latchkey_e2e::process::free_port;
use latchkey_e2e::static_host::{precompress, Root, StaticHost};
use latchkey_e2e::static_site::site_build_dir;
use latchkey_e2e::Browser;
use serde_json::{json, Value};

/// How long one load may take before the bench gives up on the page.
const LOAD_LIMIT: Duration = Duration::from_secs(90);

/// Installed before any of the page's own scripts: notes `performance.now()` (milliseconds
/// since the navigation started) at the first rendering opportunity after a visible button
/// reading "Sign in with …" is in the document. A MutationObserver sees every insertion and
/// every `hidden` that is lifted; the time is taken in the next animation frame, because a
/// page paints nothing while a stylesheet in its head is still on its way (a script may put a
/// button in the document before then, but nobody sees it).
const WATCH_FOR_BUTTON: &str = r#"(() => {
  const shown = () => Array.from(document.querySelectorAll("button")).some(
    (b) => b.textContent.trim().startsWith("Sign in with") && b.checkVisibility());
  let seen = false;
  const check = () => {
    if (!seen && shown()) {
      seen = true;
      observer.disconnect();
      requestAnimationFrame(() => { window.__benchButtonAt = performance.now(); });
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  addEventListener("DOMContentLoaded", check);
  addEventListener("load", check);
})();"#;

/// What a finished load reports: the button's time, what had arrived by then, and when the
/// page's wasm had arrived (`null` until it has; the embed shows its button before).
const READ_RESULT: &str = r#"const at = window.__benchButtonAt;
if (at === undefined) return null;
const all = performance.getEntriesByType("navigation")
  .concat(performance.getEntriesByType("resource"));
const entries = all.filter((e) => e.responseEnd <= at);
const wasm = all.filter((e) => e.name.endsWith(".wasm") && e.responseEnd > 0)
  .map((e) => e.responseEnd);
return { at, bytes: entries.reduce((sum, e) => sum + e.transferSize, 0), requests: entries.length,
  wasm: wasm.length > 0 ? Math.max(...wasm) : null };"#;

/// A fixed amount of JavaScript work, timed in the page: shows the CPU slowdown applies to the
/// page's own process (a navigation to another origin can move it to a new renderer).
const CPU_PROBE: &str = r#"const start = performance.now();
let x = 0;
for (let i = 0; i < 2e7; i++) x = (x + i * 7) % 1000003;
return performance.now() - start + x * 0;"#;

/// The conditions one run of loads is made under.
struct Profile {
    name: &'static str,
    description: &'static str,
    /// `Network.emulateNetworkConditions` parameters; `None`: loopback as it is.
    network: Option<Value>,
    cpu_slowdown: f64,
    /// `Emulation.setDeviceMetricsOverride` parameters; `None`: the desktop window.
    screen: Option<Value>,
    /// Whether the bars apply.
    judged: bool,
}

fn profiles() -> Vec<Profile> {
    // Lighthouse's mobile profile ("slow 4G", a mid-range phone). Lighthouse writes its
    // throughputs in units of 1024 bits per second; CDP takes bytes per second.
    let kbit = 1024.0 / 8.0;
    let mobile = Profile {
        name: "mobile",
        description: "slow 4G (150 ms round trip per request, 1.6 Mbit/s down, \
                      750 kbit/s up), CPU 4x slower, 412x823 phone screen",
        network: Some(json!({
            "offline": false,
            "latency": 150.0,
            "downloadThroughput": 1.6 * 1024.0 * kbit,
            "uploadThroughput": 750.0 * kbit,
        })),
        cpu_slowdown: 4.0,
        screen: Some(json!({
            "width": 412, "height": 823, "deviceScaleFactor": 1.75, "mobile": true,
        })),
        judged: true,
    };
    let loopback = Profile {
        name: "loopback",
        description: "no throttling: loopback network, this machine's CPU, desktop window",
        network: None,
        cpu_slowdown: 1.0,
        screen: None,
        judged: false,
    };
    let wanted = std::env::var("PROFILES").unwrap_or_else(|_| "mobile,loopback".into());
    let chosen: Vec<Profile> = [mobile, loopback]
        .into_iter()
        .filter(|p| wanted.split(',').any(|w| w.trim() == p.name))
        .collect();
    assert!(
        !chosen.is_empty(),
        "PROFILES={wanted:?} names no profile (mobile, loopback)"
    );
    chosen
}

/// One page under test.
struct Page {
    label: &'static str,
    /// The folder of the provider stand-in's issuer path this page is given.
    key: &'static str,
    /// The highest ratio to the baseline the page may reach under the mobile profile.
    bar: Option<f64>,
    port: u16,
    root: PathBuf,
}

impl Page {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

/// Copies `built` to `<scratch>/<key>` and writes the `latchkey.json` the page reads at
/// `config_path`, naming one OIDC provider at the stand-in.
fn prepare(
    scratch: &Path,
    key: &'static str,
    built: &Path,
    config_path: &str,
    provider_port: u16,
) -> (u16, PathBuf) {
    let port = free_port();
    let root = scratch.join(key);
    copy_dir(built, &root);
    let origin = format!("http://127.0.0.1:{port}");
    let config = json!({ "providers": [{
        "id": "dot",
        "name": "Django OAuth Toolkit",
        "protocol": "oidc",
        "issuer": format!("http://127.0.0.1:{provider_port}/{key}/o"),
        "client_id": "latchkey-bench",
        "scopes": ["openid", "profile", "email"],
        "redirect_uri": format!("{origin}/callback"),
    }]});
    let config_file = root.join(config_path);
    std::fs::write(&config_file, config.to_string())
        .unwrap_or_else(|e| panic!("write {}: {e}", config_file.display()));
    precompress(&root);
    (port, root)
}

/// The baseline's files: its page from `tests/bench/oidc-client-ts`, and the package's
/// browser build from `node_modules`.
fn baseline_build(scratch: &Path) -> PathBuf {
    let repo = repo_root();
    let library = repo.join("node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js");
    assert!(
        library.is_file(),
        "{} is missing: run `npm ci` at the repository root",
        library.display()
    );
    let built = scratch.join("baseline-build");
    copy_dir(&repo.join("tests/bench/oidc-client-ts"), &built);
    std::fs::copy(&library, built.join("oidc-client-ts.min.js")).expect("copy oidc-client-ts");
    built
}

/// A finished cold load.
#[derive(Debug, Clone, Copy)]
struct Load {
    button_ms: f64,
    bytes: f64,
    requests: f64,
    /// When the page's wasm had arrived (`None`: the page has none).
    wasm_ms: Option<f64>,
}

/// Loads `page` once in a new browser under `profile`; with `probe`, also times [`CPU_PROBE`]
/// in the loaded page.
async fn cold_load(page: &Page, profile: &Profile, probe: bool) -> (Load, Option<f64>) {
    let browser = Browser::start().await;
    if let Some(conditions) = &profile.network {
        browser.cdp("Network.enable", json!({})).await;
        browser
            .cdp("Network.emulateNetworkConditions", conditions.clone())
            .await;
    }
    browser
        .cdp(
            "Emulation.setCPUThrottlingRate",
            json!({ "rate": profile.cpu_slowdown }),
        )
        .await;
    if let Some(screen) = &profile.screen {
        browser
            .cdp("Emulation.setDeviceMetricsOverride", screen.clone())
            .await;
    }
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH_FOR_BUTTON }),
        )
        .await;
    browser.goto(&page.url()).await;
    let start = Instant::now();
    let load = loop {
        let result = browser.js(READ_RESULT, vec![]).await;
        let wasm_ms = result.get("wasm").and_then(Value::as_f64);
        // A page built on wasm is done once its wasm is in too; the baseline has none.
        let done = page.key == "baseline" || wasm_ms.is_some();
        if let (Some(at), true) = (result.get("at").and_then(Value::as_f64), done) {
            let field = |k: &str| result.get(k).and_then(Value::as_f64).unwrap_or(0.0);
            break Load {
                button_ms: at,
                bytes: field("bytes"),
                requests: field("requests"),
                wasm_ms,
            };
        }
        if start.elapsed() > LOAD_LIMIT {
            browser
                .fail(&format!(
                    "{}: no visible \"Sign in with …\" button within {LOAD_LIMIT:?} of the load",
                    page.label
                ))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let probe_ms = if probe {
        browser.js(CPU_PROBE, vec![]).await.as_f64()
    } else {
        None
    };
    browser.close().await;
    (load, probe_ms)
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Prints one profile's table. `loads[page][round]`; the baseline is the last page.
fn report(profile: &Profile, pages: &[Page], loads: &[Vec<Load>], probe: &[Option<f64>]) {
    println!();
    println!(
        "== {}: {} ({} cold loads per page, alternated)",
        profile.name,
        profile.description,
        loads[0].len()
    );
    let probes: Vec<String> = probe
        .iter()
        .map(|p| p.map_or("?".into(), |ms| format!("{ms:.0} ms")))
        .collect();
    println!(
        "   CPU check, a fixed JS loop in each loaded page: {}",
        probes.join(", ")
    );
    println!(
        "{:<32} {:>9} {:>7} {:>7} {:>9} {:>5} {:>7} {:>8} {:>8}  bar",
        "page", "median ms", "min", "max", "KB@button", "reqs", "wasm ms", "ratio", "paired"
    );
    let baseline = loads.last().expect("the baseline's loads");
    let baseline_times: Vec<f64> = baseline.iter().map(|l| l.button_ms).collect();
    let baseline_median = median(&baseline_times);
    for (i, (page, runs)) in pages.iter().zip(loads).enumerate() {
        let times: Vec<f64> = runs.iter().map(|l| l.button_ms).collect();
        let (lo, hi) = min_max(&times);
        let kb = median(&runs.iter().map(|l| l.bytes / 1024.0).collect::<Vec<_>>());
        let requests = median(&runs.iter().map(|l| l.requests).collect::<Vec<_>>());
        let wasm: Vec<f64> = runs.iter().filter_map(|l| l.wasm_ms).collect();
        let wasm = if wasm.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.0}", median(&wasm))
        };
        let ratio = median(&times) / baseline_median;
        // The same ratio taken round by round (each load against the baseline's load of
        // the same round), then its median: less moved by a busy spell of the machine.
        let paired = median(
            &times
                .iter()
                .zip(&baseline_times)
                .map(|(t, b)| t / b)
                .collect::<Vec<_>>(),
        );
        let verdict = match (page.bar, profile.judged) {
            (Some(bar), true) if ratio <= bar => format!("<= {bar:.1}x: met"),
            (Some(bar), true) => format!("<= {bar:.1}x: NOT met"),
            (Some(bar), false) => format!("({bar:.1}x applies to mobile)"),
            (None, _) if i == pages.len() - 1 => "baseline".into(),
            (None, _) => "reported".into(),
        };
        println!(
            "{:<32} {:>9.0} {:>7.0} {:>7.0} {:>9.1} {:>5.0} {:>7} {:>7.2}x {:>7.2}x  {verdict}",
            page.label,
            median(&times),
            lo,
            hi,
            kb,
            requests,
            wasm,
            ratio,
            paired
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let loads_per_page: usize = std::env::var("LOADS")
        .ok()
        .map(|v| v.parse().expect("LOADS is a whole number"))
        .unwrap_or(10);
    assert!(loads_per_page > 0, "LOADS must be at least 1");
    let profiles = profiles();

    let scratch = ScratchDir::new("bench-load");
    let provider_port = free_port();
    let provider_root = scratch.path().join("provider");
    std::fs::create_dir_all(&provider_root).expect("create the provider stand-in's folder");

    let baseline = baseline_build(scratch.path());
    // (label, key, bar, build, where the page reads latchkey.json)
    let specs: [(&str, &str, Option<f64>, PathBuf, &str); 4] = [
        (
            "app (showcase, dist/)",
            "app",
            Some(2.0),
            dist_dir(),
            "latchkey.json",
        ),
        (
            "examples/leptos-minimal",
            "minimal",
            None,
            minimal_dist_dir(),
            "latchkey.json",
        ),
        (
            "embed (examples/static-site)",
            "embed",
            Some(1.5),
            site_build_dir(),
            "latchkey/latchkey.json",
        ),
        (
            "oidc-client-ts (baseline)",
            "baseline",
            None,
            baseline,
            "latchkey.json",
        ),
    ];
    let pages: Vec<Page> = specs
        .into_iter()
        .map(|(label, key, bar, built, config_path)| {
            let (port, root) = prepare(scratch.path(), key, &built, config_path, provider_port);
            Page {
                label,
                key,
                bar,
                port,
                root,
            }
        })
        .collect();

    let mut roots: Vec<Root> = pages
        .iter()
        .map(|p| Root {
            port: p.port,
            dir: p.root.clone(),
        })
        .collect();
    roots.push(Root {
        port: provider_port,
        dir: provider_root,
    });
    let host = StaticHost::start(&roots).await;

    for profile in &profiles {
        let mut loads: Vec<Vec<Load>> = vec![Vec::new(); pages.len()];
        let mut probe = vec![None; pages.len()];
        eprint!("{}: ", profile.name);
        for round in 0..loads_per_page {
            for (i, page) in pages.iter().enumerate() {
                let (load, probe_ms) = cold_load(page, profile, round == 0).await;
                loads[i].push(load);
                if round == 0 {
                    probe[i] = probe_ms;
                }
            }
            eprint!("{} ", round + 1);
        }
        eprintln!();
        report(profile, &pages, &loads, &probe);
    }

    println!();
    println!(
        "Requests each page made of the provider (a stand-in answering 404) during its loads:"
    );
    let asked = host.paths_requested(provider_port);
    for page in &pages {
        let prefix = format!("/{}/", page.key);
        let mine: Vec<&String> = asked.iter().filter(|p| p.starts_with(&prefix)).collect();
        println!("  {:<32} {}", page.label, mine.len());
    }
    println!("What each page fetched from its own origin (distinct paths):");
    for page in &pages {
        let mut paths = host.paths_requested(page.port);
        paths.sort();
        paths.dedup();
        println!("  {:<32} {}", page.label, paths.join(" "));
    }
}
