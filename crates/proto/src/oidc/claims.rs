//! ID token claims (OIDC Core §2) and their validation (§3.1.3.7, §12.2 for refreshes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::jws::{HashKind, JwsAlg};
use super::IdTokenError;
use crate::preset::entra::ExpectedIssuer;
use crate::secret::{ct_eq_str, AccessToken, Nonce};

/// The claims of an ID token. Built only by this crate: from a verified token
/// ([`super::VerifiedIdToken::claims`]) or, for display only, from
/// [`super::decode_unverified_claims`].
#[derive(Debug, Clone, PartialEq)]
pub struct IdTokenClaims {
    iss: String,
    sub: String,
    aud: Vec<String>,
    exp: u64,
    iat: u64,
    all: Map<String, Value>,
}

fn numeric_date(
    all: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<u64>, IdTokenError> {
    match all.get(field) {
        None | Some(Value::Null) => Ok(None),
        // NumericDate may carry a fraction (RFC 7519 §2); whole seconds are enough here.
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e15)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or(IdTokenError::InvalidClaim(field)),
        Some(_) => Err(IdTokenError::InvalidClaim(field)),
    }
}

impl IdTokenClaims {
    /// Reads the claims, requiring `iss`, `sub`, `aud`, `exp`, `iat` (OIDC Core §2).
    pub(crate) fn from_map(all: Map<String, Value>) -> Result<Self, IdTokenError> {
        let string = |f: &'static str| match all.get(f) {
            Some(Value::String(s)) => Ok(s.clone()),
            None => Err(IdTokenError::MissingClaim(f)),
            Some(_) => Err(IdTokenError::InvalidClaim(f)),
        };
        let aud = match all.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(IdTokenError::InvalidClaim("aud"))?,
            None => return Err(IdTokenError::MissingClaim("aud")),
            Some(_) => return Err(IdTokenError::InvalidClaim("aud")),
        };
        Ok(Self {
            iss: string("iss")?,
            sub: string("sub")?,
            aud,
            exp: numeric_date(&all, "exp")?.ok_or(IdTokenError::MissingClaim("exp"))?,
            iat: numeric_date(&all, "iat")?.ok_or(IdTokenError::MissingClaim("iat"))?,
            all,
        })
    }

    fn opt_str(&self, name: &str) -> Option<&str> {
        self.all.get(name).and_then(Value::as_str)
    }

    /// `iss`.
    pub fn iss(&self) -> &str {
        &self.iss
    }
    /// `sub`: the stable user identifier at this issuer.
    pub fn sub(&self) -> &str {
        &self.sub
    }
    /// `aud`, always as a list.
    pub fn aud(&self) -> &[String] {
        &self.aud
    }
    /// `exp`.
    pub fn exp(&self) -> u64 {
        self.exp
    }
    /// `iat`.
    pub fn iat(&self) -> u64 {
        self.iat
    }
    /// `nonce`.
    pub fn nonce(&self) -> Option<&str> {
        self.opt_str("nonce")
    }
    /// `azp`.
    pub fn azp(&self) -> Option<&str> {
        self.opt_str("azp")
    }
    /// `name`.
    pub fn name(&self) -> Option<&str> {
        self.opt_str("name")
    }
    /// `preferred_username`.
    pub fn preferred_username(&self) -> Option<&str> {
        self.opt_str("preferred_username")
    }
    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.opt_str("email")
    }
    /// `picture`.
    pub fn picture(&self) -> Option<&str> {
        self.opt_str("picture")
    }
    /// Every claim, for the token inspector.
    pub fn all(&self) -> &Map<String, Value> {
        &self.all
    }
}

