"""Shared fixtures. The suite is offline: any connection to a non-loopback address fails."""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

for _name, _value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                      "GRADIO_ANALYTICS_ENABLED": "False"}.items():
    os.environ[_name] = _value

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "azerbaijan-russia-sputnik-arrests.txt"


class NetworkBlocked(RuntimeError):
    """Raised when code under test tries to reach a non-loopback address."""


def _is_loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: would need DNS, i.e. the network


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkBlocked(f"test tried to connect to {address!r}: the suite must stay offline")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkBlocked(f"test tried to connect to {address!r}: the suite must stay offline")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host if not isinstance(host, bytes) else host.decode()):
        raise NetworkBlocked(f"test tried to resolve {host!r}: the suite must stay offline")
    return _real_getaddrinfo(host, *args, **kwargs)


# Installed at import, before any test module (or library it imports) can open a connection.
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Path:
    """A real store (real MiniLM, real Chroma) holding the seed article, built once per run."""
    from index.build import build_index

    path = tmp_path_factory.mktemp("seed") / "store"
    build_index(path, [SEED_ARTICLE])
    return path


@pytest.fixture
def fresh_store(tmp_path) -> Path:
    return tmp_path / "store"
