"""The toolkit's validator plus what the fixture needs.

- Claims for the ID token and userinfo: the app shows `name` / `preferred_username`.
- `prompt=none`: the stock validator leaves oauthlib's silent-login hooks unimplemented, so
  DOT answers any such request with HTTP 500. The validator cannot see the Django session
  (DOT calls it for signed-out users too), and this fixture always asks for consent, so a
  silent sign-in can never succeed here: every `prompt=none` request gets
  `error=login_required` on its redirect URI (OIDC Core section 3.1.2.6).
"""

from oauth2_provider.oauth2_validators import OAuth2Validator


class DemoValidator(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {
            "name": user.get_full_name() or user.username,
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": bool(user.email),
        }

    def validate_silent_login(self, request):
        return False

    def validate_silent_authorization(self, request):
        return False
