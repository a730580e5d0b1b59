"""The `label-studio` command line: `main` holds the group with init/start and friends, one
module per other command family (import, export, user, setup-frontend)."""
from .main import main

__all__ = ["main"]
