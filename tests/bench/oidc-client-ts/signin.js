// The baseline of scripts/bench-load.sh: what Latchkey's pages do before their first button,
// done with oidc-client-ts. Reads the providers from /latchkey.json (the same file the
// Latchkey pages read), makes a UserManager for each OpenID Connect provider, asks it for the
// user kept in storage, and shows "Sign in with <name>" when there is none.
"use strict";

async function start() {
  const place = document.querySelector(".signin");
  const response = await fetch("/latchkey.json");
  if (!response.ok) {
    throw new Error(`/latchkey.json answered ${response.status}`);
  }
  const { providers } = await response.json();
  for (const provider of providers.filter((p) => p.protocol === "oidc")) {
    const manager = new oidc.UserManager({
      authority: provider.issuer,
      client_id: provider.client_id,
      redirect_uri: provider.redirect_uri,
      scope: provider.scopes.join(" "),
    });
    const user = await manager.getUser();
    if (user && !user.expired) {
      const greeting = document.createElement("p");
      greeting.textContent = `Signed in as ${user.profile.name ?? user.profile.sub}`;
      place.append(greeting);
      continue;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `Sign in with ${provider.name}`;
    button.addEventListener("click", () => manager.signinRedirect());
    place.append(button);
  }
}

start().catch((error) => {
  const alert = document.createElement("p");
  alert.setAttribute("role", "alert");
  alert.textContent = `Could not start: ${error.message}`;
  document.querySelector(".signin").append(alert);
});
