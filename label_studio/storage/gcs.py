"""Google Cloud Storage as a source (`gcs`) and a target (`gcs-completions`), with
google-cloud-storage (the `[gcs]` extra).

Credentials come from the `google_application_credentials` param (a service account JSON key
file) or Google's default chain (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud, the GCE metadata
server). `STORAGE_EMULATOR_HOST` (http://host:port) points it at an emulator: the SDK then
uses anonymous credentials by itself, and signed URLs are signed with a throwaway key.
"""
import datetime
import functools
import os
from types import SimpleNamespace

from .base import Client, ObjectInfo, StorageError, StorageUnavailable, lazy_sdk
from .forms import CLOUD_SOURCE, LOCAL_COPY, PATH, StorageType, prefix_field

TIMEOUT = (3, 15)  # (connect, read) seconds
MAX_SIGNED_TTL = 7 * 24 * 3600  # V4 signed URLs live a week at most
KEY_FILE_PARAM = "google_application_credentials"


@lazy_sdk("gcs", "gcs", "google-cloud-storage")
def _sdk():
    import google.auth.credentials
    import requests
    from google.api_core import exceptions as api_errors
    from google.auth import exceptions as auth_errors
    from google.cloud import storage
    from google.cloud.storage.retry import DEFAULT_RETRY
    from google.oauth2 import service_account
    # DataCorruption: a download whose checksum does not match (google-resumable-media)
    from google.resumable_media import DataCorruption
    unreachable = (api_errors.RetryError, api_errors.ServerError,
                   api_errors.TooManyRequests, auth_errors.TransportError,
                   requests.ConnectionError, requests.Timeout,
                   requests.exceptions.ChunkedEncodingError)
    return SimpleNamespace(
        storage=storage, service_account=service_account, api_errors=api_errors,
        auth_errors=auth_errors, Signing=google.auth.credentials.Signing,
        # retried (connection errors, 429, 5xx) for at most ~5 s, then RetryError
        RETRY=DEFAULT_RETRY.with_deadline(5.0).with_delay(initial=0.5, maximum=2.0),
        UNREACHABLE=unreachable,
        SDK_ERRORS=unreachable + (api_errors.GoogleAPICallError, auth_errors.GoogleAuthError,
                                  DataCorruption))


class NotFound(StorageError):
    """No such bucket or object: GCS answers the same 404 to a download of either."""


