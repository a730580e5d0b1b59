"""Typed errors raised by the domain; server.py maps them to HTTP answers."""


class LabelStudioError(Exception):
    status = 500

    def __init__(self, detail, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationError(LabelStudioError):
    """Bad input: 400."""

    status = 400


class NotFound(LabelStudioError):
    status = 404


class Forbidden(LabelStudioError):
    status = 403


class Conflict(LabelStudioError):
    status = 409


class Unprocessable(LabelStudioError):
    status = 422


class PayloadTooLarge(LabelStudioError):
    status = 413


class BadGateway(LabelStudioError):
    status = 502
