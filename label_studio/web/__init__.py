"""HTML pages: the labeling page around the Label Studio Frontend bundle, and a welcome page."""
from .pages import bp


def register_pages(app):
    app.register_blueprint(bp)
