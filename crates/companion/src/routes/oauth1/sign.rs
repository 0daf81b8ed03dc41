//! `POST /oauth1/{id}/sign`: an `Authorization` header for one request under `api_base`, for
//! a signed-in session (for clients that must send the request themselves).
//!
//! Note the header is only valid for the exact method, URL, form parameters, timestamp and
//! nonce it was made for.

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use latchkey_proto::oauth1::{Body, SignatureMethod};
use serde::{Deserialize, Serialize};

use super::{api_path, cookies, provider, session, sign_for_session, ProviderId};
use crate::client_address::ClientAddress;
use crate::error::{ApiError, Json};
use crate::routes::origin::check_script_request;
use crate::state::AppState;

/// Form parameters to sign: `[["name", "value"], …]` or `{"name": "value", …}`.
///
/// Deserialized by looking at the first token (`[` or `{`) rather than with
/// `#[serde(untagged)]`, which buffers the whole value into an intermediate tree and then tries
/// each variant: that buffering was a visible share of `/sign`'s CPU.
#[derive(Debug)]
pub enum Params {
    /// Ordered pairs (repeated names allowed).
    Pairs(Vec<(String, String)>),
    /// An object.
    Map(serde_json::Map<String, serde_json::Value>),
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParamsVisitor)
    }
}

struct ParamsVisitor;

impl<'de> serde::de::Visitor<'de> for ParamsVisitor {
    type Value = Params;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(r#"an array of ["name", "value"] pairs or an object"#)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Params, A::Error> {
        let mut pairs = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(pair) = seq.next_element::<(String, String)>()? {
            pairs.push(pair);
        }
        Ok(Params::Pairs(pairs))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Params, A::Error> {
        serde_json::Map::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(Params::Map)
    }
}

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// HTTP method.
    pub method: String,
    /// Absolute URL under `api_base`, query included.
    pub url: String,
    /// Form-encoded body parameters that will be sent, if any.
    #[serde(default)]
    pub params: Option<Params>,
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct SignResponse {
    /// The `Authorization` header value.
    pub authorization: String,
}

fn pairs(p: Option<Params>) -> Result<Vec<(String, String)>, ApiError> {
    match p {
        None => Ok(Vec::new()),
        Some(Params::Pairs(v)) => Ok(v),
        Some(Params::Map(m)) => m
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k, s)),
                serde_json::Value::Number(n) => Ok((k, n.to_string())),
                serde_json::Value::Bool(b) => Ok((k, b.to_string())),
                _ => Err(ApiError::BadRequest(
                    format!("params.{k} must be a string, number or boolean").into(),
                )),
            })
            .collect(),
    }
}

/// Signs; see the module docs.
///
/// Takes the whole request rather than `HeaderMap` and `Json` extractors: the `HeaderMap`
/// extractor clones every header, ≈ 6 % of the handler's instructions. So who is asking
/// (a script of the app, `check_script_request`: the header signs a request with the user's
/// tokens) and the session are checked before the body is read, and a signed-out caller gets
/// its 401 without its body being parsed.
pub async fn sign(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    client: ClientAddress,
    request: Request,
) -> Result<Response, ApiError> {
    // A signed header is an upstream call the client makes itself: the same budget as the
    // proxy's, taken before any cookie is opened or anything signed.
    state.limits().api.admit(client)?;
    let p = provider(&state, &id)?;
    let headers = request.headers();
    check_script_request(&state, headers)?;
    if p.signature_method() == SignatureMethod::Plaintext {
        // A PLAINTEXT "signature" is the consumer and token secrets themselves.
        return Err(ApiError::BadRequest(
            format!("provider {} signs with PLAINTEXT, whose header holds the secrets: use /oauth1/{}/api/ instead", p.id, p.id).into(),
        ));
    }
    let api_base = p.api_base.ok_or_else(|| {
        ApiError::NotFound(format!("provider {} has no api_base to sign for", p.id).into())
    })?;
    let session = session::require(&state, &p, headers)?;
    let Json(req) = Json::<SignRequest>::from_request(request, &state).await?;
    api_path::check_under(api_base, &req.url)
        .map_err(|e| ApiError::Forbidden(e.to_string().into()))?;
    let params = pairs(req.params)?;
    let signed = sign_for_session(
        &state,
        &p,
        &session,
        &req.method,
        &req.url,
        if params.is_empty() {
            Body::None
        } else {
            Body::Form(&params)
        },
    )?;
    let mut resp = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        response_body(signed.authorization_header)?,
    )
        .into_response();
    if let Some(c) = cookies::renewal(&state, &p, &session) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// The JSON of a [`SignResponse`], `{"authorization":"…"}`.
