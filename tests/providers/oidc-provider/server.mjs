// The oidc-provider fixture: panva's certified OpenID Connect provider (npm `oidc-provider`,
// pinned in package.json) on loopback, with one client that must use DPoP and PAR and one
// that uses neither; with OP_CONF_CLIENT_SECRET set, a confidential one that must use DPoP and
// PAR. See README.md beside this file and docs/notes/oidc-provider.md.
//
//   node server.mjs [--port 9200] [--app-origin http://127.0.0.1:8080] [--callback-id op]...
//
// (or OP_PORT, OP_APP_ORIGIN, OP_CALLBACK_IDS="op other"). Everything is in memory and a
// fresh signing key, cookie key and DPoP nonce secret are made at each start. Each request is
// logged as `request: <METHOD> <path> <status>` just before its answer goes out, and the line
// `oidc-provider ready: <issuer>` is printed when the server listens.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

import { calculateJwkThumbprint, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider, { errors } from 'oidc-provider';

// ---- arguments -----------------------------------------------------------------------------

const args = process.argv.slice(2);
let port = Number(process.env.OP_PORT ?? 9200);
let appOrigin = process.env.OP_APP_ORIGIN ?? 'http://127.0.0.1:8080';
const callbackIds = (process.env.OP_CALLBACK_IDS ?? '').split(/\s+/).filter(Boolean);
for (let i = 0; i < args.length; i += 2) {
  const [flag, value] = [args[i], args[i + 1]];
  if (value === undefined) usage(`${flag} needs a value`);
  if (flag === '--port') port = Number(value);
  else if (flag === '--app-origin') appOrigin = value;
  else if (flag === '--callback-id') callbackIds.push(value);
  else usage(`unknown argument ${flag}`);
}
if (!Number.isInteger(port) || port <= 0) usage(`bad port ${port}`);
if (callbackIds.length === 0) callbackIds.push('op');

function usage(problem) {
  console.error(`server.mjs: ${problem}\n` +
    'usage: node server.mjs [--port N] [--app-origin ORIGIN] [--callback-id ID]...');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;
/** The demo user, as in the DOT and Flask fixtures (tests/src/providers.rs). */
const DEMO_USER = 'demo';
const DEMO_PASSWORD = process.env.OP_DEMO_PASSWORD ?? 'latchkey-demo-pw';
const DEMO_CLAIMS = {
  sub: DEMO_USER,
  name: 'Demo User',
  preferred_username: DEMO_USER,
  email: 'demo@example.com',
  email_verified: true,
};

// ---- the provider --------------------------------------------------------------------------

// An RS256 key: the one ID-token algorithm every relying party must accept (OIDC Core 15.1).
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'fixture-rs256', alg: 'RS256', use: 'sig' };

// OP_EXTRA_REDIRECT_URIS (space-separated) adds pages such as a static site's callback.html.
const redirectUris = [
  ...callbackIds.map((id) => `${appOrigin}/callback/${id}`),
  ...(process.env.OP_EXTRA_REDIRECT_URIS ?? '').split(/\s+/).filter(Boolean),
];
const publicClient = {
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: redirectUris,
  post_logout_redirect_uris: [`${appOrigin}/`],
};

// A confidential client, only when a secret is given (OP_CONF_CLIENT_SECRET, never an argument,
// never printed): `bound` with client authentication, as a provider that refuses browsers
// registers it, for the companion's token mediation and PAR (RFC 9126 section 2).
const confSecret = process.env.OP_CONF_CLIENT_SECRET ?? '';
const confidentialClients = confSecret ? [{
  ...publicClient,
  client_id: 'bound-secret',
  client_secret: confSecret,
  token_endpoint_auth_method: 'client_secret_basic',
  dpop_bound_access_tokens: true,
  require_pushed_authorization_requests: true,
}] : [];

const provider = new Provider(issuer, {
  clients: [
    { ...publicClient, client_id: 'plain' },
    {
      ...publicClient,
      client_id: 'bound',
      dpop_bound_access_tokens: true,
      require_pushed_authorization_requests: true,
    },
    ...confidentialClients,
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  async findAccount(_ctx, sub) {
    if (sub !== DEMO_USER) return undefined;
    return { accountId: sub, claims: async () => ({ ...DEMO_CLAIMS }) };
  },
  // The provider's own pages (below) instead of the development ones, which take any login
  // without a password and load a web font from the Internet.
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    dPoP: {
      enabled: true,
      // With a secret the provider hands out nonces (RFC 9449 section 8); requiring them
      // makes every first proof without one answer `use_dpop_nonce`.
      nonceSecret: randomBytes(32),
      requireNonce: () => true,
    },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // `form` is the provider's own hidden form (with its CSRF token); the buttons submit it.
      async logoutSource(ctx, form) {
        ctx.type = 'html';
        ctx.body = page('Sign out', `<p>Sign out of ${escapeHtml(issuer)}?</p>${form}` +
          '<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>' +
          '<button type="submit" form="op.logoutForm">No, stay signed in</button>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    const rows = Object.entries(out).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`);
    ctx.body = page('Error', `<dl id="error">${rows.join('')}</dl>`);
  },
  // The default issues a refresh token only for `offline_access`, which in turn needs
  // `prompt=consent`; the fixture gives one to every client allowed the grant, and rotates
  // it on every use (OAuth 2.0 Security BCP 4.14.2 for public clients).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  clientBasedCORS: (_ctx, origin) => origin === appOrigin,
  ttl: {
    // OP_ACCESS_TOKEN_TTL (seconds) lets a test watch renewals without waiting an hour.
    AccessToken: Number(process.env.OP_ACCESS_TOKEN_TTL ?? 3600),
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
});
const providerCallback = provider.callback();

// ---- login and consent pages ---------------------------------------------------------------

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
    `</head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, clientId, problem) {
  return page('Sign in', `<p>to continue to <strong>${escapeHtml(clientId)}</strong></p>` +
    (problem ? `<p id="login-error" role="alert">${escapeHtml(problem)}</p>` : '') +
    `<form id="login-form" method="post" action="/interaction/${uid}/login">` +
    '<label for="username">Username</label> <input id="username" name="username" autocomplete="username" required>' +
    '<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>' +
    '<button type="submit">Sign in</button></form>');
}

function consentPage(uid, clientId, scopes) {
  const items = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return page('Authorize', `<p><strong>${escapeHtml(clientId)}</strong> asks for:</p><ul>${items}</ul>` +
    `<form id="consent-form" method="post" action="/interaction/${uid}/confirm">` +
    '<button type="submit">Authorize</button>' +
    `<button type="submit" formaction="/interaction/${uid}/abort">Cancel</button></form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sameSecret(a, b) {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  const { prompt, params, session } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return sendHtml(res, 200, loginPage(uid, params.client_id));
    if (prompt.name === 'consent') {
      const scopes = String(params.scope ?? '').split(' ').filter(Boolean);
      return sendHtml(res, 200, consentPage(uid, params.client_id, scopes));
    }
    return sendHtml(res, 501, page('Not supported', `<p>prompt ${escapeHtml(prompt.name)}</p>`));
  }
  if (req.method !== 'POST') return sendHtml(res, 405, page('Method not allowed', ''));
  if (action === 'login') {
    const form = await readForm(req);
    const ok = form.get('username') === DEMO_USER && sameSecret(form.get('password') ?? '', DEMO_PASSWORD);
    if (!ok) return sendHtml(res, 200, loginPage(uid, params.client_id, 'Wrong username or password.'));
    return provider.interactionFinished(req, res, { login: { accountId: DEMO_USER } },
      { mergeWithLastSubmission: false });
  }
  if (action === 'confirm') {
    if (prompt.name !== 'consent') return sendHtml(res, 400, page('No consent pending', ''));
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } },
      { mergeWithLastSubmission: true });
  }
  if (action === 'abort') {
    return provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'The user cancelled at the consent page.' },
      { mergeWithLastSubmission: false });
  }
  return sendHtml(res, 404, page('Not found', ''));
}

