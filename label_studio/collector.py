"""Pausing Python's cyclic garbage collector around bulk work.

Loading or importing a large project allocates millions of objects that all live on; the
collector would scan them again and again for nothing (it more than doubles the time).
"""
import gc
from contextlib import contextmanager


@contextmanager
def paused(freeze=False):
    """`freeze`: what was made meanwhile is long-lived; keep it out of the collector's sight
    afterwards, or its next pass would walk every object just made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