///
/// Written by hand for the headers `sign_request` makes: serde_json escapes byte by byte,
/// which was ≈ 2 % of `/sign`'s CPU under load. Such a header is printable ASCII whose only
/// character JSON escapes is `"` (every value in it is percent-encoded), so the body is the
/// header with each `"` as `\"`, found with `memchr` (`str::split('"')` was slower than
/// serde_json: a searcher set-up per run). Any other header goes through serde_json.
fn response_body(authorization: String) -> Result<Vec<u8>, ApiError> {
    const OPEN: &[u8] = br#"{"authorization":""#;
    const CLOSE: &[u8] = br#""}"#;
    let bytes = authorization.as_bytes();
    // No early exit, so that the check compiles to a vector loop.
    let plain = bytes.iter().fold(true, |ok, &b| {
        ok & ((0x20..0x7f).contains(&b) & (b != b'\\'))
    });
    if !plain {
        return serde_json::to_vec(&SignResponse { authorization })
            .map_err(|e| ApiError::Internal(format!("sign response: {e}")));
    }
    // Room for the quotes of nine parameters and a realm.
    let mut out = Vec::with_capacity(OPEN.len() + bytes.len() + 20 + CLOSE.len());
    out.extend_from_slice(OPEN);
    let mut run = 0;
    for quote in memchr::memchr_iter(b'"', bytes) {
        out.extend_from_slice(&bytes[run..quote]);
        out.extend_from_slice(br#"\""#);
        run = quote + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.extend_from_slice(CLOSE);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<(String, String)>, String> {
        let req: SignRequest = serde_json::from_str(body).map_err(|e| e.to_string())?;
        pairs(req.params).map_err(|e| format!("{e:?}"))
    }

    fn owned(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn params_as_pairs_or_object() {
        let url = r#""method":"POST","url":"http://x/api/""#;
        assert_eq!(
            parse(&format!(r#"{{{url},"params":[["a","1"],["a","2"]]}}"#)).unwrap(),
            owned(&[("a", "1"), ("a", "2")])
        );
        let mut from_object = parse(&format!(
            r#"{{{url},"params":{{"s":"x y","n":1.5,"b":true}}}}"#
        ))
        .unwrap();
        from_object.sort();
        assert_eq!(
            from_object,
            owned(&[("b", "true"), ("n", "1.5"), ("s", "x y")])
        );
        assert_eq!(parse(&format!(r#"{{{url}}}"#)).unwrap(), Vec::new());
    }

    #[test]
    fn the_hand_written_body_is_what_serde_json_writes() {
        let real = r#"OAuth oauth_nonce="abc", oauth_signature="a%2Bb%3D", oauth_token="t""#;
        for header in [
            real,
            "",
            r#"""#,
            r#"OAuth realm="a\b", x="1""#,
            "OAuth x=\"tab\there\"",
            "OAuth x=\"ü\"",
            "OAuth x=\"\u{7f}\"",
            "no quotes at all",
        ] {
            let ours = response_body(header.to_owned()).unwrap();
            let serde = serde_json::to_vec(&SignResponse {
                authorization: header.to_owned(),
            })
            .unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(serde).unwrap(),
                "{header:?}"
            );
        }
    }

    #[test]
    fn params_of_other_shapes_are_refused() {
        let url = r#""method":"POST","url":"http://x/api/""#;
        for bad in [
            r#""a=1""#,
            "7",
            r#"[["a"]]"#,
            r#"[["a","b","c"]]"#,
            r#"{"a":{"b":1}}"#,
        ] {
            assert!(
                parse(&format!(r#"{{{url},"params":{bad}}}"#)).is_err(),
                "{bad} was accepted"
            );
        }
    }
}
