//! Microsoft Entra ID (the Microsoft identity platform, v2.0 endpoints): tenants and the
//! multi-tenant issuer.
//!
//! A tenant-independent authority (`common`, `organizations`, `consumers`) cannot name one
//! issuer: its discovery document says
//! `"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"` with the braces in it, and
//! each ID token carries the signing-in user's tenant in `iss` and `tid`
//! (Microsoft identity platform docs, "ID tokens" and "OpenID Connect on the Microsoft identity
//! platform"). OIDC Discovery §4.3 and Core §3.1.3.7 step 2 want an exact match, which can never
//! hold here, so [`ExpectedIssuer::EntraMultiTenant`] is the one named exception: it applies
//! only to those three issuers, spelled exactly, and accepts a token's `iss` only when it is the
//! template with `{tenantid}` replaced by the token's own `tid`, which must be a GUID.

/// Entra's host for the v2.0 endpoints (global cloud).
pub const LOGIN_HOST: &str = "https://login.microsoftonline.com";

/// The template a multi-tenant discovery document names as its issuer.
pub const ISSUER_TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

/// The tenant id Microsoft uses for personal Microsoft accounts (documented in
/// "OpenID Connect on the Microsoft identity platform" as usable in place of `consumers`).
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Which accounts a tenant-independent Entra authority admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiTenant {
    /// `common`: work or school accounts of any tenant, and personal Microsoft accounts.
    Common,
    /// `organizations`: work or school accounts of any tenant, no personal accounts.
    Organizations,
    /// `consumers`: personal Microsoft accounts only.
    Consumers,
}

impl MultiTenant {
    /// The path segment (`common`, `organizations`, `consumers`).
    pub const fn as_str(self) -> &'static str {
        match self {
            MultiTenant::Common => "common",
            MultiTenant::Organizations => "organizations",
            MultiTenant::Consumers => "consumers",
        }
    }

    fn parse(segment: &str) -> Option<Self> {
        [Self::Common, Self::Organizations, Self::Consumers]
            .into_iter()
            .find(|m| m.as_str() == segment)
    }

    /// Whether a user of tenant `tid` may come through this authority.
    fn admits(self, tid: &str) -> bool {
        let personal = tid.eq_ignore_ascii_case(CONSUMERS_TENANT_ID);
        match self {
            MultiTenant::Common => true,
            MultiTenant::Organizations => !personal,
            MultiTenant::Consumers => personal,
        }
    }
}

/// The `tenant` of an Entra provider, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// A tenant-independent authority.
    Multi(MultiTenant),
    /// One tenant, by its id (a GUID, lower-cased).
    Id(String),
}

/// Why a `tenant` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// A domain name: Entra's documents and tokens name a tenant by its id, so an issuer built
    /// from a domain would never match.
    #[error("tenant {0:?} is a domain name; write the tenant id (a GUID, shown as \"Directory (tenant) ID\" in the Entra admin center) so the issuer matches the one in Entra's documents and tokens")]
    Domain(String),
    /// Neither a keyword nor a GUID.
    #[error(
        "tenant {0:?} is not \"common\", \"organizations\", \"consumers\" or a tenant id (a GUID)"
    )]
    Invalid(String),
}

impl Tenant {
    /// Reads a `tenant` setting.
    pub fn parse(value: &str) -> Result<Tenant, TenantError> {
        if let Some(m) = MultiTenant::parse(value) {
            return Ok(Tenant::Multi(m));
        }
        if is_guid(value) {
            return Ok(Tenant::Id(value.to_ascii_lowercase()));
        }
        let domain_like = value.contains('.')
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        Err(if domain_like {
            TenantError::Domain(value.to_owned())
        } else {
            TenantError::Invalid(value.to_owned())
        })
    }

    /// The path segment.
    pub fn segment(&self) -> &str {
        match self {
            Tenant::Multi(m) => m.as_str(),
            Tenant::Id(id) => id,
        }
    }

    /// `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{what}` (`authorize`, `token`).
    pub fn endpoint(&self, what: &str) -> String {
        format!("{LOGIN_HOST}/{}/oauth2/v2.0/{what}", self.segment())
    }

    /// `https://login.microsoftonline.com/{tenant}/v2.0`: the authority whose
    /// `/.well-known/openid-configuration` Latchkey discovers.
    pub fn issuer(&self) -> String {
        format!("{LOGIN_HOST}/{}/v2.0", self.segment())
    }
}

/// `8-4-4-4-12` hexadecimal digits, the only form a `tid` takes.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// How an issuer named in the configuration is compared with the one a discovery document or
/// an ID token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedIssuer<'a> {
    /// Byte for byte (OIDC Discovery §4.3, OIDC Core §3.1.3.7 step 2, RFC 8414 §3.3): every
    /// issuer except the three below.
    Exact(&'a str),
    /// `https://login.microsoftonline.com/{common|organizations|consumers}/v2.0`: the document
    /// names the `{tenantid}` template and each token its own tenant (see the module docs).
    EntraMultiTenant(MultiTenant),
}