// ---- the protected API: GET|POST /api/me ---------------------------------------------------

// A resource server beside the issuer, checking tokens the way a separate one would, from the
// token alone: bearer tokens for `plain`; for DPoP-bound ones (RFC 9449 section 7) the
// `DPoP` scheme and a proof of the bound key with `ath` and a nonce of this server's own
// (section 9: a resource server's nonces are independent of the provider's).
const API_NONCE_SECONDS = 300;
const apiNonces = new Map(); // nonce -> expiry (epoch seconds)
const seenProofs = new Map(); // jti -> expiry
const DPOP_ALGS = ['ES256', 'Ed25519', 'EdDSA'];

function now() {
  return Math.floor(Date.now() / 1000);
}

function freshApiNonce() {
  const t = now();
  for (const [k, exp] of apiNonces) if (exp < t) apiNonces.delete(k);
  const nonce = randomBytes(24).toString('base64url');
  apiNonces.set(nonce, t + API_NONCE_SECONDS);
  return nonce;
}

function apiCors(req, headers) {
  if (req.headers.origin === appOrigin) {
    headers['access-control-allow-origin'] = appOrigin;
    headers['access-control-expose-headers'] = 'WWW-Authenticate, DPoP-Nonce';
    headers.vary = 'Origin';
  }
  return headers;
}