class GCSClient(Client):
    scheme = "gs"
    can_sign = True
    can_list_after = True

    def __init__(self, path, params):
        _sdk()  # MissingExtra first when the SDK is not installed
        super().__init__(path, params)
        self._emulator = bool(os.environ.get("STORAGE_EMULATOR_HOST"))
        self._gcs = self._open(params)
        self._bucket = self._gcs.bucket(path)

    def _open(self, params):
        # no project needed: only bucket and object calls are made
        project = params.get("project") or None
        sdk = _sdk()
        try:
            credentials = self._key_file_credentials(params.get(KEY_FILE_PARAM))
            return sdk.storage.Client(project=project, credentials=credentials)
        except sdk.auth_errors.DefaultCredentialsError:
            raise StorageError(f"{self.location}: no Google Cloud credentials found: set "
                               f"GOOGLE_APPLICATION_CREDENTIALS to a service account key file "
                               f"or give the {KEY_FILE_PARAM} param") from None

    def _key_file_credentials(self, key_file):
        if not key_file:
            return None
        try:
            return _sdk().service_account.Credentials.from_service_account_file(key_file)
        except (OSError, ValueError, KeyError) as exc:
            # the error names a missing field or the OS reason, never the key itself
            reason = exc.strerror if isinstance(exc, OSError) else type(exc).__name__
            raise StorageError(f'{self.location}: cannot use the key file "{key_file}" as a '
                               f"service account key ({reason})") from None

    def _call(self, what, method, *args, **kwargs):
        sdk = _sdk()
        try:
            return method(*args, timeout=TIMEOUT, retry=sdk.RETRY, **kwargs)
        except sdk.SDK_ERRORS as exc:
            raise self._wrap(what, exc) from None

    def _wrap(self, what, exc):
        """The StorageError or StorageUnavailable for an SDK exception."""
        sdk = _sdk()
        if isinstance(exc, sdk.UNREACHABLE):
            return StorageUnavailable(f"{self.location}: {what} failed, the server did not "
                                      f"answer ({_reason(exc)})")
        if isinstance(exc, sdk.api_errors.NotFound):
            return NotFound(f"{self.location}: {what} failed, no such bucket or object")
        return StorageError(f"{self.location}: {what} failed ({_reason(exc)})")

    def check(self):
        self._call("opening the bucket", self._gcs.get_bucket, self.path)

    def list(self, prefix, after=None):
        extra = {"start_offset": after} if after else {}
        pages = self._call("listing", self._gcs.list_blobs, self._bucket, prefix=prefix or None,
                           **extra)
        try:
            for blob in pages:
                if after and blob.name <= after:  # inclusive, and not every server honours it
                    continue
                if not blob.name.endswith("/"):  # a "folder" placeholder
                    yield ObjectInfo(blob.name, str(blob.generation or blob.etag or ""))
        except _sdk().SDK_ERRORS as exc:  # the pages after the first are fetched while iterating
            raise self._wrap("listing", exc) from None

    def read(self, key):
        try:
            return self._call(f'reading "{key}"', self._bucket.blob(key).download_as_bytes)
        except NotFound:
            return None

    def write(self, key, data):
        self._call(f'writing "{key}"', self._bucket.blob(key).upload_from_string, data,
                   content_type="application/json")

    def delete(self, key):
        try:
            self._call(f'deleting "{key}"', self._bucket.delete_blob, key)
        except NotFound:
            pass

    def sign(self, key, ttl):
        # computed locally from a private key: no request; the URL points at the client's
        # endpoint, the emulator's when there is one
        expiration = datetime.timedelta(seconds=min(int(ttl), MAX_SIGNED_TTL))
        credentials = self._signing_credentials()
        try:
            return self._bucket.blob(key).generate_signed_url(
                version="v4", expiration=expiration, method="GET", credentials=credentials)
        except _sdk().SDK_ERRORS as exc:  # credentials that sign through the IAM API
            raise self._wrap(f'signing "{key}"', exc) from None

    def _signing_credentials(self):
        credentials = self._gcs._credentials  # the SDK's own pick, anonymous for an emulator
        if isinstance(credentials, _sdk().Signing):
            return credentials
        if self._emulator:
            return _throwaway_credentials()
        raise StorageError(f"{self.location}: signed URLs need a service account key (these "
                           f"credentials hold no private key): set "
                           f"GOOGLE_APPLICATION_CREDENTIALS to a service account key file")

    def close(self):
        self._gcs.close()


def _reason(exc):
    """A short reason: the HTTP status and error class, or the exception type."""
    api_errors = _sdk().api_errors
    if isinstance(exc, api_errors.RetryError) and exc.cause is not None:
        return f"gave up retrying: {_reason(exc.cause)}"
    if isinstance(exc, api_errors.GoogleAPICallError) and exc.code:
        return f"{int(exc.code)} {type(exc).__name__}"
    return type(exc).__name__


@functools.lru_cache(maxsize=1)
def _throwaway_credentials():
    """A service account with a key made up in this process, for the emulator, which checks
    no signature but needs a well-formed signed URL."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.auth.crypt import RSASigner

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return _sdk().service_account.Credentials(RSASigner.from_string(pem), "emulator@localhost",
                                              "http://localhost/token")


SOURCE = StorageType("gcs", "source", "Google Cloud Storage", CLOUD_SOURCE, client=GCSClient)
TARGET = StorageType("gcs-completions", "target", "Google Cloud Storage",
                     (PATH, prefix_field("GCS Bucket prefix"), LOCAL_COPY), client=GCSClient)
