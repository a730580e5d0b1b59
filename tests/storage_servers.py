"""Real storage servers on 127.0.0.1 for the storage tests: moto's S3 server,
gcp-storage-emulator, Azurite and redis-server, each started on a free port (no SDK mocks).

`.ci/run` installs them; a test skips, naming what is missing, only when one is not installed.
Each server hands out the environment a client needs (`env`) and can be killed and started
again on the same port, for the tests of a storage that goes away.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, in Azure's docs); it guards nothing real
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")
START_TIMEOUT = 60.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _which(*names):
    for name in names:
        if os.path.isabs(name) and os.access(name, os.X_OK):
            return name
        found = shutil.which(name)
        if found:
            return found
    return None


class StorageServer:
    """One server process; `command(port, workdir)` gives its argv."""

    kind = ""

    def __init__(self):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix=f"ls-{self.kind}-")
        self.process = None
        self.log = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(os.path.join(self.workdir, "server.log"), "ab")
        self.process = subprocess.Popen(self.command(), stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=self.workdir, start_new_session=True)
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited: {self.output()}")
            if self.ready():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} server did not start: {self.output()}")

    def output(self):
        with open(os.path.join(self.workdir, "server.log"), "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def ready(self):
        try:
            requests.get(self.url, timeout=1)
            return True
        except requests.RequestException:
            return False

    def kill(self):
        """Gone at once, as a crash or a pulled cable: no goodbye to clients."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.log:
            self.log.close()

    def stop(self):
        """Killed, and its folder (data, log) removed: a test run leaves nothing in /tmp."""
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def restart(self):
        self.kill()
        return self.start()


class S3Server(StorageServer):
    kind = "s3"
    env = property(lambda self: {"S3_ENDPOINT": self.url, "AWS_ACCESS_KEY_ID": "testing",
                                 "AWS_SECRET_ACCESS_KEY": "testing-secret",
                                 "AWS_DEFAULT_REGION": "us-east-1"})

    def command(self):
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def make_bucket(self, name):
        import boto3
        client = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing-secret")
        client.create_bucket(Bucket=name)
        return client


class GCSServer(StorageServer):
    kind = "gcs"
    env = property(lambda self: {"STORAGE_EMULATOR_HOST": self.url,
                                 "GOOGLE_CLOUD_PROJECT": "test-project"})

    def command(self):
        exe = _which("gcp-storage-emulator")
        return [exe, "start", "--host", "127.0.0.1", "--port", str(self.port), "--in-memory"]


class AzureServer(StorageServer):
    kind = "azure"

    @property
    def connection_string(self):
        return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
                f"AccountKey={AZURITE_KEY};BlobEndpoint={self.url}/{AZURITE_ACCOUNT};")

    env = property(lambda self: {"AZURE_STORAGE_CONNECTION_STRING": self.connection_string})

    def command(self):
        return [azurite_command(), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
                "--disableTelemetry"]


class RedisServer(StorageServer):
    kind = "redis"
    env = property(lambda self: {})

    def __init__(self, password=None):
        self.password = password  # given: the server requires it (--requirepass)
        super().__init__()

    def command(self):
        auth = ["--requirepass", self.password] if self.password else []
        return [_which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.workdir, *auth]

    def ready(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False


def azurite_command():
    return _which(os.environ.get("AZURITE_BLOB", ""),
                  os.path.join(REPO, ".ci", "node", "node_modules", ".bin", "azurite-blob"),
                  "azurite-blob")


def _missing(kind):
    """Why `kind` cannot run here, or None."""
    needs = {
        "s3": [("moto.server", "moto[server]"), ("boto3", "boto3")],
        "gcs": [("gcp_storage_emulator", "gcp-storage-emulator"),
                ("google.cloud.storage", "google-cloud-storage")],
        "azure": [("azure.storage.blob", "azure-storage-blob")],
        "redis": [("redis", "redis")],
    }[kind]
    for module, package in needs:
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed (pip install -e '.[test]')"
    if kind == "gcs" and not _which("gcp-storage-emulator"):
        return "gcp-storage-emulator is not on PATH"
    if kind == "azure" and not azurite_command():
        return "Azurite is not installed (bash .ci/run installs it with npm)"
    if kind == "redis" and not _which("redis-server"):
        return "redis-server is not installed (apt-get install redis-server)"
    return None


SERVERS = {"s3": S3Server, "gcs": GCSServer, "azure": AzureServer, "redis": RedisServer}


def start_server(kind, **options):
    """A fresh server of `kind`, or a skip naming what is not installed."""
    reason = _missing(kind)
    if reason:
        pytest.skip(reason)
    return SERVERS[kind](**options).start()
