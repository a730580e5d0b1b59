"""Downloading an import file from an http(s) URL, with the guards a server needs.

Only http and https; TLS certificates are verified; the host is resolved once, every address
must be public unless private ones are allowed (so a request cannot make the server read its
own admin ports or the cloud metadata service), and the connection goes to the address that
was checked, so a second DNS answer cannot swap it. Redirects are followed a few times and
checked again. The download stops at the size limit and at the time limit.
"""
import http.client
import ipaddress
import mimetypes
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from .file_formats import ARCHIVE_EXTENSIONS, HYPERTEXT_EXTENSIONS, TABLE_DELIMITERS, \
    TASK_LIST_EXTENSIONS, TEXT_EXTENSIONS, extension
from .limits import ImportLimits

MAX_REDIRECTS = 5
CHUNK = 256 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "label-studio-import"
EXTENSION_BY_TYPE = {
    "application/json": ".json",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/zip": ".zip",
}
PARSED_EXTENSIONS = (TASK_LIST_EXTENSIONS | set(TABLE_DELIMITERS) | TEXT_EXTENSIONS
                     | HYPERTEXT_EXTENSIONS | ARCHIVE_EXTENSIONS)


class FetchError(Exception):
    """The URL was refused or could not be read; the message says which and why."""


@dataclass
class Download:
    name: str            # file name that decides the format
    data: bytes


def fetch(url, limits: ImportLimits):
    deadline = time.monotonic() + limits.url_timeout
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response, connection = _open(current, limits, deadline)
        try:
            location = response.getheader("Location")
            if response.status in REDIRECTS and location:
                try:
                    current = urljoin(current, location)
                except ValueError:
                    raise FetchError(f"Could not import from {url}: the server redirected to "
                                     "an invalid URL") from None
                continue
            if response.status != 200:
                raise FetchError(f"Could not import from {url}: the server answered HTTP "
                                 f"{response.status}")
            data = _read_capped(response, connection, url, limits, deadline)
            return Download(_file_name(current, response.getheader("Content-Type")), data)
        finally:
            connection.close()
    raise FetchError(f"Could not import from {url}: more than {MAX_REDIRECTS} redirects")


def _open(url, limits, deadline):
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed [IPv6] host, say
        raise FetchError(f"Refused to import from {url}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"Refused to import from {url}: only http and https URLs are allowed")
    if not parts.hostname:
        raise FetchError(f"Refused to import from {url}: the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"Refused to import from {url}: bad port") from None
    addresses = _checked_addresses(url, parts.hostname, port, limits.allow_private_urls)
    timeout = max(0.1, deadline - time.monotonic())
    if parts.scheme == "https":
        connection = _PinnedHTTPS(parts.hostname, port, addresses, timeout)
    else:
        connection = _PinnedHTTP(parts.hostname, port, addresses, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        return connection.getresponse(), connection
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        raise FetchError(f"Could not import from {url}: {_reason(exc)}") from None


def _checked_addresses(url, host, port, allow_private):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Could not import from {url}: cannot resolve {host} ({exc})") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        if ip.is_multicast or ip.is_unspecified or (not allow_private and not ip.is_global):
            raise FetchError(f"Refused to import from {url}: {host} is a private, loopback or "
                             'link-local address (set "allow_private_urls": true in '
                             "config.json to allow it)")
    return addresses


def _connect_first(addresses, port, timeout):
    """A socket to the first of the checked addresses that answers."""
    problem = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            problem = exc
    raise problem


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect_first(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.addresses = addresses

    def connect(self):
        sock = _connect_first(self.addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _read_capped(response, connection, url, limits, deadline):
    cap = limits.max_upload_size
    declared = response.getheader("Content-Length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"Could not import from {url}: the file has {declared} bytes; at most "
                         f"{cap} are allowed")
    parts, size = [], 0
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchError(f"Could not import from {url}: the download took longer than "
                                 f"{limits.url_timeout:g} s")
            if connection.sock is not None:
                connection.sock.settimeout(left)
            chunk = response.read1(CHUNK)
            if not chunk:
                return b"".join(parts)
            size += len(chunk)
            if size > cap:
                raise FetchError(f"Could not import from {url}: the file is larger than {cap} "
                                 "bytes")
            parts.append(chunk)
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"Could not import from {url}: {_reason(exc)}") from None


def _file_name(url, content_type):
    """The URL's last path segment; its extension decides the format, else the Content-Type."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "download"
    found = extension(name)
    if found in PARSED_EXTENSIONS or found in mimetypes.types_map:
        return name
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    guessed = EXTENSION_BY_TYPE.get(media_type) or mimetypes.guess_extension(media_type or "-")
    return name + guessed if guessed else name


def _reason(exc):
    if isinstance(exc, socket.timeout):
        return "the server did not answer in time"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not valid ({exc.verify_message})"
    return str(exc) or type(exc).__name__
