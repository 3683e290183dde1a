"""The FIFO terminator: every trial runs to its end."""

from ._base import BaseTerminator

__all__ = ['NoStop']


class NoStop(BaseTerminator):
    """Never stops a trial (what the FIFO scheduler uses).

    Example::

        >>> NoStop().on_task_report(0, {'training_epoch': 1, 'accuracy': 0.0})
        True
    """

    rule = 'none'

    def on_task_report(self, task, result):
        return True
