"""The first open of a project folder begins before the server's modules load.

`label-studio start` calls begin() with the project folder first thing. When the folder
has no summary cache beside it (.ls-summaries.json: it was never opened here, or was
copied without it) and a large completions/, the summarizer children start listing and
reading the records at once (record_summarizer.start_early), while this process goes on
loading numpy, lxml and flask (0.25 s, with one core idle before). The project's open takes
the children over when its digest is the one named here; unclaimed ones are stopped at
exit. Nothing here loads numpy, lxml or flask.
"""
import os

from . import record_summarizer
from .record_files import read_ahead
from .record_listing import COMPLETIONS_DIR
from .summary_cache import CACHE_NAME

# the digest ProjectState keeps of each record (label_config.compat.usage_keys), by name
RECORD_DIGEST = "label_studio.label_config.compat:usage_keys"


def begin(project_dir):
    project_dir = os.path.abspath(project_dir)  # as the project's open names it
    if os.path.exists(os.path.join(project_dir, CACHE_NAME)):
        return  # a restart: the summaries come from the cache
    record_summarizer.start_early(os.path.join(project_dir, COMPLETIONS_DIR), RECORD_DIGEST)
    read_ahead(os.path.join(project_dir, "tasks.json"))