function apiAnswer(req, res, status, body, extra = {}) {
  res.writeHead(status, apiCors(req, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...extra,
  }));
  res.end(JSON.stringify(body));
}

function apiRefuse(req, res, scheme, error, description, extra = {}) {
  const challenge = `${scheme} error="${error}", error_description="${description}"` +
    (scheme === 'DPoP' ? `, algs="${DPOP_ALGS.join(' ')}"` : '');
  apiAnswer(req, res, 401, { error, error_description: description },
    { 'www-authenticate': challenge, ...extra });
}

/** Checks the DPoP proof for `token`; returns a problem sentence, or undefined when valid. */
async function dpopProblem(req, token, jkt) {
  const proofs = [req.headers.dpop].flat().filter(Boolean);
  if (proofs.length !== 1) return 'exactly one DPoP proof is required';
  let verified;
  try {
    verified = await jwtVerify(proofs[0], EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS });
  } catch (e) {
    return `the DPoP proof does not verify (${e.code ?? e.message})`;
  }
  const { payload, protectedHeader } = verified;
  if (typeof payload.jti !== 'string' || !payload.jti) return 'the DPoP proof has no jti';
  if (payload.htm !== req.method) return 'the DPoP proof htm does not match';
  const htu = URL.parse(String(payload.htu ?? ''));
  if (!htu) return 'the DPoP proof htu is not a URL';
  htu.search = '';
  htu.hash = '';
  if (htu.href !== `${issuer}${new URL(req.url, issuer).pathname}`) {
    return 'the DPoP proof htu does not match';
  }
  if (typeof payload.iat !== 'number' || Math.abs(now() - payload.iat) > API_NONCE_SECONDS) {
    return 'the DPoP proof iat is not recent';
  }
  const ath = createHash('sha256').update(token).digest('base64url');
  if (payload.ath !== ath) return 'the DPoP proof ath does not match the access token';
  if (await calculateJwkThumbprint(protectedHeader.jwk) !== jkt) {
    return 'the DPoP proof key is not the one the access token is bound to';
  }
  if (typeof payload.nonce !== 'string' || !((apiNonces.get(payload.nonce) ?? 0) >= now())) {
    return 'nonce';
  }
  const t = now();
  for (const [k, exp] of seenProofs) if (exp < t) seenProofs.delete(k);
  if (seenProofs.has(payload.jti)) return 'the DPoP proof was used before';
  seenProofs.set(payload.jti, t + API_NONCE_SECONDS);
  return undefined;
}

