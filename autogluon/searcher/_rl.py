"""RLSearcher: an LSTM controller (MXNet Gluon) that proposes configurations, trained with REINFORCE.

This is the searcher of :class:`autogluon.scheduler.RLScheduler` (first public release, Dec 2019).
The controller walks the hyperparameters in order: at each step an ``mxnet.gluon.rnn.LSTMCell``
reads the embedding of the previous choice and a per-hyperparameter dense layer gives the logits of
this hyperparameter's choices. Categorical spaces are choices as they are; Int and Real spaces are
discretized (every integer of a small Int, otherwise ``num_bins`` grid points). When a trial finishes,
its reward minus a moving-average baseline weights the log-probability of its choices; every
``controller_batch_size`` finished trials the controller takes one Adam step on
``-mean((reward - baseline) * log p(choices))``.

MXNet is imported when an RLSearcher is built, not when ``autogluon`` is imported.

Example::

    >>> import autogluon as ag
    >>> searcher = ag.searcher.RLSearcher({'act': ag.space.Categorical('relu', 'tanh')}, seed=0)
    >>> config = searcher.get_config()
    >>> searcher.update(config, reward=0.5)
"""

import logging
import math
import os
import tempfile

import numpy as np

from ..core._validate import check_int, check_real
from ..space._space import Categorical, Int, Real
from ._base import BaseSearcher

logger = logging.getLogger(__name__)

__all__ = ["RLSearcher"]


def discretize(name, space, num_bins, max_int_choices=100):
    """The list of values the controller chooses among for one hyperparameter."""
    if isinstance(space, Categorical):
        return list(space.choices)
    if isinstance(space, Int):
        if space.size <= max_int_choices:
            return list(range(space.lower, space.upper + 1))
        return space.grid(num_bins)
    if isinstance(space, Real):
        return space.grid(num_bins)
    raise TypeError(
        "RLSearcher: hyperparameter %r is a %s; the controller supports Categorical, Int and Real "
        "spaces" % (name, type(space).__name__)
    )


class _Controller:
    """The LSTM policy: built lazily from mxnet; parameters initialized from a numpy Generator."""

    def __init__(self, num_tokens, hidden_size, softmax_temperature, rng):
        import mxnet as mx
        from mxnet.gluon import nn, rnn

        self.mx = mx
        self.num_tokens = list(num_tokens)
        self.offsets = np.cumsum([0] + self.num_tokens[:-1]).tolist()
        self.temperature = softmax_temperature
        self.hidden_size = hidden_size
        self.block = nn.Sequential()  # a container so that one Trainer sees every parameter
        with self.block.name_scope():
            self.encoder = nn.Embedding(sum(self.num_tokens) + 1, hidden_size)  # + a start token
            self.lstm = rnn.LSTMCell(hidden_size, input_size=hidden_size)
            self.decoders = [nn.Dense(n, in_units=hidden_size) for n in self.num_tokens]
        self.block.add(self.encoder, self.lstm, *self.decoders)
        self.block.initialize(ctx=mx.cpu())
        for param in self.block.collect_params().values():
            param.set_data(mx.nd.array(rng.uniform(-0.1, 0.1, size=param.shape)))

    def step_logits(self, tokens, state, index):
        """Logits of hyperparameter ``index`` after reading ``tokens`` (a batch of previous choices)."""
        embed = self.encoder(tokens)
        out, state = self.lstm(embed, state)
        return self.decoders[index](out) / self.temperature, state

    def _start(self, batch):
        mx = self.mx
        tokens = mx.nd.full((batch,), sum(self.num_tokens))
        state = [mx.nd.zeros((batch, self.hidden_size)), mx.nd.zeros((batch, self.hidden_size))]
        return tokens, state

    def sample(self, rng):
        """One list of choice indices, drawn with the numpy Generator ``rng``."""
        tokens, state = self._start(1)
        actions = []
        for i, n in enumerate(self.num_tokens):
            logits, state = self.step_logits(tokens, state, i)
            probs = self.mx.nd.softmax(logits).asnumpy()[0].astype(np.float64)
            action = int(rng.choice(n, p=probs / probs.sum()))
            actions.append(action)
            tokens = self.mx.nd.array([self.offsets[i] + action])
        return actions

    def step_probs(self, actions):
        """Per hyperparameter, the probabilities of its choices given the earlier ``actions``."""
        tokens, state = self._start(1)
        out = []
        for i in range(len(self.num_tokens)):
            logits, state = self.step_logits(tokens, state, i)
            out.append(self.mx.nd.softmax(logits).asnumpy()[0])
            tokens = self.mx.nd.array([self.offsets[i] + actions[i]])
        return out

    def log_prob(self, batch_actions):
        """Sum over hyperparameters of log p(choice), one entry per row of ``batch_actions`` (recordable)."""
        mx = self.mx
        actions = mx.nd.array(batch_actions)
        tokens, state = self._start(len(batch_actions))
        total = 0
        for i in range(len(self.num_tokens)):
            logits, state = self.step_logits(tokens, state, i)
            log_p = mx.nd.log_softmax(logits)
            total = total + mx.nd.pick(log_p, actions[:, i], axis=1)
            tokens = actions[:, i] + self.offsets[i]
        return total


