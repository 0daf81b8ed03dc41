"""The provider's own pages: the protected API, a health check and a home page."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core


def _bearer_error(status, error, description):
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    # RFC 6750 section 3: tell the client which of the two went wrong.
    response["WWW-Authenticate"] = f'Bearer realm="api", error="{error}", error_description="{description}"'
    return response


@csrf_exempt
@login_not_required
def me(request):
    """GET /api/me with a bearer token carrying scope `read`: the token's user as JSON."""
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": "method_not_allowed"}, status=405)
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=["read"])
    if not valid:
        token = getattr(oauth_request, "access_token", None) if oauth_request else None
        if token is not None and not token.is_expired():
            return _bearer_error(403, "insufficient_scope", "this API needs scope read")
        return _bearer_error(401, "invalid_token", "missing, unknown, expired or revoked access token")
    user = oauth_request.user
    token = oauth_request.access_token
    return JsonResponse(
        {
            "username": user.username,
            "name": user.get_full_name() or user.username,
            "email": user.email,
            "scope": token.scope,
            "client_id": token.application.client_id if token.application else None,
        }
    )


@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    name = request.user.username if request.user.is_authenticated else "nobody"
    return HttpResponse(
        "<!doctype html><title>DOT fixture</title>"
        f"<p>Django OAuth Toolkit fixture; signed in: {name}</p>",
    )
