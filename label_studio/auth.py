"""Who may talk to the server: HTTP Basic with the project's password (legacy), or
`Authorization: Token <token>` with the project's API token (for scripts, so they need not
hold the password). Either one configured turns checking on; none leaves the server open,
as legacy did, for a server that listens on 127.0.0.1 only by default."""
import base64
import binascii
import hmac
import secrets

from flask import Response, request

DEFAULT_USERNAME = "ls"


def new_token():
    return secrets.token_hex(20)


def install_auth(app, options, settings_of):
    """`settings_of()` gives the Settings of the project being served."""
    @app.before_request
    def require_credentials():
        settings = settings_of()
        password = options.password or settings.password
        token = settings.api_token
        if not password and not token:
            return None
        header = request.headers.get("Authorization", "")
        username = options.username or settings.username or DEFAULT_USERNAME
        if password and _basic_matches(header, username, password):
            return None
        if token and _token_matches(header, token):
            return None
        challenge = 'Basic realm="Login Required"' if password else "Token"
        return Response("Could not verify your access level for that URL.\n"
                        "You have to login with proper credentials", status=401,
                        headers={"WWW-Authenticate": challenge})


def _basic_matches(header, username, password):
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given_user, _, given_password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return (hmac.compare_digest(given_user.encode(), username.encode())
            & hmac.compare_digest(given_password.encode(), password.encode()))


def _token_matches(header, token):
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "token" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())
