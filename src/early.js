// ---- The home page before the wasm has arrived (src/early.js) --------------------------------
// index.html holds the app's signed-out home page as plain HTML (`#latchkey-early`, hidden).
// This script fetches /latchkey.json at once and, when the visitor is surely signed out (no
// stored session, no mark of a companion session, no provider's answer in the address), puts
// one "Sign in with …" button per provider into it and shows it, while the wasm is still on
// its way. A click is kept (`data-wanted`) and said; src/early.rs hands the page over to the
// app once it knows nobody is signed in, and starts the sign-in clicked here.
// If the app cannot load, the page says so in words instead of offering buttons that do
// nothing. The embed's bootstrap (crates/embed/js/bootstrap.js) does the same for its element.
// tests/tests/app_early.rs holds this page to the one the app renders.

const shell = document.getElementById("latchkey-early");
let started = false; // the app has started (Trunk's event): it failed to load if not

addEventListener("TrunkApplicationStarted", () => { started = true; });

// As the app's `protocol_caption` (src/components/providers.rs).
const CAPTIONS = {
  oidc: "OpenID Connect \u00b7 PKCE",
  oauth2: "OAuth 2.0 \u00b7 PKCE",
  oauth1: "OAuth 1.0a \u00b7 via the companion",
};

// As the app's `initial`: the first letter or digit, upper-cased.
const initial = (name) => [...name].find((c) => /[\p{Alphabetic}\p{N}]/u.test(c))?.toUpperCase() ?? "?";

// Anything that says this visitor may be signed in, or is coming back from a provider.
const mayBeSignedIn = () => {
  if (location.pathname !== "/") return true; // only the home page is copied here
  if (/[?&#](state|oauth_token|error|latchkey_\w+)=/.test(location.search + location.hash)) return true;
  try {
    for (const area of [localStorage, sessionStorage]) {
      for (let i = 0; i < area.length; i++) {
        if (/^latchkey\.(session|companion)\./.test(area.key(i))) return true;
      }
    }
    return false;
  } catch {
    return true;
  }
};

const element = (tag, attrs, text) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
};

// The same nodes as the app's `ProviderButtons`.
const showButtons = (providers) => {
  const items = providers.map((p) => {
    const caption = `provider-${p.id}-caption`;
    const button = element("button", {
      type: "button", class: "provider-button", "data-provider": p.id,
      "data-initial": initial(p.name), "aria-describedby": caption, "aria-busy": "false",
    }, `Sign in with ${p.name}`);
    const item = element("li", { class: "provider-item" });
    item.append(button, element("span", { class: "provider-caption", id: caption }, CAPTIONS[p.protocol] ?? ""));
    return item;
  });
  shell.querySelector(".provider-list").replaceChildren(...items);
  shell.hidden = false;
};

let gaveUp = false;
const giveUp = (words) => {
  if (gaveUp || started || !shell?.isConnected) return;
  gaveUp = true;
  const notice = element("div", { class: "notice notice-error", role: "alert" });
  notice.append(element("h2", { class: "notice-title" }, "Sign-in could not load"), element("p", {}, words));
  shell.querySelector(".provider-list").replaceWith(notice);
  shell.querySelector("[role=status]")?.remove();
  shell.hidden = false;
};

// Its own preload (index.html), taken whether or not it is needed, so no preload goes unused.
// The same file under a URL of its own: the preload of `/latchkey.json` is left for the app's
// fetch, which then needs no round trip once the wasm has arrived. (This fetch used to ask
// for the same URL with credentials, which left the preload alone too, but Chromium warned
// about the mismatch on every load.)
// Anything but a usable file (none, a broken one, no answer) is for the app to put into words.
const config = fetch("/latchkey.json?early")
  .then((response) => (response.ok ? response.json() : null))
  .catch(() => null);

if (shell && !mayBeSignedIn()) {
  config.then((config) => {
    const providers = config?.providers;
    const usable = Array.isArray(providers) && providers.length > 0
      && providers.every((p) => typeof p?.id === "string" && typeof p?.name === "string");
    // Once the app has started, the copy is its to remove (src/early.rs).
    if (usable && !started && shell.isConnected && shell.hidden) showButtons(providers);
  });
}

shell?.addEventListener("click", (event) => {
  const button = event.target.closest?.("button[data-provider]");
  // Also after the app has started: until it has looked for a stored session, its page is
  // hidden behind this one, and src/early.rs carries out the click when it takes over.
  if (!button || button.disabled) return;
  shell.dataset.wanted = button.dataset.provider;
  // As the app marks the pressed button while sign-in starts.
  button.setAttribute("aria-busy", "true");
  shell.querySelectorAll("button[data-provider]").forEach((b) => { b.disabled = true; });
  // A live region announces a change of its words, so it is in the page before they come.
  const status = element("p", { class: "muted", role: "status" });
  shell.querySelector(".provider-list").after(status);
  requestAnimationFrame(() => { status.textContent = "Loading sign-in\u2026"; });
});

// The app did not start: its script or wasm failed to load, or it stopped at once. Trunk's
// loader reports that as an error on its <script> or as an uncaught exception.
const failed = (event) => {
  // An image or icon that did not load is not the app failing.
  if (event.type === "error" && !(event instanceof ErrorEvent) && !(event.target instanceof HTMLScriptElement)) return;
  const reason = event.reason ?? event.error ?? event.message ?? "its files did not arrive";
  giveUp(`The page's program did not arrive or did not start (${reason}). Check your connection, then reload the page.`);
};
addEventListener("error", failed, true);
addEventListener("unhandledrejection", failed);

// A Content-Security-Policy that refuses the app's scripts (the loader's hash in a
// `latchkey csp-meta` policy gone stale, say): no error event says so. The loader is refused
// while the page is parsed, before this module runs, so the buffered reports are read too.
const refused = (directive, blocked) => {
  // The app's scripts: the inline loader, the WebAssembly, the files of this origin.
  const ours = ["inline", "wasm-eval"].includes(blocked) || blocked?.startsWith(location.origin);
  if (!directive?.startsWith("script-src") || !ours) return;
  const what = { inline: "its inline loader", "wasm-eval": "its WebAssembly" }[blocked] ?? blocked ?? "a script";
  giveUp(`This site's Content-Security-Policy blocks the sign-in program (${what}), so sign-in cannot run here. The site's owner needs to update the policy.`);
};
addEventListener("securitypolicyviolation", (e) => refused(e.effectiveDirective, e.blockedURI));
if (typeof ReportingObserver === "function") {
  new ReportingObserver((reports) => reports.forEach((r) => refused(r.body.effectiveDirective, r.body.blockedURL)),
    { types: ["csp-violation"], buffered: true }).observe();
}
