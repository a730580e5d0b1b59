"""What only the GCS and Azure clients do: where their credentials come from, what they say
when there are none or bad ones (never the secret), and signing. Real servers and SDKs only
(gcp-storage-emulator, Azurite)."""
import base64
import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import requests

from label_studio.storage.base import StorageError
from storage_servers import AZURITE_ACCOUNT, AZURITE_KEY

AZURE_ENV = ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_BLOB_ACCOUNT_NAME",
             "AZURE_BLOB_ACCOUNT_KEY")
GCS_ENV = ("STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def name():
    return f"bucket-{uuid.uuid4().hex[:12]}"


def clear_env(monkeypatch, names):
    for env_name in names:
        monkeypatch.delenv(env_name, raising=False)


# ------------------------------------------------------------------ Azure

@pytest.fixture
def azure(azure_server, monkeypatch):
    """A fresh container, and no Azure credentials in the environment."""
    from azure.storage.blob import BlobServiceClient
    clear_env(monkeypatch, AZURE_ENV)
    container = name()
    BlobServiceClient.from_connection_string(azure_server.connection_string) \
        .create_container(container)
    return azure_server, container


def azure_client(path, **params):
    from label_studio.storage.azure_blob import AzureBlobClient
    return AzureBlobClient(path, params)


def test_azure_connection_string_param(azure):
    server, container = azure
    client = azure_client(container, connection_string=server.connection_string)
    client.check()
    client.write("a.json", b"{}")
    assert client.read("a.json") == b"{}"
    assert client.uri("a.json") == f"azure-blob://{container}/a.json"


def test_azure_without_credentials_names_the_env_vars(monkeypatch):
    clear_env(monkeypatch, AZURE_ENV)
    with pytest.raises(StorageError) as caught:
        azure_client("box")
    message = str(caught.value.detail)
    assert "azure-blob://box" in message
    assert all(env_name in message for env_name in AZURE_ENV)


def test_azure_account_name_and_key_sign_for_the_account(azure, monkeypatch):
    """Name and key (params or the legacy env) give https://<name>.blob.core.windows.net;
    its SAS, made from the key alone, is the one Azurite accepts for the same account."""
    server, container = azure
    writer = azure_client(container, connection_string=server.connection_string)
    writer.write("media/a b.jpg", b"picture")
    monkeypatch.setenv("AZURE_BLOB_ACCOUNT_NAME", AZURITE_ACCOUNT)
    monkeypatch.setenv("AZURE_BLOB_ACCOUNT_KEY", AZURITE_KEY)
    for client in (azure_client(container),
                   azure_client(container, account_name=AZURITE_ACCOUNT,
                                account_key=AZURITE_KEY)):
        url = client.sign("media/a b.jpg", 600)
        cloud = f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/{container}/media/a%20b.jpg?"
        assert url.startswith(cloud) and "sig=" in url and "sp=r" in url
        local = url.replace(f"https://{AZURITE_ACCOUNT}.blob.core.windows.net",
                            f"{server.url}/{AZURITE_ACCOUNT}")
        answer = requests.get(local, timeout=10)
        assert answer.status_code == 200 and answer.content == b"picture"


def test_azure_params_win_over_the_environment(azure, monkeypatch):
    server, container = azure
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "garbage")
    client = azure_client(container, connection_string=server.connection_string)
    client.check()


def test_azure_bad_credentials_are_storage_errors_without_the_secret(azure):
    server, container = azure
    wrong_key = base64.b64encode(b"not the key, but the same length" * 2).decode()
    wrong = server.connection_string.replace(AZURITE_KEY, wrong_key)
    malformed = f"AccountKey={AZURITE_KEY};nonsense"
    not_base64 = server.connection_string.replace(AZURITE_KEY, "secret!!not-base64")
    failures = [lambda: azure_client(container, connection_string=wrong).check(),
                lambda: azure_client(container, connection_string=malformed),
                lambda: azure_client(container, connection_string=not_base64).check(),
                lambda: azure_client(container, connection_string=not_base64).sign("k", 60)]
    for fail in failures:
        with pytest.raises(StorageError) as caught:
            fail()
        message = str(caught.value.detail)
        assert f"azure-blob://{container}" in message
        for secret in (wrong_key, AZURITE_KEY[:10], "secret!!", "AccountKey"):
            assert secret not in message


