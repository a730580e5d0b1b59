"""Azure Blob Storage as a source (`azure-blob`) and a target (`azure-blob-completions`), with
azure-storage-blob (the `[azure]` extra). The storage `path` is the container name.

Credentials, the first found: the `connection_string` param, the `account_name` and
`account_key` params, `AZURE_STORAGE_CONNECTION_STRING`, then the legacy
`AZURE_BLOB_ACCOUNT_NAME` and `AZURE_BLOB_ACCOUNT_KEY` (https://<name>.blob.core.windows.net).
"""
import datetime
import os
from types import SimpleNamespace

from .base import Client, ObjectInfo, StorageError, StorageUnavailable, lazy_sdk
from .forms import CLOUD_SOURCE, LOCAL_COPY, PATH, StorageType, prefix_field

CONNECTION = {"connection_timeout": 3, "read_timeout": 15}  # seconds
ENV_CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING"
ENV_ACCOUNT_NAME, ENV_ACCOUNT_KEY = "AZURE_BLOB_ACCOUNT_NAME", "AZURE_BLOB_ACCOUNT_KEY"


@lazy_sdk("azure-blob", "azure", "azure-storage-blob")
def _sdk():
    from azure.core import exceptions as errors
    from azure.storage.blob import (BlobSasPermissions, ContainerClient, ContentSettings,
                                    LinearRetry, generate_blob_sas)
    unreachable = (errors.ServiceRequestError, errors.ServiceResponseError,
                   errors.IncompleteReadError)
    return SimpleNamespace(
        BlobSasPermissions=BlobSasPermissions, ContainerClient=ContainerClient,
        ContentSettings=ContentSettings, LinearRetry=LinearRetry,
        generate_blob_sas=generate_blob_sas, errors=errors, UNREACHABLE=unreachable)


class AzureBlobClient(Client):
    scheme = "azure-blob"
    can_sign = True

    def __init__(self, path, params):
        _sdk()  # MissingExtra first when the SDK is not installed
        super().__init__(path, params)
        self._account_key = None  # for SAS tokens
        self._container = self._open(params)

    def _open(self, params):
        sdk = _sdk()
        # fail fast: the SDK's default retries wait 15 s and more
        options = dict(CONNECTION, retry_policy=sdk.LinearRetry(backoff=1, retry_total=2,
                                                                random_jitter_range=0.5))
        connection_string = params.get("connection_string")
        name, key = params.get("account_name"), params.get("account_key")
        if not connection_string and not (name and key):
            connection_string = os.environ.get(ENV_CONNECTION_STRING)
            name, key = os.environ.get(ENV_ACCOUNT_NAME), os.environ.get(ENV_ACCOUNT_KEY)
        if connection_string:
            return self._from_connection_string(connection_string, options)
        if name and key:
            self._account_key = key
            return sdk.ContainerClient(f"https://{name}.blob.core.windows.net", self.path,
                                       credential={"account_name": name, "account_key": key},
                                       **options)
        raise StorageError(f"{self.location}: no Azure credentials: set "
                           f"{ENV_CONNECTION_STRING}, or {ENV_ACCOUNT_NAME} and "
                           f"{ENV_ACCOUNT_KEY}, or give the connection_string param")

    def _from_connection_string(self, connection_string, options):
        self._account_key = _connection_string_fields(connection_string).get("AccountKey")
        try:
            return _sdk().ContainerClient.from_connection_string(connection_string, self.path,
                                                                 **options)
        except ValueError:  # its message may quote the string: not repeated
            raise StorageError(f"{self.location}: the Azure connection string is "
                               f"malformed") from None

    def _call(self, what, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except _sdk().errors.AzureError as exc:
            raise self._wrap(what, exc) from None

    def _wrap(self, what, exc):
        """The StorageError or StorageUnavailable for an SDK exception."""
        status = getattr(exc, "status_code", None) or 0
        if isinstance(exc, _sdk().UNREACHABLE) or status >= 500:
            return StorageUnavailable(f"{self.location}: {what} failed, the server did not "
                                      f"answer ({_reason(exc)})")
        return StorageError(f"{self.location}: {what} failed ({_reason(exc)})")

    def check(self):
        self._call("opening the container", self._container.get_container_properties)

    def list(self, prefix, after=None):
        try:
            for blob in self._container.list_blobs(name_starts_with=prefix or None):
                if not blob.name.endswith("/"):  # a "folder" placeholder
                    yield ObjectInfo(blob.name, blob.etag or "")
        except _sdk().errors.AzureError as exc:  # pages are fetched while iterating
            raise self._wrap("listing", exc) from None

    def read(self, key):
        try:
            return self._container.download_blob(key).readall()
        except _sdk().errors.AzureError as exc:
            if _is_missing_blob(exc):
                return None
            raise self._wrap(f'reading "{key}"', exc) from None

    def write(self, key, data):
        self._call(f'writing "{key}"', self._container.upload_blob, key, data, overwrite=True,
                   content_settings=_sdk().ContentSettings(content_type="application/json"))

    def delete(self, key):
        try:
            self._container.delete_blob(key)
        except _sdk().errors.AzureError as exc:
            if not _is_missing_blob(exc):
                raise self._wrap(f'deleting "{key}"', exc) from None

    def sign(self, key, ttl):
        # a SAS token computed locally from the account key: no request
        if not self._account_key:
            raise StorageError(f"{self.location}: signed URLs need the storage account key "
                               f"(AccountKey in the connection string, or account_key)")
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ttl)
        sdk = _sdk()
        try:
            token = sdk.generate_blob_sas(self._container.account_name, self.path, key,
                                          account_key=self._account_key,
                                          permission=sdk.BlobSasPermissions(read=True),
                                          expiry=expiry)
        except ValueError:  # not base64
            raise StorageError(f"{self.location}: the storage account key is "
                               f"malformed") from None
        return f"{self._container.get_blob_client(key).url}?{token}"

    def close(self):
        self._container.close()


def _connection_string_fields(connection_string):
    """{"AccountName": …, "AccountKey": …, …} of `Name=value;Name=value`."""
    pairs = (part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def _is_missing_blob(exc):
    """A 404 for the blob, not for its container."""
    return (isinstance(exc, _sdk().errors.ResourceNotFoundError)
            and _code(exc) == "BlobNotFound")


def _code(exc):
    code = getattr(exc, "error_code", None)
    return getattr(code, "value", code)  # a StorageErrorCode enum or a plain string


def _reason(exc):
    """A short reason, without the server's full answer: its status and error code, or the
    exception type."""
    status = getattr(exc, "status_code", None)
    parts = [str(part) for part in (status, _code(exc)) if part]
    return " ".join(parts) or type(exc).__name__


SOURCE = StorageType("azure-blob", "source", "Azure Blob Storage", CLOUD_SOURCE,
                     client=AzureBlobClient)
TARGET = StorageType("azure-blob-completions", "target", "Azure Blob Storage",
                     (PATH, prefix_field("Azure Blob prefix"), LOCAL_COPY), client=AzureBlobClient)
