"""Offline project commands (no server needed): import and export.

Each command takes the project lock through Project, so it is safe beside a running server.
"""
from .cli_export import export_command
from .cli_import import import_command

COMMANDS = [import_command, export_command]
