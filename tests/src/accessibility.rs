//! The accessibility check any page of Latchkey's must pass: axe-core run inside the page,
//! in the light and the dark colour scheme, and every button named exactly by its label.
//!
//! axe-core is pinned in the root `package.json` and installed by `scripts/setup.sh`
//! (`npm ci`); the check reads `node_modules/axe-core/axe.min.js` from disk, so nothing is
//! downloaded while tests run.

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use fantoccini::Locator;

use crate::browser::Browser;
use crate::paths::repo_root;

/// The axe-core rules that run, by tag: WCAG 2.0, 2.1 and 2.2 at levels A and AA (the level
/// that laws and procurement rules ask for), and axe's best practices (one `main`, content in
/// landmarks, no skipped heading levels, ...), which are what a screen-reader user trips over
/// though no success criterion names them. Left out: level AAA (its enhanced contrast is
/// not a conformance target we claim) and axe's experimental rules (they change between
/// releases and report false positives by design).
pub const AXE_TAGS: &[&str] = &[
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
];

/// `node_modules/axe-core/axe.min.js` at the repository root.
pub fn axe_script_path() -> PathBuf {
    repo_root().join("node_modules/axe-core/axe.min.js")
}

/// The text of axe-core, read once; panics with the command to run when it is not installed.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_script_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed: cannot read {} ({e}). Install the npm packages \
                 with `bash scripts/setup.sh` (or `npm ci`) at the repository root.",
                path.display()
            )
        })
    })
}

/// One rule that failed on a page, or that axe-core could not decide there, with the elements
/// concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for, in a sentence.
    pub help: String,
    /// A CSS selector for each element concerned, with axe-core's reason in brackets.
    pub targets: Vec<String>,
    /// axe-core could not decide (its "incomplete" results): a person has to look.
    pub needs_review: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let review = if self.needs_review {
            ", needs review"
        } else {
            ""
        };
        write!(f, "{} ({}{review}): {}", self.id, self.impact, self.help)?;
        for target in &self.targets {
            write!(f, "\n      at {target}")?;
        }
        Ok(())
    }
}

/// Runs axe-core on the current page as it is now and returns what it finds: the rules that
/// fail, and those it could not decide. Both count against our own pages: an undecided check
/// there (a label ARIA may ignore, text over an element that hides its background) is one to
/// make decidable, and it was each time so far.
pub async fn axe_findings(browser: &Browser) -> Vec<Finding> {
    // WebDriver runs the script as a function body: axe's bundle sets `window.axe` from there,
    // and the page's Content-Security-Policy does not apply to it.
    let injected = browser
        .js(
            &format!("{}\n;return typeof window.axe;", axe_source()),
            vec![],
        )
        .await;
    assert_eq!(injected, "object", "axe-core did not load into the page");
    let report = browser
        .js_async(
            r#"const [tags, done] = arguments;
               axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] })
                 .then(r => done({
                   passed: r.passes.length,
                   elements: document.querySelectorAll('*').length,
                   scheme: matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
                   findings: [
                     ...r.violations.map(v => ({ ...v, needs_review: false })),
                     ...r.incomplete.map(v => ({ ...v, needs_review: true })),
                   ].map(v => ({
                     id: v.id, impact: v.impact || '', help: v.help, needs_review: v.needs_review,
                     targets: v.nodes.map(n => {
                       const why = [...n.any, ...n.all, ...n.none].find(c => c.message);
                       return n.target.flat().join(' >>> ') + (why ? ` (${why.message})` : '');
                     }),
                   })),
                 }), e => done('error: ' + e));"#,
            vec![serde_json::json!(AXE_TAGS)],
        )
        .await;
    let (Some(passed), Some(found)) = (report["passed"].as_u64(), report["findings"].as_array())
    else {
        panic!("axe.run failed: {report}");
    };
    // No rule with something to check would mean a wrong tag or an empty page, not a clean one.
    assert!(passed > 0, "axe-core checked nothing on the page");
    eprintln!(
        "axe-core on {} ({} scheme): {passed} rules passed, {} failed or undecided, {} elements",
        browser.url().await,
        report["scheme"].as_str().unwrap_or_default(),
        found.len(),
        report["elements"]
    );
    found
        .iter()
        .map(|v| {
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            Finding {
                id: text("id"),
                impact: text("impact"),
                help: text("help"),
                targets: v["targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                needs_review: v["needs_review"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// Each visible button whose accessible name is not exactly its visible label, as
/// `label → name` lines. The label is the button's rendered text with runs of white space
/// made one space; text drawn by CSS (`::before`, `::after`) is not part of it, and must not
/// be part of the name either.
pub async fn misnamed_buttons(browser: &Browser) -> Vec<String> {
    let buttons = browser
        .client()
        .find_all(Locator::Css("button"))
        .await
        .unwrap_or_default();
    let mut misnamed = Vec::new();
    for button in &buttons {
        if !button.is_displayed().await.unwrap_or(false) {
            continue;
        }
        let label = one_line(&button.text().await.unwrap_or_default());
        let name = browser.accessible_name(button).await;
        if name != label {
            misnamed.push(format!("label {label:?} → accessible name {name:?}"));
        }
    }
    misnamed
}

/// The accessible names of the visible elements matching `css`, in document order.
pub async fn accessible_names(browser: &Browser, css: &str) -> Vec<String> {
    let elements = browser
        .client()
        .find_all(Locator::Css(css))
        .await
        .unwrap_or_default();
    let mut names = Vec::new();
    for element in &elements {
        if element.is_displayed().await.unwrap_or(false) {
            names.push(browser.accessible_name(element).await);
        }
    }
    names
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The whole check on the page as it is now, named `what` in the failure: no axe-core
/// finding (a failed or an undecided rule) in the light scheme nor in the dark one, and no
/// button named other than by its label. Panics listing every problem found (with the
/// browser's URL, text and console). Leaves the page in the light scheme.
pub async fn assert_accessible(browser: &Browser, what: &str) {
    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        browser.prefer_color_scheme(scheme).await;
        let applied = browser
            .js(
                "return matchMedia(`(prefers-color-scheme: ${arguments[0]})`).matches;",
                vec![scheme.into()],
            )
            .await;
        assert_eq!(applied, true, "the page did not take the {scheme} scheme");
        for v in axe_findings(browser).await {
            problems.push(format!("[{scheme} scheme] {v}"));
        }
    }
    browser.prefer_color_scheme("light").await;
    for m in misnamed_buttons(browser).await {
        problems.push(format!("button {m}"));
    }
    if !problems.is_empty() {
        browser
            .fail(&format!(
                "{what}: {} accessibility problem(s):\n  - {}",
                problems.len(),
                problems.join("\n  - ")
            ))
            .await;
    }
}
