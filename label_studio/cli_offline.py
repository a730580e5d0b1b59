"""Offline project commands (no server needed): import, export and the API token.

Each command takes the project lock through Project, so it is safe beside a running server.
"""
from .cli_export import export_command
from .cli_import import import_command
from .cli_user import user_command

COMMANDS = [import_command, export_command, user_command]
