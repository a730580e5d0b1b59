"""Loaded by a server the API fuzzer starts (PYTHONPATH=tests/netguard): connections and name
look-ups may reach this machine only.

The fuzzer sends whatever the description allows: import URLs, ML backend URLs, Redis hosts,
task data with image URLs that an export with download_resources=1 would fetch. None of it may
leave 127.0.0.0/8 and ::1; anything else fails as an unreachable address would.
"""
import ipaddress
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_local(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in LOCAL_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        raise socket.gaierror(socket.EAI_NONAME, f"netguard: {host} is not on this machine")
    return _getaddrinfo(host, *args, **kwargs)


def _guarded_address(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise ConnectionRefusedError(f"netguard: {address[0]} is not on this machine")


def _guarded_connect(self, address):
    _guarded_address(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    _guarded_address(self, address)
    return _connect_ex(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
