// ---- Latchkey embed bootstrap (crates/embed/js/bootstrap.js) --------------------------------
// scripts/build-embed.sh appends this to wasm-bindgen's glue, so one module file loads the
// wasm beside it, defines the elements and exports the API. No inline script is needed, so
// a page with `script-src 'self' 'wasm-unsafe-eval'` can use it.
await __wbg_init({ module_or_path: new URL("latchkey_bg.wasm", import.meta.url) });

for (const tag of ["latchkey-signin", "latchkey-user", "latchkey-signout"]) {
  if (!customElements.get(tag)) {
    customElements.define(tag, class extends HTMLElement {
      static get observedAttributes() { return ["provider"]; }
      connectedCallback() { render(this); }
      attributeChangedCallback() { if (this.isConnected) render(this); }
    });
  }
}

const latchkey = boot(import.meta.url);
export default latchkey;