/// How the `nonce` claim is checked.
#[derive(Debug, Clone, Copy)]
pub enum NonceCheck<'a> {
    /// An ID token from the code exchange: `nonce` is required and must equal the one sent
    /// (OIDC Core §3.1.3.7 step 11).
    Expect(&'a Nonce),
    /// An ID token from a refresh (OIDC Core §12.2): `nonce` is usually absent; when present
    /// it must equal the original sign-in's nonce (`None`: no nonce is then acceptable).
    Refreshed(Option<&'a Nonce>),
}

/// Which signing algorithms are acceptable.
#[derive(Debug, Clone, Copy)]
pub enum AlgPolicy<'a> {
    /// Any asymmetric algorithm [`JwsAlg`] names.
    AnySupported,
    /// Only these (e.g. from `id_token_signing_alg_values_supported` or registration).
    OneOf(&'a [JwsAlg]),
}

/// What an ID token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenChecks<'a> {
    /// The expected `iss`, compared exactly; for Entra's multi-tenant authorities
    /// (`https://login.microsoftonline.com/{common|organizations|consumers}/v2.0`) the token's
    /// tenant-specific `iss` is accepted when it matches its `tid` claim
    /// ([`crate::preset::entra::ExpectedIssuer`]).
    pub issuer: &'a str,
    /// This client's id: must be in `aud` (and equal `azp` when present or when there are
    /// several audiences).
    pub client_id: &'a str,
    /// The `nonce` rule.
    pub nonce: NonceCheck<'a>,
    /// Allowed clock skew in seconds for `exp`, `iat` and `nbf`.
    pub leeway_secs: u64,
    /// The access token issued alongside, to check `at_hash` when the token carries one.
    pub access_token: Option<&'a AccessToken>,
    /// For a refreshed ID token, the original `sub`, which must not change (OIDC Core §12.2).
    pub expected_sub: Option<&'a str>,
    /// The acceptable algorithms.
    pub algs: AlgPolicy<'a>,
    /// The `max_age` the authorization request carried ([`crate::authorize::PendingFlow::max_age`]):
    /// `auth_time` is then required, and may be no more than `max_age` (plus the leeway)
    /// seconds old (OIDC Core §3.1.2.1, §3.1.3.7 step 11). `None` for a refreshed token, whose
    /// `auth_time` stays that of the original sign-in (§12.2).
    pub max_age: Option<u64>,
}

