"""The library's own stderr handler, used only while the user has not configured logging.

Python shows nothing below WARNING and, once a library adds any handler (even a
``NullHandler``), nothing at all from that library unless the user configured
logging. A failed trial must not go unseen, so the ``autogluon`` logger gets
this handler: it prints WARNING and above to ``sys.stderr`` as long as no other
handler would receive the record (none on the record's logger or its ancestors,
the root logger included). As soon as the user calls ``logging.basicConfig()``
or adds a handler of their own, theirs wins and this one prints nothing, so no
line appears twice.
"""

import logging
import sys

__all__ = ["DefaultHandler", "install"]


class DefaultHandler(logging.StreamHandler):
    """WARNING and above to stderr while no other handler would take the record."""

    def __init__(self, level=logging.WARNING):
        super().__init__(stream=None)
        self.setLevel(level)
        self.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
        self.addFilter(self._nobody_else)

    @property
    def stream(self):
        return sys.stderr  # whatever sys.stderr is now (pytest, Jupyter and IDEs replace it)

    @stream.setter
    def stream(self, value):
        pass

    def emit(self, record):
        bars = getattr(sys.modules.get("tqdm"), "tqdm", None)
        if bars is not None and getattr(bars, "_instances", None):
            try:  # a progress bar is on screen: print above it instead of into its line
                bars.write(self.format(record), file=sys.stderr)
                return
            except Exception:  # noqa: BLE001 -- fall back to a plain line
                pass
        super().emit(record)

    def _nobody_else(self, record):
        logger = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self and not isinstance(h, logging.NullHandler) for h in logger.handlers):
                return False
            if not logger.propagate:
                break
            logger = logger.parent
        return True


def install(name="autogluon"):
    """Add one :class:`DefaultHandler` to the logger ``name`` (idempotent); returns it."""
    logger = logging.getLogger(name)
    for handler in logger.handlers:
        if isinstance(handler, DefaultHandler):
            return handler
    handler = DefaultHandler()
    logger.addHandler(handler)
    return handler
