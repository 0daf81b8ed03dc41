// A page script written the way docs/embed.md and README.md say, type-checked against
// latchkey.d.ts with `tsc --strict` (scripts/test.sh, step embed-types). It is not run: the
// end-to-end tests drive the same calls in a browser. A `@ts-expect-error` line fails the
// check when the types stop refusing what they must refuse (or turn into `any`).
import latchkey, { type LatchkeyUser, type SignInOptions } from "../latchkey.js";

export async function page(): Promise<void> {
  // `ready` resolves to the person (or null) once the stored session was looked for.
  const first: LatchkeyUser | null = await latchkey.ready;
  const who: string = first ? `${first.name} (${first.provider}:${first.sub})` : "nobody";
  const mail: string | undefined = first?.email;
  const face: string | undefined = first?.picture;
  // @ts-expect-error: the person is read-only, and holds no token.
  if (first) first.name = "someone else";
  // @ts-expect-error: no token is ever on the user.
  void first?.accessToken;

  // The module's default export is also `window.latchkey`.
  const same: boolean = window.latchkey === latchkey;
  const problem: string | null = latchkey.lastError;
  const now: LatchkeyUser | null = latchkey.user;

  const options: SignInOptions = { returnTo: "/blog/api.html?tab=1#me", loginHint: "ada@example.org", prompt: "login" };
  latchkey.signIn("dot");
  latchkey.signIn("dot", options);
  latchkey.signIn("dot", { prompt: "select_account" });
  // @ts-expect-error: a provider id is a string.
  latchkey.signIn(1);
  // @ts-expect-error: returnTo is a path on this origin, as a string.
  latchkey.signIn("dot", { returnTo: new URL("https://elsewhere.example/") });

  // The authorized fetch takes what `window.fetch` takes and answers a Response.
  const me: Response = await latchkey.fetch("me");
  const posted: Response = await latchkey.fetch(new URL("https://api.example.org/notes"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text: "hello" }),
  });
  const again: Response = await latchkey.fetch(new Request("me"));
  // Any body fetch takes, and a signal.
  const form: Response = await latchkey.fetch("notes", { method: "POST", body: new FormData() });
  const stop = new AbortController();
  const stoppable: Promise<Response> = latchkey.fetch("me", { signal: stop.signal });
  stop.abort();

  // What the last failure's "Try again" does, for a page that draws its own UI.
  const retried: boolean = latchkey.retry();
  const line = `${me.status} ${me.statusText} ${me.headers.get("content-type")} ${await me.text()}`;

  // `on("change")` gives the person and returns the unsubscribe.
  const off: () => void = latchkey.on("change", (user) => {
    const name: string | undefined = user?.name;
    void name;
  });
  off();
  // @ts-expect-error: "change" is the one event.
  latchkey.on("signed-in", () => {});

  // The same change as a DOM event, typed through DocumentEventMap.
  document.addEventListener("latchkey:change", (event) => {
    const user: LatchkeyUser | null = event.detail.user;
    const error: string | null = event.detail.error;
    void user, error;
  });

  latchkey.signOut();
  void [who, mail, face, same, problem, now, posted, again, line, form, stoppable, retried];
}
