"""A file-backed reimplementation of the legacy Label Studio backend (0.8.1 - 0.9.1)."""

__version__ = "0.9.1.post100"
