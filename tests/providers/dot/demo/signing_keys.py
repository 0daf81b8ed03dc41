"""The fixture's OIDC signing keys, in its data dir: the active one (`oidc-rs256.pem`) and the
retired ones (`oidc-rs256-retired-N.pem`), which DOT still publishes in its key set
(`OIDC_RSA_PRIVATE_KEYS_INACTIVE`) but no longer signs with.
"""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def active(data_dir):
    return data_dir / "oidc-rs256.pem"


def _number(path):
    return int(path.stem.rsplit("-", 1)[1])


def retired(data_dir):
    """The retired keys' files, oldest first."""
    return sorted(data_dir.glob("oidc-rs256-retired-*.pem"), key=_number)


def write_new(path):
    """A new 2048-bit RSA key as PKCS#8 PEM at `path`, readable by its owner only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)


def rotate(data_dir):
    """Retires the active key (it stays in the key set) and makes a new one; returns the
    retired key's number. The active key must exist."""
    previous = retired(data_dir)
    n = _number(previous[-1]) + 1 if previous else 1
    active(data_dir).rename(data_dir / f"oidc-rs256-retired-{n}.pem")
    write_new(active(data_dir))
    return n
