"""Which browser requests get CORS headers: the token endpoint refuses confidential clients.

GitHub's and X's token endpoints send no CORS headers, so a browser can never read their
answer; the fixture reproduces that for its confidential client `conf-demo` while the public
`spa-demo` keeps working from the browser. `CORS_URLS_REGEX` leaves the token and revocation
endpoints out, and the receiver below re-enables CORS there for every request that does not
name a confidential client (in the form body, as a browser would send it, or in a Basic
`Authorization` header). A preflight has no body, so it is answered; the POST that follows
then comes back without `Access-Control-Allow-Origin` and the browser refuses to read it,
which is what a browser sees at GitHub.
"""

import base64
import binascii
from urllib.parse import unquote_plus

from django.dispatch import receiver
from oauth2_provider.models import get_application_model

from corsheaders.signals import check_request_enabled

# The endpoints that answer no browser on behalf of a confidential client.
TOKEN_PATHS = ("/o/token/", "/o/revoke_token/")


def _basic_client_id(request):
    """The client_id of an `Authorization: Basic` header (RFC 6749 section 2.3.1), or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, _ = decoded.partition(":")
    return unquote_plus(client_id) if sep else None


def _names_confidential_client(request):
    client_id = _basic_client_id(request)
    if client_id is None and request.method == "POST":
        client_id = request.POST.get("client_id")
    if not client_id:
        return False
    Application = get_application_model()
    return Application.objects.filter(
        client_id=client_id, client_type=Application.CLIENT_CONFIDENTIAL
    ).exists()


@receiver(check_request_enabled)
def cors_for_browser_token_requests(sender, request, **kwargs):
    if request.path_info not in TOKEN_PATHS:
        return False
    return not _names_confidential_client(request)
