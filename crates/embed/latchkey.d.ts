// Types of Latchkey's embed: `import latchkey from "…/latchkey.js"` (also `window.latchkey`).
// Documented in docs/embed.md.

/** The signed-in person. Never holds a token. */
export interface LatchkeyUser {
  /** The provider's `id` in latchkey.json. */
  readonly provider: string;
  /** The subject identifier at that provider (OIDC `sub`, OAuth 1.0a `user_id`). */
  readonly sub: string;
  /** `name`, else `preferred_username` / `login`, else `email`, else `sub`. */
  readonly name: string;
  /** The e-mail address, when the provider shared one. */
  readonly email?: string;
  /** A picture URL (http or https), when the provider shared one. */
  readonly picture?: string;
}

export interface SignInOptions {
  /** A path on this origin (with query and fragment) to come back to; default: this page. */
  returnTo?: string;
  /** OpenID Connect `login_hint`: the account the person is expected to use (e.g. an e-mail). */
  loginHint?: string;
  /** OpenID Connect `prompt`: `"none"`, `"login"`, `"consent"` or `"select_account"` (space-separated). */
  prompt?: string;
}

/** `detail` of the `latchkey:change` event dispatched on `document`. */
export interface LatchkeyChangeDetail {
  readonly user: LatchkeyUser | null;
  readonly error: string | null;
}

export interface Latchkey {
  /**
   * Settles once a stored session was looked for, or a callback in this page's address was
   * completed, or the configuration failed; resolves to `user` then. Never rejects: a
   * failure is in `lastError`.
   */
  readonly ready: Promise<LatchkeyUser | null>;
  /** The signed-in person, or `null`. */
  readonly user: LatchkeyUser | null;
  /** The last failure in words (configuration, sign-in, renewal), or `null`. */
  readonly lastError: string | null;
  /**
   * Leaves for the provider's sign-in page. An unknown id, or a configuration that failed,
   * is reported in `lastError`, on the console and in `<latchkey-signin>`; it never throws.
   */
  signIn(providerId: string, options?: SignInOptions): void;
  /** Revokes the tokens where the provider supports it and signs out in every tab. */
  signOut(): void;
  /**
   * What the last failure's "Try again" does, for a page that draws its own UI: starts the
   * failed sign-in again, or renews the kept session now. `false` when the last failure
   * offers no retry, there is none, or something is already under way.
   */
  retry(): boolean;
  /**
   * `fetch` with the person's credentials, only to URLs under the signed-in provider's
   * `api_base` (a relative URL is joined to it). Takes every body `window.fetch` takes, a
   * `Request`'s own too, with the browser's `Content-Type` for a form, a `Blob` or a stream.
   * Methods: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS. An aborted `init.signal` (or the
   * `Request`'s) rejects with its reason and cancels the request, as `fetch` does; a renewal
   * the call started still runs to its end. No time limit of its own, as with `fetch`
   * (`AbortSignal.timeout(ms)` gives one). Resolves at the answer's headers, as `fetch` does,
   * to the browser's own `Response`, its body read as it comes. OAuth 1.0a goes through the companion's
   * signing proxy. A 401 renews the session once and retries. A DPoP-bound token goes as
   * `Authorization: DPoP` with a proof for the request. An `Authorization` or `DPoP` header in
   * `init` is never sent. Rejects with an `Error` for any other URL, when nobody is signed in,
   * or when the network fails. The `Response` has the API's status, status text, body, and the
   * headers CORS lets a page read.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Calls `listener` whenever `user` or `lastError` changes; returns the unsubscribe. */
  on(event: "change", listener: (user: LatchkeyUser | null) => void): () => void;
}

declare const latchkey: Latchkey;
export default latchkey;

declare global {
  interface Window {
    latchkey: Latchkey;
  }
  interface DocumentEventMap {
    "latchkey:change": CustomEvent<LatchkeyChangeDetail>;
  }
}
