//! The authorization callback (RFC 6749 §4.1.2, RFC 9207).

use latchkey_proto::authorize::{begin, FlowRandomness, FlowStart, PendingFlow};
use latchkey_proto::callback::{validate_callback, CallbackError, IssParameter};
use latchkey_proto::token::ErrorCode;

use crate::common::{case, run, Case};
use crate::ISSUER;

const CREATED: u64 = 1_700_000_000;

fn pending(issuer: Option<&str>) -> PendingFlow {
    let scopes = ["openid".to_owned()];
    let start = FlowStart {
        provider_id: "dot",
        issuer,
        authorization_endpoint: "https://idp.example/authorize",
        client_id: "spa",
        redirect_uri: "https://app.example/callback",
        scopes: &scopes,
        return_to: "/",
        extra: &[],
    };
    let random = FlowRandomness {
        state: &[7; 16],
        nonce: &[8; 16],
        verifier: &[9; 32],
    };
    begin(&start, &random, CREATED).unwrap().1
}

/// A callback input: URL, whether the flow has an issuer, the RFC 9207 setting, the clock.
struct Cb {
    url: String,
    flow_issuer: bool,
    iss: IssParameter,
    now: u64,
}

fn cb(url: String) -> Cb {
    Cb {
        url,
        flow_issuer: true,
        iss: IssParameter::Required,
        now: CREATED + 5,
    }
}

