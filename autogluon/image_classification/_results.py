"""What ``task.fit`` returns."""

__all__ = ['FitResults']


class FitResults:
    """The outcome of ``task.fit``.

    Attributes
    ----------
    metric : float
        Validation top-1 accuracy of ``model`` (the best epoch of the best trial).
    config : dict
        The hyperparameters ``model`` was trained with (searched and fixed ones).
    time : float
        Wall-clock seconds the whole ``fit`` call took.
    model : ImageClassifier
        The best network, ready to ``predict``, ``evaluate`` and ``save``.
    metadata : dict
        Search space, scheduler and searcher names, number of trials, a summary per trial
        (``metadata['trials']``), time spent per phase, data and resource settings.
    scheduler : TaskScheduler
        The scheduler that ran the search (``get_training_curves()``, ``get_trials()``, ...).
    """

    def __init__(self, metric, config, time, model, metadata, scheduler=None):
        self.metric = metric
        self.config = config
        self.time = time
        self.model = model
        self.metadata = metadata
        self.scheduler = scheduler

    def get_training_curves(self, filename=None, plot=False, use_legend=True):
        """Every trial's validation accuracy per epoch (see ``TaskScheduler.get_training_curves``)."""
        if self.scheduler is None:
            raise RuntimeError('these results have no scheduler to plot from')
        return self.scheduler.get_training_curves(filename=filename, plot=plot, use_legend=use_legend)

    def __repr__(self):
        return 'FitResults(metric=%.4f, net=%r, trials=%s, scheduler=%s, time=%.1fs)' % (
            self.metric,
            self.config.get('net'),
            self.metadata.get('num_trials'),
            self.metadata.get('scheduler'),
            self.time,
        )
