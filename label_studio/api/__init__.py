"""HTTP layer: one blueprint per resource; each parses the request and calls Project."""
from . import (data_manager, deprecated, export, files, helpers, models, openapi, project, sessions,
               import_state, storage_settings, tasks)


def register_blueprints(app):
    for module in (project, tasks, models, sessions, helpers, deprecated, files, export,
                   storage_settings, openapi, data_manager, import_state):
        app.register_blueprint(module.bp)