#[test]
fn callback_urls_that_must_be_refused() {
    let flow = pending(Some(ISSUER));
    let st = flow.state.secret().to_owned();
    let iss = "iss=https%3A%2F%2Fidp.example";
    let base = "https://app.example/callback";
    let many_params: String = (0..20_000).map(|i| format!("p{i}=v&")).collect();
    let huge_value = "A".repeat(1 << 20);
    use CallbackError as E;
    let table: Vec<Case<Cb, E>> = vec![
        case("no query", cb(base.into()), |e| {
            matches!(e, E::NoParameters)
        }),
        case("empty query", cb(format!("{base}?")), |e| {
            matches!(e, E::NoParameters)
        }),
        case(
            "parameters only in the fragment",
            cb(format!("{base}#code=c&state={st}&{iss}")),
            |e| matches!(e, E::NoParameters),
        ),
        case(
            "'?' inside the fragment",
            cb(format!("{base}#x?code=c&state={st}&{iss}")),
            |e| matches!(e, E::NoParameters),
        ),
        case(
            "state only in the fragment",
            cb(format!("{base}?code=c&{iss}#state={st}")),
            |e| matches!(e, E::MissingParameter("state")),
        ),
        case(
            "forged state before a fragment holding the real one",
            cb(format!("{base}?code=c&state=forged&{iss}#&state={st}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "duplicated code",
            cb(format!("{base}?code=a&code=b&state={st}&{iss}")),
            |e| matches!(e, E::DuplicateParameter(p) if p == "code"),
        ),
        case(
            "duplicated state",
            cb(format!("{base}?code=a&state={st}&state={st}&{iss}")),
            |e| matches!(e, E::DuplicateParameter(p) if p == "state"),
        ),
        case(
            "state duplicated under a percent-encoded name",
            cb(format!("{base}?code=a&state={st}&st%61te=evil&{iss}")),
            |e| matches!(e, E::DuplicateParameter(p) if p == "state"),
        ),
        case(
            "duplicated iss",
            cb(format!(
                "{base}?code=a&state={st}&{iss}&iss=https%3A%2F%2Fevil.example"
            )),
            |e| matches!(e, E::DuplicateParameter(p) if p == "iss"),
        ),
        case("missing state", cb(format!("{base}?code=c&{iss}")), |e| {
            matches!(e, E::MissingParameter("state"))
        }),
        case(
            "missing code",
            cb(format!("{base}?state={st}&{iss}")),
            |e| matches!(e, E::MissingParameter("code")),
        ),
        case(
            "empty code",
            cb(format!("{base}?code=&state={st}&{iss}")),
            |e| matches!(e, E::MissingParameter("code")),
        ),
        case(
            "wrong state",
            cb(format!("{base}?code=c&state=AAAAAAAAAAAAAAAAAAAAAA&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "state with one extra character",
            cb(format!("{base}?code=c&state={st}x&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "state missing its last character",
            cb(format!("{base}?code=c&state={}&{iss}", &st[..st.len() - 1])),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "empty state",
            cb(format!("{base}?code=c&state=&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "state with invalid UTF-8 escapes",
            cb(format!("{base}?code=c&state=%FF%FE&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "forged error response (wrong state) never reaches the user",
            cb(format!("{base}?error=access_denied&state=forged&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "missing iss with RFC 9207 on",
            cb(format!("{base}?code=c&state={st}")),
            |e| matches!(e, E::MissingIss),
        ),
        case(
            "error response without iss with RFC 9207 on is the provider's error, not a mix-up",
            cb(format!("{base}?error=access_denied&state={st}")),
            |e| matches!(e, E::Authorization(_)),
        ),
        case(
            "wrong iss",
            cb(format!(
                "{base}?code=c&state={st}&iss=https%3A%2F%2Fevil.example"
            )),
            |e| matches!(e, E::IssMismatch { got, .. } if got == "https://evil.example"),
        ),
        case(
            "iss with a trailing slash",
            cb(format!(
                "{base}?code=c&state={st}&iss=https%3A%2F%2Fidp.example%2F"
            )),
            |e| matches!(e, E::IssMismatch { got, .. } if got == "https://idp.example/"),
        ),
        case(
            "iss differing in case",
            cb(format!(
                "{base}?code=c&state={st}&iss=https%3A%2F%2FIDP.example"
            )),
            |e| matches!(e, E::IssMismatch { .. }),
        ),
        case(
            "empty iss",
            cb(format!("{base}?code=c&state={st}&iss=")),
            |e| matches!(e, E::IssMismatch { got, .. } if got.is_empty()),
        ),
        case(
            "wrong iss even when RFC 9207 is not advertised",
            Cb {
                iss: IssParameter::NotAdvertised,
                ..cb(format!(
                    "{base}?code=c&state={st}&iss=https%3A%2F%2Fevil.example"
                ))
            },
            |e| matches!(e, E::IssMismatch { .. }),
        ),
        case(
            "iss for a flow without an issuer",
            Cb {
                flow_issuer: false,
                iss: IssParameter::NotAdvertised,
                ..cb(format!("{base}?code=c&state={st}&{iss}"))
            },
            |e| matches!(e, E::UnexpectedIss(_)),
        ),
        case(
            "genuine error response",
            cb(format!(
                "{base}?error=access_denied&error_description=no&state={st}&{iss}"
            )),
            |e| matches!(e, E::Authorization(a) if a.error == ErrorCode::AccessDenied),
        ),
        case(
            "error and code together: the error wins",
            cb(format!("{base}?code=c&error=server_error&state={st}&{iss}")),
            |e| matches!(e, E::Authorization(a) if a.error == ErrorCode::ServerError),
        ),
        case(
            "flow older than ten minutes",
            Cb {
                now: CREATED + 601,
                ..cb(format!("{base}?code=c&state={st}&{iss}"))
            },
            |e| matches!(e, E::Expired),
        ),
        case(
            "clock before the flow began",
            Cb {
                now: CREATED - 1,
                ..cb(format!("{base}?code=c&state={st}&{iss}"))
            },
            |e| matches!(e, E::Expired),
        ),
        case(
            "20 000 parameters and no state",
            cb(format!("{base}?{many_params}code=c&{iss}")),
            |e| matches!(e, E::MissingParameter("state")),
        ),
        case(
            "20 000 parameters, duplicate at the end",
            cb(format!(
                "{base}?{many_params}code=c&state={st}&{iss}&p19999=x"
            )),
            |e| matches!(e, E::DuplicateParameter(p) if p == "p19999"),
        ),
        case(
            "1 MiB state",
            cb(format!("{base}?code=c&state={huge_value}&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "1 MiB iss",
            cb(format!("{base}?code=c&state={st}&iss={huge_value}")),
            |e| matches!(e, E::IssMismatch { .. }),
        ),
    ];
    let no_issuer = pending(None);
    run(table, |c: Cb| {
        let flow = if c.flow_issuer { &flow } else { &no_issuer };
        validate_callback(&c.url, flow, c.iss, c.now)
    });
}

/// Regression: `form::parse_unique` compared every parameter name with every earlier one, so
/// a crafted callback link with 100 000 parameters froze the callback page for minutes.
#[test]
fn callback_with_100k_parameters_is_refused_quickly() {
    let flow = pending(Some(ISSUER));
    let params: String = (0..100_000).map(|i| format!("p{i}=v&")).collect();
    let url = format!("https://app.example/callback?{params}p0=again");
    let started = std::time::Instant::now();
    let result = validate_callback(&url, &flow, IssParameter::Required, CREATED + 5);
    assert!(matches!(result, Err(CallbackError::DuplicateParameter(p)) if p == "p0"));
    // Linear work is well under a second even unoptimised on a busy machine; the quadratic
    // scan took about five billion comparisons here.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