async function api(req, res, path) {
  if (req.method === 'OPTIONS') {
    const headers = apiCors(req, {});
    if (headers['access-control-allow-origin']) {
      headers['access-control-allow-methods'] = 'GET, POST';
      headers['access-control-allow-headers'] = 'Authorization, DPoP, Content-Type';
      headers['access-control-max-age'] = '600';
    }
    res.writeHead(204, headers);
    return res.end();
  }
  if (path !== '/api/me') return apiAnswer(req, res, 404, { error: 'not_found' });
  if (req.method !== 'GET' && req.method !== 'POST') {
    return apiAnswer(req, res, 405, { error: 'method_not_allowed' }, { allow: 'GET, POST' });
  }
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.headers.authorization ?? '');
  if (!match) {
    res.writeHead(401, apiCors(req, {
      'www-authenticate': `Bearer realm="${issuer}", DPoP algs="${DPOP_ALGS.join(' ')}"`,
      'cache-control': 'no-store',
    }));
    return res.end();
  }
  const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const token = match[2];
  const stored = await provider.AccessToken.find(token);
  if (!stored || !stored.isValid) {
    return apiRefuse(req, res, scheme, 'invalid_token', 'the access token is unknown or expired');
  }
  if (stored.jkt) {
    if (scheme !== 'DPoP') {
      return apiRefuse(req, res, 'DPoP', 'invalid_token', 'this access token is DPoP-bound: use the DPoP scheme with a proof');
    }
    const problem = await dpopProblem(req, token, stored.jkt);
    if (problem === 'nonce') {
      return apiRefuse(req, res, 'DPoP', 'use_dpop_nonce', 'a nonce from this server is required in the DPoP proof',
        { 'dpop-nonce': freshApiNonce() });
    }
    if (problem) return apiRefuse(req, res, 'DPoP', 'invalid_dpop_proof', problem);
  } else if (scheme !== 'Bearer') {
    return apiRefuse(req, res, 'Bearer', 'invalid_token', 'this access token is a bearer token: use the Bearer scheme');
  }
  if (stored.accountId !== DEMO_USER) {
    return apiRefuse(req, res, scheme, 'invalid_token', 'the token\'s user is unknown');
  }
  return apiAnswer(req, res, 200, {
    sub: stored.accountId,
    name: DEMO_CLAIMS.name,
    preferred_username: DEMO_CLAIMS.preferred_username,
    client_id: stored.clientId,
    scope: stored.scope,
    token_type: stored.jkt ? 'DPoP' : 'Bearer',
  });
}

// ---- the server ----------------------------------------------------------------------------

const server = createServer((req, res) => {
  const path = new URL(req.url, issuer).pathname;
  // Logged as the answer is handed over, not on 'finish': by then the client may already
  // have it, and a test counting lines would race the log (stdout writes are synchronous on
  // Linux, to a file or a pipe).
  const end = res.end.bind(res);
  res.end = (...rest) => {
    if (!res.writableEnded) console.log(`request: ${req.method} ${path} ${res.statusCode}`);
    return end(...rest);
  };
  // The names (never the values) of an authorization request's parameters, for tests that
  // check what a client sent, such as `dpop_jkt`.
  if (path === '/auth') {
    const names = [...new URL(req.url, issuer).searchParams.keys()].sort().join(' ');
    console.log(`authorization parameters: ${names}`);
  }
  const interactionPath = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(path);
  const handled = interactionPath
    ? interaction(req, res, interactionPath[1], interactionPath[2])
    : path === '/api' || path.startsWith('/api/')
      ? api(req, res, path)
      : null;
  if (handled === null) return providerCallback(req, res);
  handled.catch((e) => {
    console.error(`error on ${req.method} ${path}: ${e.stack ?? e}`);
    if (res.headersSent) return res.end();
    const status = e instanceof errors.SessionNotFound ? 400 : 500;
    sendHtml(res, status, page('Something went wrong', `<p>${escapeHtml(e.message)}</p>`));
  });
});

provider.on('server_error', (_ctx, e) => console.error(`server_error: ${e.stack ?? e}`));

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready: ${issuer} (app origin ${appOrigin}, redirect URIs ${redirectUris.join(' ')})`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
