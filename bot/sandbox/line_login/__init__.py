"""A fake of LINE Login (OpenID Connect) for sandbox mode and tests: the authorize page where a
sandbox persona is picked, the token and verify endpoints, ID tokens signed as LINE signs them.

    login = LoginFake()            # served by the fake LINE under /oauth2/v2.1/…
    login.add_channel("2000000000", "secret")
"""

from .fake import ISSUER, LoginFake, LoginPersona

__all__ = ["ISSUER", "LoginFake", "LoginPersona"]
