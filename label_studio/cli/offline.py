"""Commands that need no server: import, export and the API token (each takes the project
lock through Project, so it is safe beside a running server), and setup-frontend."""
from .export import export_command
from .frontend import setup_frontend_command
from .import_tasks import import_command
from .user import user_command

COMMANDS = [import_command, export_command, user_command, setup_frontend_command]
