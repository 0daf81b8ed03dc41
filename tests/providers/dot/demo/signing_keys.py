"""The fixture's OIDC signing keys, in its data dir: the active one (`oidc-rs256.pem`) and the
retired ones (`oidc-rs256-retired-N.pem`), which DOT still publishes in its key set
(`OIDC_RSA_PRIVATE_KEYS_INACTIVE`) but no longer signs with.
"""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def active(data_dir):
    return data_dir / "oidc-rs256.pem"


def retired(data_dir):
    """The retired keys' files, oldest first."""
    files = data_dir.glob("oidc-rs256-retired-*.pem")
    return sorted(files, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


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
