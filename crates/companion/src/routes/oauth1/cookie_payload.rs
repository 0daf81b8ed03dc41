//! What the two sealed cookies hold, as bytes: a version byte, then length-prefixed fields.
//!
//! ```text
//! 0x01  field*      field = u16 big-endian length, then that many bytes of UTF-8
//! ```
//! A pending sign-in is `token, secret, return_to`. A session is `0x02`, the sign-in time
//! (eight bytes, big-endian Unix seconds), then `token, secret, n, (name, value) × n` (n as a
//! two-byte field count); sessions sealed before sliding expiry are the same fields after
//! `0x01`, without the time, and are read with no sign-in time. The format is private to the companion (the
//! cookie is sealed, so only the companion ever reads it back), and it is read on every
//! signed request: it replaced JSON, whose parse was an eighth of `/sign`'s own work
//! (docs/notes/companion-performance.md).
//!
//! Cookies sealed before the change hold JSON, which starts with `{`: those are still read,
//! so that a deploy signs no one out. Sessions were sealed for seven days then, and for seven
//! days without a sign-in time until sliding expiry: seven days after that release, no JSON
//! or `0x01` session can still be valid and those branches can go (`0x01` stays for pending
//! sign-ins).

use latchkey_proto::oauth1::{TemporaryCredentials, TokenCredentials};
use latchkey_proto::secret::TokenSecret;
use serde::de::DeserializeOwned;

use super::cookies::{Pending, SignedIn};

/// The first byte of the binary form.
const V1: u8 = 1;
/// The first byte of a session with its sign-in time ([`SignedIn`]).
const V2: u8 = 2;

/// A cookie payload: written in the binary form, read in either form.
pub(crate) trait Payload: Sized + DeserializeOwned {
    /// The version byte it is written with.
    const VERSION: u8 = V1;
    /// Appends the fields (after the version byte).
    fn write(&self, out: &mut Writer);
    /// Reads the fields of `version` back; `None` when they do not fit the shape.
    fn read(r: &mut Reader<'_>, version: u8) -> Option<Self>;
}

/// The bytes sealed into the cookie.
pub(crate) fn encode<T: Payload>(payload: &T) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(128));
    w.0.push(T::VERSION);
    payload.write(&mut w);
    w.0
}

/// The payload of an opened cookie, in the binary form or the JSON of earlier releases.
/// `None` when it is neither (a cookie sealed with our key never is).
pub(crate) fn decode<T: Payload>(bytes: &[u8]) -> Option<T> {
    match bytes.split_first() {
        Some((&version @ (V1 | V2), rest)) => {
            let mut r = Reader(rest);
            let value = T::read(&mut r, version)?;
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

    /// A time (Unix seconds).
    fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_be_bytes());
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

    fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_be_bytes(*head))
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

    fn read(r: &mut Reader<'_>, version: u8) -> Option<Self> {
        if version != V1 {
            return None;
        }
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

impl Payload for SignedIn {
    const VERSION: u8 = V2;

    fn write(&self, w: &mut Writer) {
        // Always written: only a session read from an older cookie has none.
        w.u64(self.signed_in_at.unwrap_or(0));
        self.credentials.write(w);
    }

    fn read(r: &mut Reader<'_>, version: u8) -> Option<Self> {
        let signed_in_at = match version {
            V2 => Some(r.u64()?),
            _ => None,
        };
        Some(SignedIn {
            credentials: TokenCredentials::read(r, V1)?,
            signed_in_at,
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

    fn read(r: &mut Reader<'_>, version: u8) -> Option<Self> {
        if version != V1 {
            return None;
        }
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
    fn a_session_keeps_its_sign_in_time_and_an_older_one_reads_without() {
        let s = SignedIn {
            credentials: session(),
            signed_in_at: Some(1_800_000_000),
        };
        let bytes = encode(&s);
        assert_eq!(bytes[0], V2);
        let back: SignedIn = decode(&bytes).unwrap();
        assert!(same(&s.credentials, &back.credentials));
        assert_eq!(back.signed_in_at, Some(1_800_000_000));
        // Sealed by the release before: the same fields, no time.
        let older: SignedIn = decode(&encode(&session())).unwrap();
        assert!(same(&session(), &older.credentials));
        assert_eq!(older.signed_in_at, None);
        let json: SignedIn = decode(&serde_json::to_vec(&session()).unwrap()).unwrap();
        assert_eq!(json.signed_in_at, None);
        // A pending sign-in is never read as a session, nor a session as a pending one.
        assert!(decode::<Pending>(&bytes).is_none());
        for cut in 0..bytes.len() {
            assert!(decode::<SignedIn>(&bytes[..cut]).is_none(), "cut at {cut}");
        }
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
        other_version[0] = 3;
        assert!(decode::<TokenCredentials>(&other_version).is_none());
        // A count far beyond the bytes that follow.
        assert!(decode::<TokenCredentials>(&[V1, 0, 0, 0, 0, 0xff, 0xff]).is_none());
        // Not UTF-8.
        assert!(decode::<TokenCredentials>(&[V1, 0, 1, 0xff, 0, 0, 0, 0]).is_none());
    }
}
