"""HTTP layer: one blueprint per resource; each parses the request and calls Project."""
from . import deprecated, export, files, helpers, models, project, tasks


def register_blueprints(app):
    for module in (project, tasks, models, helpers, deprecated, files, export):
        app.register_blueprint(module.bp)
