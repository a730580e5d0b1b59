"""HTTP layer: one blueprint per resource; each parses the request and calls Project."""
from . import (deprecated, export, files, helpers, models, openapi, project, sessions,
               storage_settings, tasks)


def register_blueprints(app):
    for module in (project, tasks, models, sessions, helpers, deprecated, files, export,
                   storage_settings, openapi):
        app.register_blueprint(module.bp)
