// DPoP (RFC 9449) reference checks with the `jose` npm package (pinned in package.json), for
// crates/proto/tests/dpop_vectors.rs.
//
//   node tests/reference/dpop_vectors.mjs verify FILE
//       FILE is the JSON the Rust test `proofs_verify_with_jose` writes (it runs this itself):
//       {"proofs": [{name, proof, htm, target_uri, iat, jti, nonce, access_token, jkt}]}.
//       Each proof must verify with jose (ES256, typ dpop+jwt, the key in its header), be
//       signed by FIXED_KEY, carry exactly the expected header and claims, with `htu` from
//       node's WHATWG URL parser and `ath` from node's SHA-256, and `jkt` must equal jose's
//       thumbprint. Prints {"verified": N}; exits non-zero on the first mismatch.
//
//   node tests/reference/dpop_vectors.mjs constants
//       Prints, as Rust constants, jose's thumbprints and `ath` values; paste them over the
//       constants at the top of crates/proto/tests/dpop_vectors.rs.
//
// Before checking FILE, `verify` checks itself: RFC 9449's Figure 2 proof must pass and the
// same proof with a changed signature must fail, so a verifier that accepts everything
// cannot pass.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  EmbeddedJWK,
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  importJWK,
  jwtVerify,
} from "jose";

// A P-256 test key made once with node's generateKeyPairSync("ec", {namedCurve: "P-256"}),
// used nowhere else. The Rust test repeats `d`.
const FIXED_KEY = {
  kty: "EC",
  crv: "P-256",
  x: "Xvlz8GBDEqLd4avqrAFy12r0cjT4yPSlh4re09ULQhE",
  y: "a6qkyjNK9kL7xGCkkTdFjDZATYp71BizNB8Qd7uzvmQ",
  d: "p_JLk0-0c4-euZnXgIjqeHzLNiuzGwVJaeQTIvlFjZ4",
};
const FIXED_PUBLIC = { kty: "EC", crv: "P-256", x: FIXED_KEY.x, y: FIXED_KEY.y };

// RFC 9449 Figure 2 (the token request's proof) and the thumbprint §6.1 gives for its key.
const RFC9449_FIGURE2 =
  "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19" +
  ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ" +
  ".2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
const RFC9449_KEY = {
  kty: "EC",
  crv: "P-256",
  x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
  y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
};
const RFC9449_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

// Access tokens whose `ath` the Rust test compares: RFC 9449 §7.1's, and others.
const ATH_TOKENS = [
  "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU",
  "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
  "a",
  "gho_16C7e42F292c6912E7710c838347Ae178B4a",
];

const joseVersion = JSON.parse(
  readFileSync(new URL("../../node_modules/jose/package.json", import.meta.url), "utf8"),
).version;

function ath(token) {
  return base64url.encode(createHash("sha256").update(token, "ascii").digest());
}

