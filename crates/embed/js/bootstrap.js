// ---- Latchkey embed bootstrap (crates/embed/js/bootstrap.js) --------------------------------
// scripts/build-embed.sh appends this to wasm-bindgen's glue, so one module file loads the
// wasm beside it, defines the elements and exports the API. No inline script is needed, so
// a page with `script-src 'self' 'wasm-unsafe-eval'` can use it.
//
// The sign-in buttons do not wait for the wasm. latchkey.json is fetched at once, and while
// the wasm is on its way, <latchkey-signin> shows the buttons the wasm would render for a
// signed-out visitor, when this page is surely one: no stored session, no mark of a
// companion session (OAuth 1.0a; the client keeps `latchkey.companion.<id>` in localStorage
// while the companion's cookie may hold one), no answer from a provider in the address.
// Then the page's `data-latchkey-signed-out` parts show too.
// A click on such a button is kept and carried out once the wasm runs. The wasm is handed
// the same answer, so the file is fetched once. docs/notes/load-time.md has the figures.

const SIGN_IN_ATTR = "data-latchkey-sign-in"; // elements.rs SIGN_IN_ATTR

// The `<meta name="latchkey-config" content>` URL (relative to the page), else
// latchkey.json beside this module.
const configUrl = (() => {
  const meta = document.querySelector("meta[name=latchkey-config]")?.getAttribute("content")?.trim();
  try {
    return new URL(meta || "latchkey.json", meta ? document.baseURI : import.meta.url).href;
  } catch {
    return meta;
  }
})();
const configAnswer = fetch(configUrl)
  .then(async (response) => ({ status: response.status, body: await response.text() }))
  .catch((error) => ({ error: String(error) }));

let booted = false;
let early = null; // [{id, name}] once the buttons may show before the wasm
let wanted = null; // the provider whose button was clicked before the wasm ran
let failure = null; // words, once the wasm could not be loaded

const mayBeSignedIn = () => {
  if (/[?&#](state|latchkey_\w+)=/.test(location.search + location.hash)) return true;
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

// The nodes elements.rs `view` renders for a signed-out visitor, and its `key` of them: the
// wasm's first render finds them current and keeps them, so a focused button stays focused.
const showEarly = (element) => {
  const only = element.getAttribute("provider");
  const nodes = early
    .filter((p) => only === null || p.id === only)
    .map((p) => ["button", [["type", "button"], ["class", "latchkey-button"], [SIGN_IN_ATTR, p.id],
      ["aria-disabled", "false"]], `Sign in with ${p.name}`]);
  if (nodes.length === 0) return; // an unknown `provider` is for the wasm to put into words
  nodes.push(["span", [["class", "latchkey-status"], ["role", "status"]], ""]);
  element.replaceChildren(...nodes.map(([tag, attrs, text]) => {
    const child = document.createElement(tag);
    for (const [name, value] of attrs) child.setAttribute(name, value);
    child.textContent = text;
    return child;
  }));
  element.setAttribute("data-latchkey-rendered", nodes.map(([tag, attrs, text]) =>
    tag + attrs.map(([name, value]) => `\x1f${name}=${value}`).join("") + `\x1e${text}\x1d`).join(""));
};

// Without the wasm nothing can sign in: early buttons would mislead, so words replace them.
const showFailure = (element) => {
  const alert = document.createElement("p");
  alert.className = "latchkey-error";
  alert.setAttribute("role", "alert");
  alert.textContent = failure;
  element.removeAttribute("data-latchkey-rendered");
  element.replaceChildren(alert);
};

// What the page shows signed-out visitors (`data-latchkey-signed-out`, hidden in the HTML).
const showSignedOutParts = () =>
  document.querySelectorAll("[data-latchkey-signed-out]").forEach((el) => el.removeAttribute("hidden"));

const show = (element) => {
  if (failure) showFailure(element);
  else if (booted) render(element);
  else if (early) showEarly(element);
};

configAnswer.then(({ status, body }) => {
  if (booted || failure || status !== 200 || mayBeSignedIn()) return;
  try {
    const { providers } = JSON.parse(body);
    if (providers.every((p) => typeof p.id === "string" && typeof p.name === "string")) {
      early = providers;
    }
  } catch {
    return; // the wasm puts a broken file into words
  }
  if (!early) return;
  document.querySelectorAll("latchkey-signin").forEach(showEarly);
  showSignedOutParts(); // nobody is signed in
});

document.addEventListener("click", (event) => {
  const button = !booted && !failure && event.target.closest?.(`[${SIGN_IN_ATTR}]`);
  if (!button) return;
  wanted = button.getAttribute(SIGN_IN_ATTR);
  const element = button.closest("latchkey-signin");
  if (!element) return;
  element.removeAttribute("data-latchkey-rendered");
  // As the wasm marks its buttons while a step is under way.
  element.querySelectorAll(`[${SIGN_IN_ATTR}]`).forEach((b) => b.setAttribute("aria-disabled", "true"));
  const status = element.querySelector(".latchkey-status");
  if (status) status.textContent = "Loading sign-in\u2026";
});

for (const tag of ["latchkey-signin", "latchkey-user", "latchkey-signout"]) {
  if (!customElements.get(tag)) {
    customElements.define(tag, class extends HTMLElement {
      static get observedAttributes() { return ["provider"]; }
      connectedCallback() { show(this); }
      attributeChangedCallback() { if (this.isConnected) show(this); }
    });
  }
}

try {
  await __wbg_init({ module_or_path: new URL("latchkey_bg.wasm", import.meta.url) });
} catch (error) {
  failure = `Sign-in could not load (${error}). Check your connection, then reload the page.`;
  document.querySelectorAll("latchkey-signin").forEach(showFailure);
  showSignedOutParts(); // as after a configuration that failed: where these words are
  throw error;
}
booted = true;
const latchkey = boot(configUrl, configAnswer, early !== null);
if (wanted !== null) latchkey.ready.then(() => latchkey.signIn(wanted));
export default latchkey;
