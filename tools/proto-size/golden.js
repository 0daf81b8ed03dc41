// Prints what every export of tools/proto-size answers for a few thousand inputs (valid
// documents, each field replaced by every JSON type, duplicated keys, broken bodies), one
// line each, so two builds of proto can be compared for behaviour:
//
//   wasm-bindgen --target nodejs --out-dir /tmp/a target/wasm32-unknown-unknown/release/proto_size.wasm
//   node tools/proto-size/golden.js /tmp/a > a.txt   # … same for the other build, then diff
//
// The weight work of issue 16 §4 must leave this output unchanged.
"use strict";
const m = require(require("path").resolve(process.argv[2], "proto_size.js"));

const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Buffer.from(s).toString("base64url");
const out = (name, args, result) =>
  console.log(`${name}(${JSON.stringify(args, (_, v) => (typeof v === "bigint" ? String(v) : v))}) => ${JSON.stringify(result)}`);

// One field replaced by every kind of JSON value, then duplicated before and after.
const VALUES = [
  "null", "true", "false", "0", "1", "-1", "3600", "3599.5", "1e3", "1.0", "18446744073709551615",
  "18446744073709551616", "1e400", '""', '"s"', '"3600"', '" 60 "', '"+5"', '"-5"', '"soon"',
  '"https://idp.example"', '"https://idp.example/x#f"', '"/rel"', '"Bearer"', '"bearer"',
  '"a b,c"', '"\\u00e9\\n\\"q\\""', "[]", '["a"]', '["S256","plain"]', "[1]", '["a",null]', "{}",
  '{"a":1}',
];
function variants(fields) {
  const text = (f) => "{" + f.map(([k, v]) => JSON.stringify(k) + ":" + v).join(",") + "}";
  const docs = [text(fields)];
  for (let i = 0; i < fields.length; i++) {
    for (const v of VALUES) {
      const f = fields.slice();
      f[i] = [fields[i][0], v];
      docs.push(text(f));
    }
    docs.push(text(fields.filter((_, j) => j !== i)));
    for (const v of ["null", "5", '"other"', fields[i][1]]) {
      docs.push(text([...fields, [fields[i][0], v]]));
      docs.push(text([[fields[i][0], v], ...fields]));
    }
  }
  return docs;
}
const BROKEN = ["", " ", "[]", "null", '"x"', "{", '{"a":1', "{}", "{} x", "<html>", "a=1&b=2",
  "{\"a\":\"\\ud800\"}", "{\"a\":1}\u0000", "\u00ff\u00fe", "{\"a\":01}", "{\"a\":-}"];

// ---- public config -----------------------------------------------------------------------
const provider = [["id", '"dot"'], ["name", '"DOT"'], ["protocol", '"oidc"'],
  ["issuer", '"http://127.0.0.1:9000/o"'], ["client_id", '"spa"'], ["scopes", '["openid"]'],
  ["session_storage", '"browser"'], ["token_via_companion", "true"],
  ["refresh_token_in", '"companion"'], ["endpoints", '{"token_endpoint":"https://t"}']];
for (const p of variants(provider)) {
  for (const doc of [`{"providers":[${p}]}`, `{"public_url":"https://a","providers":[${p}],"x":1}`]) {
    out("public_config", [doc], m.public_config(doc));
  }
}
for (const doc of BROKEN) out("public_config", [doc], m.public_config(doc));

// ---- discovery ----------------------------------------------------------------------------
const ISS = "https://idp.example";
const metadata = [["issuer", JSON.stringify(ISS)], ["authorization_endpoint", '"https://idp.example/a"'],
  ["token_endpoint", '"https://idp.example/t?x=1"'], ["userinfo_endpoint", '"http://127.0.0.1:9/u"'],
  ["jwks_uri", '"https://idp.example/k"'], ["revocation_endpoint", '"https://idp.example/r"'],
  ["end_session_endpoint", '"https://idp.example/e"'], ["scopes_supported", '["openid"]'],
  ["response_types_supported", '["code"]'], ["grant_types_supported", '["authorization_code"]'],
  ["code_challenge_methods_supported", '["S256"]'],
  ["authorization_response_iss_parameter_supported", "true"],
  ["id_token_signing_alg_values_supported", '["RS256"]'],
  ["token_endpoint_auth_methods_supported", '["none"]'], ["claims_supported", '["sub"]']];