// RFC 9449 §4.2: the target URI without query and fragment, as WHATWG URL normalises it.
function expectedHtu(targetUri) {
  const u = new URL(targetUri);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function fail(name, what) {
  console.error(`${name}: ${what}`);
  process.exit(1);
}

function sameKeys(obj, keys) {
  return JSON.stringify(Object.keys(obj).sort()) === JSON.stringify([...keys].sort());
}

// Signature, typ and alg, with the key the header carries (RFC 9449 §4.3 checks 4-7).
async function verifyWithEmbeddedKey(proof, iat) {
  return jwtVerify(proof, EmbeddedJWK, {
    typ: "dpop+jwt",
    algorithms: ["ES256"],
    currentDate: new Date(iat * 1000),
  });
}

async function selfCheck() {
  const { protectedHeader, payload } = await verifyWithEmbeddedKey(RFC9449_FIGURE2, 1562262616);
  if ((await calculateJwkThumbprint(protectedHeader.jwk)) !== RFC9449_JKT) {
    fail("self-check", "RFC 9449 Figure 2's key does not give the published thumbprint");
  }
  if (payload.htu !== "https://server.example.com/token") fail("self-check", "Figure 2 htu");
  const [h, p, s] = RFC9449_FIGURE2.split(".");
  const flipped = `${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}`;
  const refused = await verifyWithEmbeddedKey(flipped, 1562262616).then(
    () => false,
    () => true,
  );
  if (!refused) fail("self-check", "a proof with a changed signature verified");
}

async function verify(file) {
  await selfCheck();
  const { proofs } = JSON.parse(readFileSync(file, "utf8"));
  if (!Array.isArray(proofs) || proofs.length === 0) fail(file, "no proofs");
  const fixedKey = await importJWK(FIXED_PUBLIC, "ES256");
  const fixedJkt = await calculateJwkThumbprint(FIXED_PUBLIC);
  for (const v of proofs) {
    let verified;
    try {
      verified = await verifyWithEmbeddedKey(v.proof, v.iat);
      await compactVerify(v.proof, fixedKey, { algorithms: ["ES256"] });
    } catch (e) {
      fail(v.name, `jose refused the proof: ${e.code ?? ""} ${e.message}`);
    }
    const { protectedHeader: header, payload } = verified;
    if (!sameKeys(header, ["typ", "alg", "jwk"])) {
      fail(v.name, `header members ${Object.keys(header)}`);
    }
    if (JSON.stringify(header.jwk) !== JSON.stringify({ crv: "P-256", kty: "EC", x: FIXED_KEY.x, y: FIXED_KEY.y })) {
      fail(v.name, `jwk ${JSON.stringify(header.jwk)} is not FIXED_KEY's public key, members in RFC 7638 order`);
    }
    const want = {
      jti: v.jti,
      htm: v.htm,
      htu: expectedHtu(v.target_uri),
      iat: v.iat,
      ...(v.nonce != null ? { nonce: v.nonce } : {}),
      ...(v.access_token != null ? { ath: ath(v.access_token) } : {}),
    };
    // Same members, same values, same order.
    if (JSON.stringify(payload) !== JSON.stringify(want)) {
      fail(v.name, `claims ${JSON.stringify(payload)}, expected ${JSON.stringify(want)}`);
    }
    if (base64url.decode(v.jti).length < 12) fail(v.name, "jti has fewer than 96 bits");
    const jkt = await calculateJwkThumbprint(header.jwk);
    if (jkt !== v.jkt || jkt !== fixedJkt) fail(v.name, `jkt ${v.jkt}, jose ${jkt}`);
  }
  console.log(JSON.stringify({ verified: proofs.length, jose: joseVersion }));
}

async function constants() {
  console.log(`// Generated by tests/reference/dpop_vectors.mjs constants with jose ${joseVersion}.`);
  console.log("/// jose's `calculateJwkThumbprint` of FIXED_KEY's public JWK.");
  console.log(`const JOSE_FIXED_KEY_JKT: &str = "${await calculateJwkThumbprint(FIXED_PUBLIC)}";`);
  console.log("/// jose's `calculateJwkThumbprint` of RFC 9449's example key (Figure 2).");
  console.log(`const JOSE_RFC9449_KEY_JKT: &str = "${await calculateJwkThumbprint(RFC9449_KEY)}";`);
  console.log("/// base64url (jose) of node's SHA-256 of each access token.");
  console.log(`const JOSE_ATH: [(&str, &str); ${ATH_TOKENS.length}] = [`);
  for (const t of ATH_TOKENS) {
    console.log(`    (`);
    console.log(`        "${t}",`);
    console.log(`        "${ath(t)}",`);
    console.log(`    ),`);
  }
  console.log("];");
}

const [mode, file] = process.argv.slice(2);
if (mode === "verify" && file) await verify(file);
else if (mode === "constants") await constants();
else fail("usage", "node tests/reference/dpop_vectors.mjs verify FILE | constants");
