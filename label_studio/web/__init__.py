"""HTML pages: the labeling page around the Label Studio Frontend bundle, and plain pages to
browse tasks, import, export and edit the label config."""
from . import dm_page, manage, pages


def register_pages(app):
    app.register_blueprint(pages.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(dm_page.bp)