for (const doc of [...variants(metadata), ...BROKEN]) {
  out("discover", [ISS, doc], m.discover(ISS, false, 200, enc(doc)));
}
const entra = '{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0"}';
for (const iss of [ISS, ISS + "/", "https://idp.example/?q", "https://idp.example/#f", "ftp://x", "x",
  "https://login.microsoftonline.com/common/v2.0", "https://login.microsoftonline.com/consumers/v2.0",
  "https://idp.example:99999", "https://idp.example/tenant/1/"]) {
  for (const oauth2 of [false, true]) {
    for (const [status, doc] of [[200, `{"issuer":${JSON.stringify(iss)}}`], [200, entra], [404, "nope"], [500, ""]]) {
      out("discover", [iss, oauth2, status, doc], m.discover(iss, oauth2, status, enc(doc)));
    }
  }
}

// ---- sign-in, PKCE, callback --------------------------------------------------------------
const random = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
let pending = "";
for (const [ep, cid, ru, scope, n] of [
  ["https://idp.example/authorize", "spa", "https://app.example/callback", "openid profile", 96],
  ["https://idp.example/authorize?tenant=x", "s p a", "http://127.0.0.1:8080/callback", "", 48],
  ["https://idp.example/authorize#f", "spa", "https://app.example/callback", "openid", 96],
  ["https://idp.example/authorize", "", "https://app.example/callback", "openid", 96],
  ["https://idp.example/authorize", "spa", "/callback", "openid", 96],
  ["https://idp.example:0/authorize", "spa", "https://app.example/callback", "openid", 96],
  ["https://idp.example/authorize", "spa", "https://app.example/callback", "openid", 30],
  ["https://idp.example/authorize", "spa", "https://app.example/callback", "openid", 300],
  ["https://u@idp.example/authorize", "spa", "https://app.example/callback", "openid", 96],
  ["https://idp.example/a b", "spa", "https://app.example/callback", "openid", 96],
]) {
  const r = m.sign_in(ep, cid, ru, scope, random(n), 1000n);
  out("sign_in", [ep, cid, ru, scope, n], r);
  if (!pending && r.indexOf("{") > 0) pending = r.slice(r.indexOf("{"));
}
for (const v of ["short", "a".repeat(43), "a".repeat(128), "a".repeat(129), "a".repeat(42) + "=", "é".repeat(30)]) {
  out("pkce_verifier", [v], m.pkce_verifier(v));
}
const state = JSON.parse(pending).state;
const pendings = [pending, pending.replace('"created_at":1000', '"created_at":1000,"created_at":5'),
  pending.replace("}", ',"x":1}'), pending.replace(/"verifier":"[^"]*"/, '"verifier":"bad"'),
  pending.replace(/"issuer":"[^"]*"/, '"issuer":null'), "{}", "[]", "", pending.slice(0, 40)];
for (const p of pendings) {
  for (const q of [`code=c0de&state=${state}`, `code=c0de&state=${state}&iss=https%3A%2F%2Fidp.example%2Fauthorize`,
    `code=c&state=${state}&iss=https%3A%2F%2Fevil.example`, `error=access_denied&error_description=no+way&state=${state}`,
    `error=weird&state=${state}&error_uri=https%3A%2F%2Fe`, `code=&state=${state}`, `state=${state}&state=${state}`,
    `code=c&state=forged`, `code=c`, ``, `code=c&state=${state}#frag`, `code=a&code=b&state=${state}`]) {
    for (const req of [false, true]) {
      for (const now of [1000n, 1700n, 999n]) {
        const url = "https://app.example/callback?" + q;
        out("callback", [url, p.length, req, now], m.callback(url, p, req, "https://idp.example/token", now));
      }
    }
  }
}
out("callback", ["bad endpoint"], m.callback(`https://app.example/callback?code=c&state=${state}`, pending, false, "https://idp.example/token#x", 1000n));

// ---- token endpoint -----------------------------------------------------------------------
const tokens = [["access_token", '"at"'], ["token_type", '"Bearer"'], ["expires_in", "3600"],
  ["refresh_token", '"rt"'], ["scope", '"openid profile"'], ["id_token", '"a.b.c"'], ["x", "1"]];
const errors = [["error", '"invalid_grant"'], ["error_description", '"bad"'], ["error_uri", '"https://e"']];
for (const doc of [...variants(tokens), ...variants(errors), ...BROKEN]) {
  for (const [status, ct] of [[200, "application/json"], [400, "application/json; charset=utf-8"], [200, "text/plain"]]) {
    out("token_response", [status, ct, doc], m.token_response(status, ct, enc(doc)));
  }
}
for (const body of ["access_token=a&token_type=bearer&scope=repo%2Cuser&expires_in=60", "error=bad_verification_code",
  "access_token=a&token_type=bearer&expires_in=x", "access_token=a&access_token=b&token_type=bearer", "", "=",
  "a", "access_token=a&token_type=bearer&refresh_token="]) {
  for (const ct of ["application/x-www-form-urlencoded", "text/plain", "application/json"]) {
    for (const status of [200, 401]) out("token_response", [status, ct, body], m.token_response(status, ct, enc(body)));
  }
}

// ---- ID token -----------------------------------------------------------------------------
const NOW = 1700000000;
const jwks = JSON.stringify({ keys: [
  { kty: "RSA", kid: "r1", use: "sig", n: "AQAB", e: "AQAB" },
  { kty: "RSA", kid: "r2", alg: "RS512", n: "AQAB", e: "AQAB", key_ops: ["verify"] },
  { kty: "EC", kid: "e1", crv: "P-256", x: "xx", y: "yy" },
  { kty: "EC", kid: "e2", crv: "P-384", x: "xx", y: "yy", use: "enc" },
  { kty: "OKP", kid: "o1", crv: "Ed25519", x: "xx", key_ops: ["sign"] },
  { kty: "RSA", kid: 7 }, "junk", { kty: "RSA", kid: "r3", n: null, e: "AQAB", key_ops: [1] },
] });
const claims = [["iss", JSON.stringify(ISS)], ["sub", '"u1"'], ["aud", '"spa"'], ["exp", String(NOW + 300)],
  ["iat", String(NOW)], ["nonce", '"n-1"'], ["name", '"Ada"'], ["email", '"a@x"'], ["azp", '"spa"'],
  ["nbf", String(NOW - 5)], ["tid", '"t"'],
  ["at_hash", JSON.stringify(require("crypto").createHash("sha256").update("at").digest().subarray(0, 16).toString("base64url"))]];
const token = (header, payload, sig = "c2ln") => `${b64(header)}.${b64(payload)}.${sig}`;
const idt = (args) => m.id_token(...args);
for (const payload of [...variants(claims), ...BROKEN]) {
  for (const header of ['{"alg":"RS256","kid":"r1"}', '{"alg":"ES256"}']) {
    const args = [token(header, payload), enc(jwks), 200, ISS, "spa", "n-1", "at", "", false, BigInt(NOW)];
    out("id_token", [header, payload], idt(args));
  }
}
const headers = ['{"alg":"RS256"}', '{"alg":"RS512","kid":"r2"}', '{"alg":"EdDSA","kid":"o1"}',
  '{"alg":"ES384","kid":"e2"}', '{"alg":"PS256"}', '{"alg":"none"}', '{"alg":"HS256"}', '{"alg":"rs256"}',
  '{"alg":5}', '{"typ":"JWT"}', '{"alg":"RS256","crit":["x"]}', '{"alg":"RS256","kid":1}',
  '{"alg":"RS256","kid":"zz"}', '{"alg":"RS256","alg":"ES256"}', '{"alg":"RS256","kid":null}', "[]", "{"];
const good = "{" + claims.slice(0, 6).map(([k, v]) => JSON.stringify(k) + ":" + v).join(",") + "}";
for (const h of headers) {
  for (const algs of ["", "RS256 HS256", "ES256"]) {
    out("id_token", [h, algs], idt([token(h, good), enc(jwks), 200, ISS, "spa", "n-1", "at", algs, false, BigInt(NOW)]));
  }
}
for (const t of ["a.b", "a.b.c.d.e", "!!.b.c", `${b64('{"alg":"RS256"}')}.e30=.AA`, `${b64('{"alg":"RS256"}')}.${b64(good)}.!!`]) {
  out("id_token", [t], idt([t, enc(jwks), 200, ISS, "spa", "n-1", "at", "", false, BigInt(NOW)]));
}
for (const [js, st] of [["{}", 200], ["[]", 200], ["busy", 503], ['{"keys":{}}', 200], ['{"keys":[]}', 200], ["x", 200]]) {
  out("id_token", [js, st], idt([token('{"alg":"RS256"}', good), enc(js), st, ISS, "spa", "n-1", "at", "", false, BigInt(NOW)]));
}
for (const [iss, tid] of [["https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0", "9122040d-6c67-4c5b-b112-36a304b66dad"],
  ["https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0", "x"]]) {
  for (const conf of ["https://login.microsoftonline.com/common/v2.0", "https://login.microsoftonline.com/consumers/v2.0"]) {
    const p = JSON.stringify({ iss, tid, sub: "u", aud: "spa", exp: NOW + 9, iat: NOW, nonce: "n-1" });
    out("id_token", [iss, tid, conf], idt([token('{"alg":"RS256"}', p), enc(jwks), 200, conf, "spa", "n-1", "at", "", false, BigInt(NOW)]));
  }
}
for (const refreshed of [false, true]) {
  for (const [alg, at] of [["RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"], ["RS512", "x"], ["ES384", "x"], ["EdDSA", "y"]]) {
    for (const claim of ["77QmUPtjPfzWtF2AnpK9RQ", "x", "d5QOIwCDlVbzzcl1dTaAtw", "6hqsO3fdfmafKwF07BsFSuHFHfTI6TnX", "Mw7xNNhPkw0dAGdsc8wOjqA74IgnJ6r_b5iDZFb9uIs"]) {
      const p = JSON.stringify({ iss: ISS, sub: "u", aud: ["spa", "api"], azp: "spa", exp: NOW + 9.5, iat: NOW, at_hash: claim });
      const h = `{"alg":"${alg}"}`;
      out("id_token", [alg, at, claim, refreshed], idt([token(h, p), enc(jwks), 200, ISS, "spa", "n-1", at, "", refreshed, BigInt(NOW)]));
    }
  }
}

// ---- userinfo, refresh, revocation, logout, form ------------------------------------------
const profile = [["sub", '"u1"'], ["name", '"Ada"'], ["email", '"a@x"'], ["zone", "1"]];
for (const doc of [...variants(profile), ...BROKEN]) {
  for (const status of [200, 401]) out("userinfo", [status, doc], m.userinfo("https://idp.example/u", "tok", status, enc(doc), "u1"));
}
for (const [ep, tok] of [["https://idp.example/u", "t\nk"], ["userinfo", "t"], ["https://idp.example/u#x", "t"], ["https://idp.example/u", "tö"]]) {
  out("userinfo", [ep, tok], m.userinfo(ep, tok, 200, enc('{"sub":"u1"}'), "u1"));
}
for (const [ep, tok] of [["https://idp.example/end", "r t"], ["https://idp.example/end#f", "r"], ["/end", "r"], ["https://idp.example:99999/end", "r"], ["https://idp.example/end?x=1", "r\n"]]) {
  for (const [status, body] of [[200, ""], [400, '{"error":"unsupported_token_type"}'], [503, "busy"], [400, "error=x&error_description=y"], [400, '{"error":5}']]) {
    out("refresh_and_sign_out", [ep, tok, status, body], m.refresh_and_sign_out(ep, "c i", tok, status, enc(body)));
  }
}
for (const [url, q] of [["https://a/b", "a=1&b=2"], ["https://a/b?", "a=1+2&b=%2F"], ["https://a/b?x", "a=1&a=2"], ["https://a/b", ""], ["https://a/b&", "é=ü&%ZZ=1"]]) {
  out("form_helpers", [url, q], m.form_helpers(url, q));
}