impl<'a> ExpectedIssuer<'a> {
    /// The rule for a configured issuer. Only the three Entra authorities above, spelled
    /// exactly, get [`ExpectedIssuer::EntraMultiTenant`]; every other issuer is compared exactly.
    pub fn for_configured(issuer: &'a str) -> Self {
        issuer
            .strip_prefix(LOGIN_HOST)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|rest| rest.strip_suffix("/v2.0"))
            .and_then(MultiTenant::parse)
            .map_or(
                ExpectedIssuer::Exact(issuer),
                ExpectedIssuer::EntraMultiTenant,
            )
    }

    /// Whether a discovery document's `issuer` speaks for this configured issuer.
    ///
    /// For `consumers` the document may name the consumer tenant's own issuer instead of the
    /// template; that issuer is the only one its tokens can carry, so either is accepted.
    pub fn accepts_document_issuer(&self, document_issuer: &str) -> bool {
        match self {
            ExpectedIssuer::Exact(expected) => document_issuer == *expected,
            ExpectedIssuer::EntraMultiTenant(m) => {
                document_issuer == ISSUER_TEMPLATE
                    || (*m == MultiTenant::Consumers
                        && document_issuer == tenant_issuer(CONSUMERS_TENANT_ID))
            }
        }
    }

    /// Whether an ID token's `iss` (with its `tid` claim, when it has one) is acceptable.
    pub fn accepts_token_issuer(&self, iss: &str, tid: Option<&str>) -> bool {
        match self {
            ExpectedIssuer::Exact(expected) => iss == *expected,
            ExpectedIssuer::EntraMultiTenant(m) => match tid {
                Some(tid) if is_guid(tid) && m.admits(tid) => iss == tenant_issuer(tid),
                _ => false,
            },
        }
    }

    /// The issuer as the configuration (or the template) names it, for error messages.
    pub fn describe(&self) -> String {
        match self {
            ExpectedIssuer::Exact(expected) => (*expected).to_owned(),
            ExpectedIssuer::EntraMultiTenant(m) => {
                format!(
                    "{ISSUER_TEMPLATE} (Entra {}, {{tenantid}} = tid)",
                    m.as_str()
                )
            }
        }
    }
}

/// The issuer of one tenant's tokens: [`ISSUER_TEMPLATE`] with `tid` in place of `{tenantid}`.
fn tenant_issuer(tid: &str) -> String {
    [LOGIN_HOST, "/", tid, "/v2.0"].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn tenants_build_the_v2_issuer() {
        assert_eq!(
            Tenant::parse("common").unwrap().issuer(),
            "https://login.microsoftonline.com/common/v2.0"
        );
        assert_eq!(
            Tenant::parse("72F988BF-86F1-41AF-91AB-2D7CD011DB47")
                .unwrap()
                .issuer(),
            format!("https://login.microsoftonline.com/{TID}/v2.0")
        );
        assert!(matches!(
            Tenant::parse("contoso.onmicrosoft.com"),
            Err(TenantError::Domain(_))
        ));
        for bad in ["", "Common", "a/b", "72f988bf-86f1-41af-91ab", "x y"] {
            assert!(
                matches!(Tenant::parse(bad), Err(TenantError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tenant_issuer_fills_the_template() {
        for tid in [TID, CONSUMERS_TENANT_ID, "", "{tenantid}"] {
            assert_eq!(
                tenant_issuer(tid),
                ISSUER_TEMPLATE.replace("{tenantid}", tid)
            );
        }
    }

    #[test]
    fn only_the_three_authorities_get_the_template_rule() {
        assert_eq!(
            ExpectedIssuer::for_configured("https://login.microsoftonline.com/organizations/v2.0"),
            ExpectedIssuer::EntraMultiTenant(MultiTenant::Organizations)
        );
        for exact in [
            "https://login.microsoftonline.com/common/v2.0/",
            "https://login.microsoftonline.com/common",
            "https://login.microsoftonline.com.evil.example/common/v2.0",
            "http://login.microsoftonline.com/common/v2.0",
            "https://accounts.google.com",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
        ] {
            assert_eq!(
                ExpectedIssuer::for_configured(exact),
                ExpectedIssuer::Exact(exact)
            );
        }
    }

    #[test]
    fn tid_must_be_a_guid_and_fit_the_audience() {
        let common = ExpectedIssuer::EntraMultiTenant(MultiTenant::Common);
        let iss = format!("https://login.microsoftonline.com/{TID}/v2.0");
        assert!(common.accepts_token_issuer(&iss, Some(TID)));
        assert!(!common.accepts_token_issuer(&iss, None));
        assert!(!common
            .accepts_token_issuer("https://login.microsoftonline.com/evil/v2.0", Some("evil")));
        let orgs = ExpectedIssuer::EntraMultiTenant(MultiTenant::Organizations);
        let personal = tenant_issuer(CONSUMERS_TENANT_ID);
        assert!(orgs.accepts_token_issuer(&iss, Some(TID)));
        assert!(!orgs.accepts_token_issuer(&personal, Some(CONSUMERS_TENANT_ID)));
        let consumers = ExpectedIssuer::EntraMultiTenant(MultiTenant::Consumers);
        assert!(consumers.accepts_token_issuer(&personal, Some(CONSUMERS_TENANT_ID)));
        assert!(!consumers.accepts_token_issuer(&iss, Some(TID)));
        assert!(consumers.accepts_document_issuer(&personal));
        assert!(!common.accepts_document_issuer(&personal));
    }
}