class RLSearcher(BaseSearcher):
    """Reinforcement-learning searcher: an LSTM controller trained with REINFORCE on the rewards.

    Parameters
    ----------
    configspace : anything :meth:`autogluon.space.SearchSpace.from_any` accepts
        Categorical, Int and Real spaces (Int and Real are discretized).
    seed : int or None
        Seeds the controller's initial parameters and its sampling.
    controller_lr : float
        Adam learning rate of the controller (default 1e-3).
    controller_batch_size : int
        Finished trials per controller update (default 1).
    ema_baseline_decay : float
        Decay of the moving-average reward baseline (default 0.95).
    hidden_size : int
        LSTM size (default 100).
    softmax_temperature : float
        Logits are divided by it (default 1.0).
    num_bins : int
        Values a Real (or a large Int) space is discretized into (default 10).
    """

    def __init__(
        self,
        configspace,
        seed=None,
        controller_lr=1e-3,
        controller_batch_size=1,
        ema_baseline_decay=0.95,
        hidden_size=100,
        softmax_temperature=1.0,
        num_bins=10,
        **kwargs,
    ):
        super().__init__(configspace, seed=seed, **kwargs)
        if not len(self.configspace):
            raise ValueError("configspace must hold at least one search space for RLSearcher")
        self.controller_lr = check_real("controller_lr", controller_lr, low=0, low_open=True)
        self.controller_batch_size = check_int("controller_batch_size", controller_batch_size, low=1)
        self.ema_baseline_decay = check_real("ema_baseline_decay", ema_baseline_decay, low=0, high=1)
        self.hidden_size = check_int("hidden_size", hidden_size, low=1)
        self.softmax_temperature = check_real("softmax_temperature", softmax_temperature, low=1e-6)
        self.num_bins = check_int("num_bins", num_bins, low=2)
        self.names = list(self.configspace)
        self.choices = [discretize(k, self.configspace[k], self.num_bins) for k in self.names]
        self.controller = _Controller(
            [len(c) for c in self.choices], self.hidden_size, self.softmax_temperature, self.rng
        )
        import mxnet as mx

        self._trainer = mx.gluon.Trainer(
            self.controller.block.collect_params(), "adam", {"learning_rate": self.controller_lr}
        )
        self.baseline = None
        self._batch = []  # [(actions, reward)] waiting for the next controller update
        self.num_updates = 0

    # -- configs <-> actions -------------------------------------------------------
    def _to_config(self, actions):
        return {k: self.choices[i][a] for i, (k, a) in enumerate(zip(self.names, actions))}

    def _to_actions(self, config):
        """Choice indices of ``config`` (the nearest grid value for numbers), or None if it does not fit."""
        actions = []
        for name, values in zip(self.names, self.choices):
            if name not in config:
                return None
            value = config[name]
            space = self.configspace[name]
            if isinstance(space, Categorical):
                index = space._index(value)
                if index is None:
                    return None
            else:
                index = int(np.argmin([abs(float(v) - float(value)) for v in values]))
            actions.append(index)
        return actions

    def _next_config(self):
        return self._to_config(self.controller.sample(self.rng))

    # -- learning ------------------------------------------------------------------
    def update(self, config, reward, **kwargs):
        super().update(config, reward, **kwargs)
        reward = float(reward)
        actions = self._to_actions(config)
        if actions is None or not math.isfinite(reward):
            logger.info(
                "RLSearcher: config %s (reward %r) is not one the controller can learn from; skipped",
                config,
                reward,
            )
            return
        if self.baseline is None:
            self.baseline = reward
        self._batch.append((actions, reward - self.baseline))
        decay = self.ema_baseline_decay
        self.baseline = decay * self.baseline + (1.0 - decay) * reward
        if len(self._batch) >= self.controller_batch_size:
            self._train_step()

    def _train_step(self):
        mx = self.controller.mx
        batch, self._batch = self._batch, []
        advantages = mx.nd.array([adv for _, adv in batch])
        with mx.autograd.record():
            log_p = self.controller.log_prob([actions for actions, _ in batch])
            loss = -(log_p * advantages).mean()
        loss.backward()
        self._trainer.step(1)
        self.num_updates += 1
        logger.debug(
            "RLSearcher: controller update %d, loss %.4g, baseline %.4g",
            self.num_updates,
            loss.asscalar(),
            self.baseline,
        )

    def probabilities(self, config=None):
        """``{name: {value: probability}}`` of the controller's choices along ``config``'s earlier choices
        (by default along its most likely choices)."""
        if config is None:
            actions = []
            for i in range(len(self.names)):
                probs = self.controller.step_probs(actions + [0] * (len(self.names) - i))[i]
                actions.append(int(np.argmax(probs)))
        else:
            actions = self._to_actions(config)
            if actions is None:
                raise ValueError("config %r does not fit this searcher's space" % (config,))
        probs = self.controller.step_probs(actions)
        return {k: {v: float(p) for v, p in zip(self.choices[i], probs[i])} for i, k in enumerate(self.names)}

    def get_most_likely_config(self):
        """The controller's most likely configuration (greedy choice at each step)."""
        return {k: max(p, key=p.get) for k, p in self.probabilities().items()}

    # -- state -----------------------------------------------------------------------
    def _params_state(self):
        # In order, not by name: Gluon prefixes names with a per-process counter.
        return [p.data().asnumpy() for p in self.controller.block.collect_params().values()]

    def _trainer_state(self):
        fd, path = tempfile.mkstemp(suffix=".states")
        os.close(fd)
        try:
            self._trainer.save_states(path)
            with open(path, "rb") as f:
                return f.read()
        finally:
            os.remove(path)

    def state_dict(self):
        state = super().state_dict()
        state.update(
            controller_params=self._params_state(),
            trainer_states=self._trainer_state(),
            baseline=self.baseline,
            batch=[[list(a), adv] for a, adv in self._batch],
            num_updates=self.num_updates,
        )
        return state

    def load_state_dict(self, state):
        super().load_state_dict(state)
        mx = self.controller.mx
        params = list(self.controller.block.collect_params().values())
        saved = state["controller_params"]
        if [tuple(a.shape) for a in saved] != [tuple(p.shape) for p in params]:
            raise ValueError(
                "state['controller_params'] does not match this controller (another search "
                "space or hidden_size?)"
            )
        for p, value in zip(params, saved):
            p.set_data(mx.nd.array(value))
        fd, path = tempfile.mkstemp(suffix=".states")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(state["trainer_states"])
            self._trainer.load_states(path)
        finally:
            os.remove(path)
        self.baseline = state["baseline"]
        self._batch = [(list(a), float(adv)) for a, adv in state["batch"]]
        self.num_updates = int(state["num_updates"])