def test_azure_a_missing_container_is_an_error_a_missing_blob_is_not(azure):
    server, container = azure
    present = azure_client(container, connection_string=server.connection_string)
    assert present.read("nope") is None
    present.delete("nope")
    absent = azure_client(name(), connection_string=server.connection_string)
    for act in (absent.check, lambda: absent.read("k"), lambda: absent.delete("k"),
                lambda: list(absent.list(""))):
        with pytest.raises(StorageError, match="ContainerNotFound"):
            act()


def test_azure_folder_placeholders_are_not_listed(azure):
    server, container = azure
    client = azure_client(container, connection_string=server.connection_string)
    client.write("dir/", b"")
    client.write("dir/x.json", b"{}")
    assert [item.key for item in client.list("dir")] == ["dir/x.json"]


def test_azure_signing_needs_an_account_key(azure):
    server, container = azure
    sas_only = f"BlobEndpoint={server.url}/{AZURITE_ACCOUNT};SharedAccessSignature=sv=x&sig=y"
    with pytest.raises(StorageError, match="account key"):
        azure_client(container, connection_string=sas_only).sign("k", 60)


# ------------------------------------------------------------------ GCS

@pytest.fixture
def key_file(tmp_path):
    """A service account key file with a key made up here (no Google account behind it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "key.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "1",
        "private_key": pem, "client_email": "signer@p.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    return str(path)


def gcs_client(path, **params):
    from label_studio.storage.gcs import GCSClient
    return GCSClient(path, params)


def test_gcs_signs_with_the_key_file_param(key_file, monkeypatch):
    clear_env(monkeypatch, GCS_ENV)
    url = gcs_client("photos", google_application_credentials=key_file).sign("a b.jpg", 600)
    assert url.startswith("https://storage.googleapis.com/photos/a%20b.jpg?")
    assert "X-Goog-Algorithm=GOOG4-RSA-SHA256" in url
    assert "signer%40p.iam.gserviceaccount.com" in url


def test_gcs_a_bad_key_file_is_a_storage_error_without_the_key(key_file, tmp_path, monkeypatch):
    clear_env(monkeypatch, GCS_ENV)
    broken = tmp_path / "broken.json"
    broken.write_text(open(key_file).read().replace("client_email", "email"))
    for path in (str(tmp_path / "missing.json"), str(broken)):
        with pytest.raises(StorageError) as caught:
            gcs_client("photos", google_application_credentials=path)
        message = str(caught.value.detail)
        assert path in message and "gs://photos" in message
        assert "PRIVATE KEY" not in message


def test_gcs_signing_without_a_private_key_is_a_storage_error(tmp_path, monkeypatch):
    """Credentials of a user (gcloud auth application-default login) hold no private key."""
    clear_env(monkeypatch, GCS_ENV)
    user = tmp_path / "user.json"
    user.write_text(json.dumps({"type": "authorized_user", "client_id": "id",
                                "client_secret": "the-client-secret",
                                "refresh_token": "the-refresh-token"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(user))
    with pytest.raises(StorageError) as caught:
        gcs_client("photos").sign("a.jpg", 60)
    message = str(caught.value.detail)
    assert "service account" in message and "gs://photos" in message
    assert "the-client-secret" not in message and "the-refresh-token" not in message


def test_gcs_without_credentials_names_the_env_var(tmp_path):
    # a fresh process: google-auth reads NO_GCE_CHECK (skip the metadata server) at import
    env = {k: v for k, v in os.environ.items() if k not in GCS_ENV}
    env.update(NO_GCE_CHECK="true", CLOUDSDK_CONFIG=str(tmp_path), PYTHONPATH=REPO)
    code = textwrap.dedent("""
        from label_studio.storage.base import StorageError
        from label_studio.storage.gcs import GCSClient
        try:
            GCSClient("photos", {})
        except StorageError as exc:
            print(exc.detail)
    """)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert "gs://photos" in done.stdout and "GOOGLE_APPLICATION_CREDENTIALS" in done.stdout, \
        done.stdout + done.stderr


def test_gcs_folder_placeholders_are_not_listed(gcs_server, monkeypatch):
    from google.cloud import storage
    for env_name, value in gcs_server.env.items():
        monkeypatch.setenv(env_name, value)
    bucket = name()
    storage.Client().create_bucket(bucket)
    client = gcs_client(bucket)
    client.write("dir/", b"")
    client.write("dir/x.json", b"{}")
    assert [item.key for item in client.list("dir")] == ["dir/x.json"]
    assert client.uri("dir/x.json") == f"gs://{bucket}/dir/x.json"