/// `at_hash`: base64url of the left half of the hash of the access token, with the hash of
/// the signing algorithm (OIDC Core §3.1.3.6).
pub fn at_hash(alg: JwsAlg, access_token: &str) -> String {
    let digest: Vec<u8> = match alg.hash() {
        HashKind::Sha256 => Sha256::digest(access_token.as_bytes()).to_vec(),
        HashKind::Sha384 => Sha384::digest(access_token.as_bytes()).to_vec(),
        HashKind::Sha512 => Sha512::digest(access_token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// Applies every claim check (OIDC Core §3.1.3.7 steps 2–3, 9–11, §3.1.3.6, §12.2).
pub(crate) fn check(
    claims: &IdTokenClaims,
    alg: JwsAlg,
    checks: &IdTokenChecks<'_>,
    now: u64,
) -> Result<(), IdTokenError> {
    // Exact, except Entra's multi-tenant authorities: there `iss` must be the `{tenantid}`
    // template filled with the token's own `tid` (see `preset::entra`).
    let expected = ExpectedIssuer::for_configured(checks.issuer);
    if !expected.accepts_token_issuer(&claims.iss, claims.opt_str("tid")) {
        return Err(IdTokenError::Issuer {
            expected: expected.describe(),
            got: claims.iss.clone(),
        });
    }
    if !claims.aud.iter().any(|a| a == checks.client_id) {
        return Err(IdTokenError::Audience);
    }
    match claims.azp() {
        Some(azp) if azp != checks.client_id => return Err(IdTokenError::AuthorizedParty),
        None if claims.aud.len() > 1 => return Err(IdTokenError::AuthorizedParty),
        _ => {}
    }
    if claims.all.contains_key("azp") && claims.azp().is_none() {
        return Err(IdTokenError::InvalidClaim("azp"));
    }
    let leeway = checks.leeway_secs;
    if now > claims.exp.saturating_add(leeway) {
        return Err(IdTokenError::Expired {
            exp: claims.exp,
            now,
        });
    }
    if claims.iat > now.saturating_add(leeway) {
        return Err(IdTokenError::IssuedInTheFuture {
            iat: claims.iat,
            now,
        });
    }
    if let Some(nbf) = numeric_date(&claims.all, "nbf")? {
        if nbf > now.saturating_add(leeway) {
            return Err(IdTokenError::NotYetValid { nbf, now });
        }
    }
    if claims.all.contains_key("nonce") && claims.nonce().is_none() {
        return Err(IdTokenError::InvalidClaim("nonce"));
    }
    match (checks.nonce, claims.nonce()) {
        (NonceCheck::Expect(_), None) => return Err(IdTokenError::MissingClaim("nonce")),
        (NonceCheck::Expect(n), Some(got)) | (NonceCheck::Refreshed(Some(n)), Some(got)) => {
            if !ct_eq_str(n.secret(), got) {
                return Err(IdTokenError::NonceMismatch);
            }
        }
        (NonceCheck::Refreshed(None), Some(_)) => return Err(IdTokenError::NonceMismatch),
        (NonceCheck::Refreshed(_), None) => {}
    }
    if let Some(max_age) = checks.max_age {
        let auth_time = numeric_date(&claims.all, "auth_time")?
            .ok_or(IdTokenError::MissingClaim("auth_time"))?;
        let age = now.saturating_sub(auth_time);
        if age > max_age.saturating_add(leeway) {
            return Err(IdTokenError::StaleAuthentication {
                auth_time,
                age,
                max_age,
            });
        }
    }
    if let Some(sub) = checks.expected_sub {
        if sub != claims.sub {
            return Err(IdTokenError::SubjectChanged);
        }
    }
    if let (Some(token), Some(claimed)) = (checks.access_token, claims.all.get("at_hash")) {
        let claimed = claimed
            .as_str()
            .ok_or(IdTokenError::InvalidClaim("at_hash"))?;
        if !ct_eq_str(&at_hash(alg, token.secret()), claimed) {
            return Err(IdTokenError::AccessTokenHash);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;

    fn claims(v: Value) -> IdTokenClaims {
        IdTokenClaims::from_map(v.as_object().unwrap().clone()).unwrap()
    }

    fn base() -> Value {
        json!({"iss":"https://idp.example","sub":"u1","aud":"spa","exp":NOW + 300,"iat":NOW,"nonce":"n-1","name":"Ada","email":"ada@example.org"})
    }

    fn run<'a>(v: Value, f: impl FnOnce(&mut IdTokenChecks<'a>)) -> Result<(), IdTokenError> {
        let nonce: &'static Nonce = Box::leak(Box::new(Nonce::new("n-1")));
        let mut c = IdTokenChecks {
            issuer: "https://idp.example",
            client_id: "spa",
            nonce: NonceCheck::Expect(nonce),
            leeway_secs: 60,
            access_token: None,
            expected_sub: None,
            algs: AlgPolicy::AnySupported,
            max_age: None,
        };
        f(&mut c);
        check(
            &IdTokenClaims::from_map(v.as_object().unwrap().clone())?,
            JwsAlg::RS256,
            &c,
            NOW,
        )
    }

    fn with(mut v: Value, key: &str, value: Value) -> Value {
        v[key] = value;
        v
    }

    #[test]
    fn accepts_good_claims_and_exposes_profile() {
        assert_eq!(run(base(), |_| {}), Ok(()));
        let c = claims(base());
        assert_eq!(
            (c.sub(), c.name(), c.email(), c.picture()),
            ("u1", Some("Ada"), Some("ada@example.org"), None)
        );
        assert_eq!(c.aud(), ["spa"]);
    }

    #[test]
    fn with_max_age_auth_time_is_required_and_may_not_be_older() {
        let with_max_age = |max| move |c: &mut IdTokenChecks<'_>| c.max_age = Some(max);
        // Without max_age, auth_time is not looked at.
        assert_eq!(run(with(base(), "auth_time", json!("x")), |_| {}), Ok(()));
        assert_eq!(
            run(base(), with_max_age(300)),
            Err(IdTokenError::MissingClaim("auth_time"))
        );
        assert_eq!(
            run(
                with(base(), "auth_time", json!("yesterday")),
                with_max_age(300)
            ),
            Err(IdTokenError::InvalidClaim("auth_time"))
        );
        // Fresh, or stale by no more than the leeway (60 s here).
        assert_eq!(
            run(
                with(base(), "auth_time", json!(NOW - 300)),
                with_max_age(300)
            ),
            Ok(())
        );
        assert_eq!(
            run(
                with(base(), "auth_time", json!(NOW - 360)),
                with_max_age(300)
            ),
            Ok(())
        );
        assert_eq!(
            run(
                with(base(), "auth_time", json!(NOW - 361)),
                with_max_age(300)
            ),
            Err(IdTokenError::StaleAuthentication {
                auth_time: NOW - 361,
                age: 361,
                max_age: 300
            })
        );
        // max_age=0 asks for a sign-in just now: within the leeway.
        assert_eq!(
            run(with(base(), "auth_time", json!(NOW)), with_max_age(0)),
            Ok(())
        );
        assert_eq!(
            run(with(base(), "auth_time", json!(NOW - 3600)), with_max_age(0))
                .map_err(|e| e.to_string()),
            Err("id token: the sign-in at the provider is 3600 seconds old (auth_time 1699996400), more than max_age 0".into())
        );
    }

    #[test]
    fn required_claims() {
        for f in ["iss", "sub", "aud", "exp", "iat"] {
            let mut v = base();
            v.as_object_mut().unwrap().remove(f);
            assert_eq!(run(v, |_| {}), Err(IdTokenError::MissingClaim(f)), "{f}");
        }
        assert_eq!(
            run(with(base(), "exp", json!("soon")), |_| {}),
            Err(IdTokenError::InvalidClaim("exp"))
        );
        assert_eq!(
            run(with(base(), "aud", json!([])), |_| {}),
            Err(IdTokenError::InvalidClaim("aud"))
        );
    }

    #[test]
    fn issuer_must_match_exactly() {
        let r = run(with(base(), "iss", json!("https://idp.example/")), |_| {});
        assert!(matches!(r, Err(IdTokenError::Issuer { .. })));
    }

    /// Entra's multi-tenant authority: `iss` is the user's tenant, which `tid` names.
    mod entra_multi_tenant {
        use super::*;

        const COMMON: &str = "https://login.microsoftonline.com/common/v2.0";
        const TID: &str = "9122040d-6c67-4c5b-b112-36a304b66dad";
        const OTHER_TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

        fn token(iss: &str, tid: Option<&str>) -> Value {
            let mut v = with(base(), "iss", json!(iss));
            if let Some(tid) = tid {
                v["tid"] = json!(tid);
            }
            v
        }

        fn tenant_iss(tid: &str) -> String {
            format!("https://login.microsoftonline.com/{tid}/v2.0")
        }

        #[test]
        fn the_tenant_issuer_matching_tid_is_accepted() {
            let r = run(token(&tenant_iss(TID), Some(TID)), |c| c.issuer = COMMON);
            assert_eq!(r, Ok(()));
        }

        #[test]
        fn an_iss_of_another_tenant_than_tid_is_refused() {
            let r = run(token(&tenant_iss(OTHER_TID), Some(TID)), |c| {
                c.issuer = COMMON
            });
            assert!(
                matches!(r, Err(IdTokenError::Issuer { ref got, ref expected })
                    if *got == tenant_iss(OTHER_TID) && expected.contains("{tenantid}")),
                "{r:?}"
            );
        }

        #[test]
        fn tid_must_be_present_and_a_guid() {
            let r = run(token(&tenant_iss(TID), None), |c| c.issuer = COMMON);
            assert!(matches!(r, Err(IdTokenError::Issuer { .. })));
            let r = run(token(&tenant_iss("evil"), Some("evil")), |c| {
                c.issuer = COMMON
            });
            assert!(matches!(r, Err(IdTokenError::Issuer { .. })));
            // The template itself, or the configured authority, is never a token's issuer.
            for iss in ["https://login.microsoftonline.com/{tenantid}/v2.0", COMMON] {
                let r = run(token(iss, Some(TID)), |c| c.issuer = COMMON);
                assert!(matches!(r, Err(IdTokenError::Issuer { .. })), "{iss}");
            }
        }

        #[test]
        fn the_template_is_not_accepted_for_other_issuers() {
            // A single-tenant Entra issuer and any other provider stay exact, tid or not.
            let single = tenant_iss(OTHER_TID);
            let r = run(token(&tenant_iss(TID), Some(TID)), |c| c.issuer = &single);
            assert!(matches!(r, Err(IdTokenError::Issuer { .. })));
            let r = run(token(&tenant_iss(TID), Some(TID)), |_| {});
            assert!(matches!(r, Err(IdTokenError::Issuer { .. })));
            let r = run(
                token("https://login.microsoftonline.com/common/v2.0", Some(TID)),
                |c| c.issuer = "https://login.microsoftonline.com/common/v2.0/",
            );
            assert!(matches!(r, Err(IdTokenError::Issuer { .. })));
        }

        #[test]
        fn organizations_refuses_personal_accounts_and_consumers_wants_them() {
            use crate::preset::entra::CONSUMERS_TENANT_ID as MSA;
            let orgs = "https://login.microsoftonline.com/organizations/v2.0";
            let consumers = "https://login.microsoftonline.com/consumers/v2.0";
            let personal = token(&tenant_iss(MSA), Some(MSA));
            let work = token(&tenant_iss(TID), Some(TID));
            assert!(run(personal.clone(), |c| c.issuer = orgs).is_err());
            assert_eq!(run(work.clone(), |c| c.issuer = orgs), Ok(()));
            assert_eq!(run(personal, |c| c.issuer = consumers), Ok(()));
            assert!(run(work, |c| c.issuer = consumers).is_err());
        }
    }

    #[test]
    fn audience_and_azp() {
        assert_eq!(
            run(with(base(), "aud", json!("other")), |_| {}),
            Err(IdTokenError::Audience)
        );
        assert_eq!(
            run(with(base(), "aud", json!(["spa", "api"])), |_| {}),
            Err(IdTokenError::AuthorizedParty)
        );
        let v = with(
            with(base(), "aud", json!(["spa", "api"])),
            "azp",
            json!("spa"),
        );
        assert_eq!(run(v, |_| {}), Ok(()));
        let v = with(
            with(base(), "aud", json!(["spa", "api"])),
            "azp",
            json!("api"),
        );
        assert_eq!(run(v, |_| {}), Err(IdTokenError::AuthorizedParty));
    }

    #[test]
    fn time_checks_use_the_leeway() {
        assert_eq!(run(with(base(), "exp", json!(NOW - 60)), |_| {}), Ok(()));
        assert!(matches!(
            run(with(base(), "exp", json!(NOW - 61)), |_| {}),
            Err(IdTokenError::Expired { .. })
        ));
        assert!(matches!(
            run(with(base(), "iat", json!(NOW + 61)), |_| {}),
            Err(IdTokenError::IssuedInTheFuture { .. })
        ));
        assert_eq!(run(with(base(), "nbf", json!(NOW + 60)), |_| {}), Ok(()));
        assert!(matches!(
            run(with(base(), "nbf", json!(NOW + 61)), |_| {}),
            Err(IdTokenError::NotYetValid { .. })
        ));
        assert_eq!(
            run(with(base(), "exp", json!((NOW + 10) as f64 + 0.5)), |_| {}),
            Ok(())
        );
    }

    #[test]
    fn nonce_rules() {
        assert_eq!(
            run(with(base(), "nonce", json!("n-2")), |_| {}),
            Err(IdTokenError::NonceMismatch)
        );
        let mut v = base();
        v.as_object_mut().unwrap().remove("nonce");
        assert_eq!(
            run(v.clone(), |_| {}),
            Err(IdTokenError::MissingClaim("nonce"))
        );
        assert_eq!(run(v, |c| c.nonce = NonceCheck::Refreshed(None)), Ok(()));
        assert_eq!(
            run(base(), |c| c.nonce = NonceCheck::Refreshed(None)),
            Err(IdTokenError::NonceMismatch)
        );
        assert_eq!(
            run(with(base(), "nonce", json!(5)), |_| {}),
            Err(IdTokenError::InvalidClaim("nonce"))
        );
    }

    #[test]
    fn refreshed_token_must_keep_the_subject() {
        assert_eq!(
            run(base(), |c| c.expected_sub = Some("u2")),
            Err(IdTokenError::SubjectChanged)
        );
        assert_eq!(run(base(), |c| c.expected_sub = Some("u1")), Ok(()));
    }

    /// OIDC Core §A.3 example: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" with
    /// RS256 has at_hash "77QmUPtjPfzWtF2AnpK9RQ".
    #[test]
    fn at_hash_matches_the_oidc_core_example() {
        assert_eq!(
            at_hash(JwsAlg::RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(at_hash(JwsAlg::RS384, "x").len(), 32);
        assert_eq!(at_hash(JwsAlg::EdDSA, "x").len(), 43);
        let token = AccessToken::new("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y");
        assert_eq!(
            run(
                with(base(), "at_hash", json!("77QmUPtjPfzWtF2AnpK9RQ")),
                |c| c.access_token = Some(&token)
            ),
            Ok(())
        );
        assert_eq!(
            run(
                with(base(), "at_hash", json!("77QmUPtjPfzWtF2AnpK9RR")),
                |c| c.access_token = Some(&token)
            ),
            Err(IdTokenError::AccessTokenHash)
        );
    }
}
