"""What a scheduler's trials tell: the best trial, tables of trials and reports, training curves.

:class:`ResultsMixin` reads ``self.tasks`` (``{task_id: Task}``), ``self.reward_attr``,
``self.time_attr`` and ``self.terminator``; TaskScheduler inherits it.
"""

import math
import os

from ._task import TaskStatus

__all__ = ["ResultsMixin"]

_LEGEND_MAX = 12  # the legend names each trial up to this many trials


class ResultsMixin:
    """Read-only views of the trials (see the module docstring)."""

    _LEGEND_MAX = _LEGEND_MAX

    @property
    def num_finished(self):
        return sum(1 for t in self.tasks.values() if t.status in TaskStatus.FINISHED)

    @property
    def training_history(self):
        """``{task_id: [result, ...]}`` for every trial."""
        return {tid: list(t.history) for tid, t in self.tasks.items()}

    def _best_task(self):
        best = None
        for task in self.tasks.values():
            if task.best_reward > -math.inf and (best is None or task.best_reward > best.best_reward):
                best = task
        return best

    def get_best_config(self):
        """Configuration of the trial with the best reported reward (None before any report)."""
        best = self._best_task()
        return dict(best.config) if best else None

    def get_best_reward(self):
        """The best reward any trial reported, in the user's units (None before any report)."""
        best = self._best_task()
        return best.best_user_reward if best else None

    def get_best_task_id(self):
        best = self._best_task()
        return best.task_id if best else None

    def get_trials(self):
        """One row per trial: task_id, status, best reward, the reported time reached, config, error."""
        import pandas as pd

        rows = []
        for task in self.tasks.values():
            last = task.last_result or {}
            row = {
                "task_id": task.task_id,
                "status": task.status,
                "reason": task.reason,
                self.reward_attr: task.best_user_reward,
                self.time_attr: last.get(self.time_attr),
                "num_reports": len(task.history),
                "attempts": task.attempts,
                "error": task.error.strip().splitlines()[-1] if task.error else None,
            }
            row.update({"config." + k: v for k, v in task.config.items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def get_results(self):
        """Every report of every trial as a pandas DataFrame (one row per report)."""
        import pandas as pd

        rows = []
        for task in self.tasks.values():
            for result in task.history:
                row = {"task_id": task.task_id, "status": task.status}
                row.update(result)
                rows.append(row)
        return pd.DataFrame(rows)

    def rung_counts(self):
        """The terminator's summary (e.g. Hyperband's trials per rung); {} when it has none."""
        return self._terminator_adapter().rung_counts()

    def get_training_curves(self, filename=None, plot=False, use_legend=True):
        """Plot every trial's reward against ``time_attr``; stopped trials end with an x.

        The legend names each trial when there are at most 12, else it explains the markers.
        Returns the matplotlib Figure; saves it to ``filename`` if given; shows it if ``plot``.
        """
        if plot:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(8, 5))
        else:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(8, 5))
        ax = fig.add_subplot(111)
        ax.set_title("Training curves")
        ax.set_xlabel(self.time_attr)
        ax.set_ylabel(self.reward_attr)
        plotted = _plot_curves(ax, self.tasks.values(), self.time_attr, self.reward_attr)
        if use_legend and plotted:
            _legend(ax, plotted, self._LEGEND_MAX)
        fig.tight_layout()
        if filename:
            folder = os.path.dirname(os.path.abspath(filename))
            os.makedirs(folder, exist_ok=True)
            fig.savefig(filename)
        if plot:
            import matplotlib.pyplot as plt

            plt.show()
        return fig


def _plot_curves(ax, tasks, time_attr, reward_attr):
    """One line per trial with reports; returns how many were plotted."""
    plotted = 0
    for task in tasks:
        points = [(r[time_attr], r[reward_attr]) for r in task.history]
        if not points:
            continue
        plotted += 1
        xs, ys = zip(*points)
        label = "task %d (%s)" % (task.task_id, task.status)
        (line,) = ax.plot(xs, ys, marker=".", label=label)
        if task.status in (TaskStatus.STOPPED, TaskStatus.PAUSED):
            ax.plot([xs[-1]], [ys[-1]], marker="x", markersize=10, color=line.get_color(), linestyle="none")
    return plotted


def _legend(ax, plotted, most):
    if plotted <= most:
        ax.legend(loc="best", fontsize="small")
        return
    # One entry per trial would not fit: explain the markers instead.
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], marker=".", color="grey", label="%d trials" % plotted),
            Line2D(
                [], [], marker="x", color="grey", linestyle="none", markersize=10, label="stopped or paused"
            ),
        ],
        loc="best",
        fontsize="small",
    )
