// Walks the `bound` client's whole protocol against a running fixture without a browser, to
// tell a broken fixture from a broken app: PAR, login and consent by form posts, the code
// exchange with a DPoP proof (after the provider's nonce challenge), /api/me with the
// DPoP-bound token (after the API's own nonce challenge), a refresh that rotates, and the
// refusals on the way; then the `plain` client without PAR, cancelled at consent. Prints one line per step; exits non-zero at the first surprise.
//
//   node selfcheck.mjs ISSUER APP_ORIGIN [CALLBACK_ID]
//   (the fixture started with --app-origin APP_ORIGIN; its demo password in
//   OP_DEMO_PASSWORD, default latchkey-demo-pw)

import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const [issuer, appOrigin, callbackId = 'op'] = process.argv.slice(2);
if (!issuer || !appOrigin) {
  console.error('usage: node selfcheck.mjs ISSUER APP_ORIGIN [CALLBACK_ID]');
  process.exit(2);
}
const password = process.env.OP_DEMO_PASSWORD ?? 'latchkey-demo-pw';
const redirectUri = `${appOrigin}/callback/${callbackId}`;
const clientId = 'bound';

function check(ok, what, detail = '') {
  if (!ok) {
    console.error(`FAIL: ${what}${detail ? `\n  ${detail}` : ''}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

// ---- a cookie jar just big enough for one browser-less sign-in ----------------------------

const jar = new Map();
async function http(url, init = {}) {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(new URL(url, issuer), { ...init, headers, redirect: 'manual' });
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return res;
}

function form(fields) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

// ---- DPoP (RFC 9449 section 4) ------------------------------------------------------------

const { privateKey, publicKey } = await generateKeyPair('ES256');
const publicJwk = await exportJWK(publicKey);

async function proof(method, url, { nonce, accessToken } = {}) {
  const payload = { htm: method, htu: url, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) };
  if (nonce) payload.nonce = nonce;
  if (accessToken) payload.ath = createHash('sha256').update(accessToken).digest('base64url');
  return new SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })
    .sign(privateKey);
}

// ---- the walk -----------------------------------------------------------------------------

const discovery = await (await http('/.well-known/openid-configuration')).json();
check(discovery.issuer === issuer, 'discovery names the issuer', discovery.issuer);
const { pushed_authorization_request_endpoint: parUrl, token_endpoint: tokenUrl } = discovery;

const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
const state = randomBytes(12).toString('base64url');
const parFields = {
  client_id: clientId,
  response_type: 'code',
  scope: 'openid profile',
  redirect_uri: redirectUri,
  state,
  code_challenge: challenge,
  code_challenge_method: 'S256',
};

// PAR with a proof but no nonce: the provider answers with one (RFC 9449 section 8).
let res = await http(parUrl, { ...form(parFields), headers: { ...form(parFields).headers, dpop: await proof('POST', parUrl) } });
let body = await res.json();
const asNonce = res.headers.get('dpop-nonce');
check(res.status === 400 && body.error === 'use_dpop_nonce' && asNonce,
  'PAR without a DPoP nonce is answered use_dpop_nonce with a DPoP-Nonce', JSON.stringify(body));
res = await http(parUrl, { ...form(parFields), headers: { ...form(parFields).headers, dpop: await proof('POST', parUrl, { nonce: asNonce }) } });
body = await res.json();
check(res.status === 201 && body.request_uri, 'PAR with the nonce gives a request_uri', JSON.stringify(body));

const authorize = new URL(discovery.authorization_endpoint);
authorize.search = new URLSearchParams({ client_id: clientId, request_uri: body.request_uri }).toString();
res = await http(authorize);
let next = res.headers.get('location');
check(res.status === 303 && next?.startsWith('/interaction/'), 'the pushed request leads to login', next);
const loginUid = next.split('/')[2];
res = await http(next);
check(res.status === 200 && (await res.text()).includes('id="login-form"'), 'the login page has #login-form');

res = await http(`/interaction/${loginUid}/login`, form({ username: 'demo', password: 'wrong' }));
check(res.status === 200 && (await res.text()).includes('Wrong username or password.'), 'a wrong password is refused');
res = await http(`/interaction/${loginUid}/login`, form({ username: 'demo', password }));
next = res.headers.get('location');
check(res.status === 303 && next, 'the right password signs in', `${res.status} ${next}`);
res = await http(next);
next = res.headers.get('location');
check(res.status === 303 && next?.startsWith('/interaction/'), 'then consent is asked', next);
const consentUid = next.split('/')[2];
res = await http(next);
check(res.status === 200 && (await res.text()).includes('id="consent-form"'), 'the consent page has #consent-form');
res = await http(`/interaction/${consentUid}/confirm`, { method: 'POST' });
res = await http(res.headers.get('location'));
next = res.headers.get('location') ?? '';
check(res.status === 303 && next.startsWith(`${redirectUri}?`), 'consent returns to the redirect URI', next);
const back = new URL(next).searchParams;
check(back.get('state') === state && back.get('iss') === issuer && back.get('code'),
  'with code, state and iss', next);

const codeFields = {
  grant_type: 'authorization_code',
  code: back.get('code'),
  redirect_uri: redirectUri,
  code_verifier: verifier,
  client_id: clientId,
};
res = await http(tokenUrl, form(codeFields));
body = await res.json();
// oidc-provider hides why a grant is refused ("grant request is invalid"; the reason, "DPoP
// proof JWT not provided", stays in its logs). It checks the sender constraint before it
// consumes the code, so the same code still works with a proof below: that is what shows the
// missing proof was the reason.
check(res.status === 400 && body.error === 'invalid_grant',
  'the bound client cannot exchange its code without a DPoP proof', JSON.stringify(body));
const tokenNonce = res.headers.get('dpop-nonce') ?? asNonce;
res = await http(tokenUrl, { ...form(codeFields), headers: { ...form(codeFields).headers, dpop: await proof('POST', tokenUrl, { nonce: tokenNonce }) } });
body = await res.json();
check(res.status === 200 && body.token_type === 'DPoP' && body.access_token && body.refresh_token,
  'the code exchange with a proof gives a DPoP token and a refresh token', JSON.stringify(body));
const tokens = body;
const idClaims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString('utf8'));
check(idClaims.sub === 'demo' && idClaims.iss === issuer && idClaims.aud === clientId && !('name' in idClaims),
  'the ID token names demo and carries no profile claims (those are at userinfo)', JSON.stringify(idClaims));

const apiUrl = `${issuer}/api/me`;
res = await http(apiUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
check(res.status === 401 && /^DPoP error="invalid_token"/.test(res.headers.get('www-authenticate')),
  '/api/me refuses the bound token as a bearer token', res.headers.get('www-authenticate'));
res = await http(apiUrl, {
  headers: { authorization: `DPoP ${tokens.access_token}`, dpop: await proof('GET', apiUrl, { accessToken: tokens.access_token }) },
});
const apiNonce = res.headers.get('dpop-nonce');
check(res.status === 401 && /error="use_dpop_nonce"/.test(res.headers.get('www-authenticate')) && apiNonce,
  '/api/me asks for its own nonce', res.headers.get('www-authenticate'));
const good = await proof('GET', apiUrl, { nonce: apiNonce, accessToken: tokens.access_token });
res = await http(apiUrl, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: good } });
body = await res.json();
check(res.status === 200 && body.sub === 'demo' && body.token_type === 'DPoP' && body.client_id === clientId,
  '/api/me answers the user for a proof with its nonce', JSON.stringify(body));
res = await http(apiUrl, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: good } });
check(res.status === 401 && /invalid_dpop_proof/.test(res.headers.get('www-authenticate')),
  '/api/me refuses a replayed proof', res.headers.get('www-authenticate'));
const { privateKey: otherKey, publicKey: otherPublic } = await generateKeyPair('ES256');
const foreign = await new SignJWT({ htm: 'GET', htu: apiUrl, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), nonce: apiNonce, ath: createHash('sha256').update(tokens.access_token).digest('base64url') })
  .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(otherPublic) })
  .sign(otherKey);
res = await http(apiUrl, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: foreign } });
check(res.status === 401 && /not the one the access token is bound to/.test(res.headers.get('www-authenticate')),
  '/api/me refuses a proof by another key', res.headers.get('www-authenticate'));

const refreshFields = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId };
// The provider's nonce from the exchange may have moved on by now: one retry with a fresh one.
res = await http(tokenUrl, { ...form(refreshFields), headers: { ...form(refreshFields).headers, dpop: await proof('POST', tokenUrl, { nonce: tokenNonce }) } });
body = await res.json();
if (res.status === 400 && body.error === 'use_dpop_nonce') {
  const n = res.headers.get('dpop-nonce');
  res = await http(tokenUrl, { ...form(refreshFields), headers: { ...form(refreshFields).headers, dpop: await proof('POST', tokenUrl, { nonce: n }) } });
  body = await res.json();
}
check(res.status === 200 && body.token_type === 'DPoP' && body.refresh_token && body.refresh_token !== tokens.refresh_token,
  'a refresh with a proof rotates the refresh token', JSON.stringify(body));

res = await http(tokenUrl, { ...form(refreshFields), headers: { ...form(refreshFields).headers, dpop: await proof('POST', tokenUrl, { nonce: res.headers.get('dpop-nonce') ?? tokenNonce }) } });
body = await res.json();
check(res.status === 400 && body.error === 'invalid_grant', 'the rotated-out refresh token is refused', JSON.stringify(body));

// The `plain` client needs neither: a plain authorization request leads to login and consent
// (a fresh cookie jar: a new browser), and "Cancel" there returns access_denied.
jar.clear();
const plain = new URL(discovery.authorization_endpoint);
plain.search = new URLSearchParams({ ...parFields, client_id: 'plain', state: 'plain-1' }).toString();
res = await http(plain);
next = res.headers.get('location');
check(res.status === 303 && next?.startsWith('/interaction/'), 'plain: an authorization request without PAR is taken', next);
res = await http(`/interaction/${next.split('/')[2]}/login`, form({ username: 'demo', password }));
res = await http(res.headers.get('location'));
next = res.headers.get('location');
res = await http(`/interaction/${next.split('/')[2]}/abort`, { method: 'POST' });
res = await http(res.headers.get('location'));
next = new URL(res.headers.get('location') ?? '', issuer);
check(next.href.startsWith(`${redirectUri}?`) && next.searchParams.get('error') === 'access_denied'
  && next.searchParams.get('state') === 'plain-1', 'plain: "Cancel" at consent returns access_denied', next.href);

console.log('selfcheck passed');
