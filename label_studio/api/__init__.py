"""HTTP layer: one blueprint per resource; each parses the request and calls Project."""
from . import deprecated, helpers, project, tasks


def register_blueprints(app):
    for module in (project, tasks, helpers, deprecated):
        app.register_blueprint(module.bp)
