//! What the two sealed cookies hold, as bytes: a version byte, then length-prefixed fields.
//!
//! ```text
//! 0x01  field*      field = u16 big-endian length, then that many bytes of UTF-8
//! ```
//! A session is `token, secret, n, (name, value) × n` (n as a two-byte field count); a
//! pending sign-in is `token, secret, return_to`. The format is private to the companion (the
//! cookie is sealed, so only the companion ever reads it back), and it is read on every
//! signed request: it replaced JSON, whose parse was an eighth of `/sign`'s own work
//! (docs/notes/companion-performance.md).
//!
//! Cookies sealed before the change hold JSON, which starts with `{`: those are still read,
//! so that a deploy signs no one out. A session lasts `SESSION_TTL` (seven days): once that
//! long has passed since the change, no JSON cookie can still be valid and the branch can go.

use latchkey_proto::oauth1::{TemporaryCredentials, TokenCredentials};
use latchkey_proto::secret::TokenSecret;
use serde::de::DeserializeOwned;

use super::cookies::Pending;

/// The first byte of the binary form.
const V1: u8 = 1;

/// A cookie payload: written in the binary form, read in either form.
pub(crate) trait Payload: Sized + DeserializeOwned {
    /// Appends the fields (after the version byte).
    fn write(&self, out: &mut Writer);
    /// Reads the fields back; `None` when they do not fit the shape.
    fn read(r: &mut Reader<'_>) -> Option<Self>;
}

/// The bytes sealed into the cookie.
pub(crate) fn encode<T: Payload>(payload: &T) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(128));
    w.0.push(V1);
    payload.write(&mut w);
    w.0
}

/// The payload of an opened cookie, in the binary form or the JSON of earlier releases.
/// `None` when it is neither (a cookie sealed with our key never is).
pub(crate) fn decode<T: Payload>(bytes: &[u8]) -> Option<T> {
    match bytes.split_first() {
        Some((&V1, rest)) => {
            let mut r = Reader(rest);
            let value = T::read(&mut r)?;
            r.0.is_empty().then_some(value)
        }
        Some((b'{', _)) => serde_json::from_slice(bytes).ok(),
        _ => None,
    }
}

/// Appends fields.
pub(crate) struct Writer(Vec<u8>);

impl Writer {
    /// A string field. Longer than 65,535 bytes is cut at a character boundary: no OAuth
    /// token or response field comes near that, and a cookie could not hold it anyway.
    pub(crate) fn str(&mut self, s: &str) {
        let mut end = s.len().min(usize::from(u16::MAX));
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let len = u16::try_from(end).unwrap_or(u16::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(&s.as_bytes()[..end]);
    }

    /// A count.
    fn count(&mut self, n: usize) {
        let n = u16::try_from(n).unwrap_or(u16::MAX);
        self.0.extend_from_slice(&n.to_be_bytes());
    }
}

/// Reads fields.
pub(crate) struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u16(&mut self) -> Option<u16> {
        let (head, rest) = self.0.split_first_chunk::<2>()?;
        self.0 = rest;
        Some(u16::from_be_bytes(*head))
    }

    pub(crate) fn str(&mut self) -> Option<String> {
        let len = usize::from(self.u16()?);
        let field = self.0.get(..len)?;
        self.0 = &self.0[len..];
        String::from_utf8(field.to_vec()).ok()
    }
}

impl Payload for TokenCredentials {
    fn write(&self, w: &mut Writer) {
        w.str(&self.token);
        w.str(self.secret.secret());
        let extra = &self.extra[..self.extra.len().min(usize::from(u16::MAX))];
        w.count(extra.len());
        for (name, value) in extra {
            w.str(name);
            w.str(value);
        }
    }

    fn read(r: &mut Reader<'_>) -> Option<Self> {
        let token = r.str()?;
        let secret = TokenSecret::new(r.str()?);
        let n = r.u16()?;
        // Each pair takes at least four bytes: a forged count cannot make us reserve more
        // than the cookie holds.
        let mut extra = Vec::with_capacity(usize::from(n).min(r.0.len() / 4));
        for _ in 0..n {
            extra.push((r.str()?, r.str()?));
        }
        Some(TokenCredentials {
            token,
            secret,
            extra,
        })
    }
}

impl Payload for Pending {
    fn write(&self, w: &mut Writer) {
        w.str(&self.temporary.token);
        w.str(self.temporary.secret.secret());
        w.str(&self.return_to);
        // A fourth field only for a handoff, so a pending cookie sealed before handoffs
        // existed (three fields) still reads.
        if let Some(challenge) = &self.handoff {
            w.str(challenge);
        }
    }

    fn read(r: &mut Reader<'_>) -> Option<Self> {
        let token = r.str()?;
        let secret = TokenSecret::new(r.str()?);
        let return_to = r.str()?;
        let handoff = if r.0.is_empty() { None } else { Some(r.str()?) };
        Some(Pending {
            temporary: TemporaryCredentials { token, secret },
            return_to,
            handoff,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> TokenCredentials {
        TokenCredentials {
            token: "tok-é".to_owned(),
            secret: TokenSecret::new("s3cr=t&"),
            extra: vec![
                ("user_id".to_owned(), "42".to_owned()),
                ("screen_name".to_owned(), String::new()),
            ],
        }
    }

    fn same(a: &TokenCredentials, b: &TokenCredentials) -> bool {
        a.token == b.token && a.secret.secret() == b.secret.secret() && a.extra == b.extra
    }

    #[test]
    fn a_session_and_a_pending_sign_in_come_back_as_they_went_in() {
        let s = session();
        let back: TokenCredentials = decode(&encode(&s)).unwrap();
        assert!(same(&s, &back));

        let p = Pending {
            temporary: TemporaryCredentials {
                token: "rt".to_owned(),
                secret: TokenSecret::new("rs"),
            },
            return_to: "/after?x=1".to_owned(),
            handoff: None,
        };
        let back: Pending = decode(&encode(&p)).unwrap();
        assert_eq!(back.temporary.token, "rt");
        assert_eq!(back.temporary.secret.secret(), "rs");
        assert_eq!(back.return_to, "/after?x=1");
        assert_eq!(back.handoff, None);
        let p = Pending {
            handoff: Some("c".repeat(43)),
            ..p
        };
        let back: Pending = decode(&encode(&p)).unwrap();
        assert_eq!(back.handoff, Some("c".repeat(43)));
    }

    #[test]
    fn json_sealed_by_an_earlier_release_is_still_read() {
        let s = session();
        let json = serde_json::to_vec(&s).unwrap();
        let back: TokenCredentials = decode(&json).unwrap();
        assert!(same(&s, &back));
    }

    #[test]
    fn truncated_padded_or_unknown_payloads_are_refused() {
        let bytes = encode(&session());
        for cut in 0..bytes.len() {
            assert!(
                decode::<TokenCredentials>(&bytes[..cut]).is_none(),
                "cut at {cut}"
            );
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(decode::<TokenCredentials>(&padded).is_none());
        let mut other_version = bytes;
        other_version[0] = 2;
        assert!(decode::<TokenCredentials>(&other_version).is_none());
        // A count far beyond the bytes that follow.
        assert!(decode::<TokenCredentials>(&[V1, 0, 0, 0, 0, 0xff, 0xff]).is_none());
        // Not UTF-8.
        assert!(decode::<TokenCredentials>(&[V1, 0, 1, 0xff, 0, 0, 0, 0]).is_none());
    }
}
