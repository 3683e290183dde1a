"""The training function of the image-classification task, run by the scheduler's workers.

``train_image_classification(args, reporter)`` trains one configuration. Data comes from the
``.npy`` files that ``fit`` writes once (uint8 ``(N, H, W, C)`` images and int64 labels); each
worker process memory-maps them once and keeps them for every trial it runs. Batches are
gathered, augmented (random crop with zero padding + horizontal flip, one vectorized numpy
gather per batch) and normalized on the MXNet side; the network is hybridized; metrics stay
on the device until the end of the epoch.

Every epoch the function evaluates on the validation split (a fresh count each epoch), saves
the best epoch's parameters to ``<trial_dir>/best.params`` (before reporting, so a reported
accuracy always has its parameters on disk), saves its resumable state through
``reporter.save_dict`` (so Hyperband's promotion type or a resumed search continues the
trial instead of retraining), and calls ``reporter(epoch=e, training_epoch=e, accuracy=acc)``.
"""

import glob
import json
import logging
import math
import os
import time

import numpy as np

from . import _hparams

logger = logging.getLogger(__name__)

__all__ = [
    'train_image_classification',
    'TrialFunction',
    'load_split',
    'write_split',
    'crop_flip',
    'TrainLoop',
    'predict_proba',
    'evaluate_accuracy',
    'OPTIMIZERS',
    'lr_at',
]

#: Optimizers the task knows, with the MXNet name and whether momentum applies (``_hparams``).
OPTIMIZERS = {
    name: dict(mx_name=name, momentum=_hparams.uses('momentum', name)) for name in _hparams.OPTIMIZER_NAMES
}

BEST_PARAMS = 'best.params'
BEST_INFO = 'best.json'

# ----------------------------------------------------------------------------------------------
# data: written once by fit, memory-mapped by every worker (and cached per process)

_CACHE = {}


def write_split(folder, split, arrays):
    """Write ``arrays`` (ImageArrays) as ``<folder>/<split>_x.npy`` / ``_y.npy`` atomically."""
    os.makedirs(folder, exist_ok=True)
    for suffix, value in (
        ('x', np.ascontiguousarray(arrays.images)),
        ('y', np.asarray(arrays.labels, dtype=np.int64)),
    ):
        path = os.path.join(folder, '%s_%s.npy' % (split, suffix))
        tmp = '%s.tmp.%d.npy' % (path[:-4], os.getpid())
        np.save(tmp, value)
        os.replace(tmp, path)


def load_split(folder, split):
    """``(images, labels)`` of ``split``: images memory-mapped read-only, cached per process.

    The cache key includes the files' size and modification time, so a worker that outlives
    one ``fit`` reloads data rewritten by the next.
    """
    xp = os.path.join(folder, '%s_x.npy' % split)
    yp = os.path.join(folder, '%s_y.npy' % split)
    key = []
    for p in (xp, yp):
        st = os.stat(p)
        key.append((p, st.st_size, st.st_mtime_ns))
    key = tuple(key)
    hit = _CACHE.get((folder, split))
    if hit is not None and hit[0] == key:
        return hit[1], hit[2]
    images = np.load(xp, mmap_mode='r')
    labels = np.load(yp)
    _CACHE[(folder, split)] = (key, images, labels)
    return images, labels


# ----------------------------------------------------------------------------------------------
# batches


def crop_flip(images, rng, pad, flip=True):
    """Random crop after zero padding by ``pad`` pixels, and random horizontal flip.

    ``images`` uint8 ``(B, H, W, C)``; one vectorized gather for the whole batch.
    """
    b, h, w, _ = images.shape
    if pad > 0:
        images = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    oy = rng.integers(0, 2 * pad + 1, size=b) if pad > 0 else np.zeros(b, np.int64)
    ox = rng.integers(0, 2 * pad + 1, size=b) if pad > 0 else np.zeros(b, np.int64)
    rows = oy[:, None] + np.arange(h)[None, :]  # (B, H)
    cols = np.arange(w)[None, :]
    if flip:
        flipped = rng.random(b) < 0.5
        cols = np.where(flipped[:, None], w - 1 - cols, cols)  # (B, W)
    cols = ox[:, None] + cols
    return images[np.arange(b)[:, None, None], rows[:, :, None], cols[:, None, :]]


class Normalizer:
    """uint8 NHWC numpy batch -> normalized float32 NCHW ``mx.nd`` on ``ctx`` (done by MXNet)."""

    def __init__(self, mean, std, ctx):
        import mxnet as mx

        c = len(mean)
        self.ctx = ctx
        self.mean = mx.nd.array(np.asarray(mean, np.float32).reshape(1, c, 1, 1) * 255.0, ctx=ctx)
        self.scale = mx.nd.array(1.0 / (np.asarray(std, np.float32).reshape(1, c, 1, 1) * 255.0), ctx=ctx)

    def __call__(self, batch):
        import mxnet as mx

        x = mx.nd.array(batch, ctx=self.ctx, dtype=np.uint8)
        x = mx.nd.transpose(x.astype(np.float32), axes=(0, 3, 1, 2))
        return mx.nd.broadcast_mul(mx.nd.broadcast_sub(x, self.mean), self.scale)


def _iter_padded(n, batch_size):
    for start in range(0, n, batch_size):
        yield start, min(n, start + batch_size)


def predict_proba(net, images, mean, std, ctx=None, batch_size=256):
    """Softmax probabilities ``(N, classes)`` for uint8 NHWC ``images`` (inference mode)."""
    import mxnet as mx

    ctx = ctx or mx.cpu()
    norm = Normalizer(mean, std, ctx)
    n = len(images)
    batch_size = max(1, min(batch_size, n))
    out = []
    for start, stop in _iter_padded(n, batch_size):
        batch = np.asarray(images[start:stop])
        if stop - start < batch_size:  # keep one shape for the cached graph
            batch = np.concatenate(
                [batch, np.zeros((batch_size - len(batch),) + batch.shape[1:], batch.dtype)]
            )
        p = mx.nd.softmax(net(norm(batch)), axis=1)
        out.append(p[: stop - start])
    if not out:
        return np.zeros((0, 0), np.float32)
    return mx.nd.concat(*out, dim=0).asnumpy()


def evaluate_accuracy(net, images, labels, mean, std, ctx=None, batch_size=256):
    """Top-1 accuracy of ``net`` on uint8 NHWC ``images`` (counted on the device, one sync)."""
    import mxnet as mx

    ctx = ctx or mx.cpu()
    n = len(images)
    if n == 0:
        return float('nan')
    norm = Normalizer(mean, std, ctx)
    batch_size = max(1, min(batch_size, n))
    correct = mx.nd.zeros((1,), ctx=ctx)
    labels = np.asarray(labels)
    for start, stop in _iter_padded(n, batch_size):
        batch = np.asarray(images[start:stop])
        y = np.full(batch_size, -1, np.float32)
        y[: stop - start] = labels[start:stop]
        if stop - start < batch_size:
            batch = np.concatenate(
                [batch, np.zeros((batch_size - len(batch),) + batch.shape[1:], batch.dtype)]
            )
        pred = mx.nd.argmax(net(norm(batch)), axis=1)
        correct += mx.nd.sum(pred == mx.nd.array(y, ctx=ctx))
    return float(correct.asscalar()) / n


# ----------------------------------------------------------------------------------------------
# the training loop


def lr_at(progress, base_lr, warmup=0.0, schedule=None):
    """Learning rate at ``progress`` (the fraction in [0, 1] of the whole run done).

    ``warmup`` is the warm-up fraction of the run (linear from 0.1x). Schedules: ``'cosine'``
    (half a cosine to 0), ``'poly'`` (``(1 - p) ** 2``, MXNet's PolyScheduler default power),
    ``'step'`` (x0.1 at 50% and again at 75% of the run after warm-up), ``'constant'``; None: the
    table's default (``_hparams``).
    """
    if schedule is None:
        schedule = _hparams.default('lr_schedule')
    if warmup > 0 and progress < warmup:
        return base_lr * (0.1 + 0.9 * progress / warmup)
    if schedule == 'constant':
        return base_lr
    rest = min(1.0, max(0.0, (progress - warmup) / max(1e-12, 1.0 - warmup)))
    if schedule == 'poly':
        return base_lr * (1.0 - rest) ** 2
    if schedule == 'step':
        return base_lr * (0.01 if rest >= 0.75 else 0.1 if rest >= 0.5 else 1.0)
    if schedule != 'cosine':
        raise ValueError("lr_schedule must be 'cosine', 'poly', 'step' or 'constant', got %r" % (schedule,))
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * rest))


def _contexts(num_gpus):
    import mxnet as mx

    return [mx.gpu(i) for i in range(num_gpus)] if num_gpus else [mx.cpu()]


def make_trainer(net, optimizer, lr, wd, momentum, num_devices=1):
    """A ``gluon.Trainer``; no weight decay on BatchNorm parameters and biases."""
    from mxnet import gluon

    spec = OPTIMIZERS[optimizer]
    params = net.collect_params()
    for name, p in params.items():
        if name.endswith(('gamma', 'beta', 'bias', 'running_mean', 'running_var')):
            p.wd_mult = 0.0
    opts = {'learning_rate': lr, 'wd': wd}
    if spec['momentum']:
        opts['momentum'] = momentum
    return gluon.Trainer(params, spec['mx_name'], opts, kvstore='device' if num_devices > 1 else None)


class TrainLoop:
    """One network, its trainer and the data: ``run_epoch()`` trains one epoch.

    Used by the trials and by ``benchmarks/train_throughput.py`` (the same code path).
    """

    def __init__(
        self,
        net,
        trainer,
        images,
        labels,
        num_classes,
        mean,
        std,
        batch_size,
        ctx,
        augment=True,
        pad=None,
        label_smoothing=None,
        seed=0,
    ):
        import mxnet as mx
        from mxnet import gluon

        self.net = net
        self.trainer = trainer
        self.images = images
        self.labels = np.asarray(labels)
        self.num_classes = num_classes
        self.batch_size = int(batch_size)
        self.ctx = ctx if isinstance(ctx, list) else [ctx]
        self.norms = [Normalizer(mean, std, c) for c in self.ctx]
        self.augment = augment
        # defaults of _hparams, as fit's (pad: a tenth of the image side)
        self.pad = _hparams.default('pad', image_size=images.shape[1]) if pad is None else int(pad)
        self.label_smoothing = float(
            _hparams.default('label_smoothing') if label_smoothing is None else label_smoothing
        )
        self.seed = seed
        self.loss_fn = gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=self.label_smoothing <= 0)
        self._mx = mx

    @property
    def batches_per_epoch(self):
        return max(1, len(self.labels) // self.batch_size)

    def run_epoch(self, epoch, lr_fn=None, stop_at=None):
        """Train one epoch (``lr_fn(batch_index) -> lr`` sets the rate per step); with
        ``stop_at`` (a ``time.time()``), the epoch ends early once that time has passed.

        Returns ``(mean loss, train accuracy, images seen, seconds)``.
        """
        mx = self._mx
        from mxnet import autograd

        start = time.time()
        rng = np.random.default_rng((self.seed, epoch))
        n = len(self.labels)
        bs = min(self.batch_size, n)
        perm = rng.permutation(n)
        nb = max(1, n // bs)
        ndev = len(self.ctx)
        loss_sum = [mx.nd.zeros((1,), ctx=c) for c in self.ctx]
        correct = [mx.nd.zeros((1,), ctx=c) for c in self.ctx]
        previous = None
        eps = self.label_smoothing
        done = 0
        for b in range(nb):
            if stop_at is not None and done and time.time() >= stop_at:
                break
            done += 1
            idx = np.sort(perm[b * bs : (b + 1) * bs])
            xb = np.asarray(self.images[idx])
            yb = self.labels[idx]
            if self.augment:
                xb = crop_flip(xb, rng, self.pad)
            if lr_fn is not None:
                self.trainer.set_learning_rate(lr_fn(b))
            parts = np.array_split(np.arange(bs), ndev) if ndev > 1 else [slice(None)]
            xs = [self.norms[i](xb[p]) for i, p in enumerate(parts)]
            ys = [mx.nd.array(yb[p], ctx=c, dtype=np.float32) for p, c in zip(parts, self.ctx)]
            losses, outs = [], []
            with autograd.record():
                for x, y in zip(xs, ys):
                    out = self.net(x)
                    if eps > 0:
                        target = mx.nd.one_hot(y, self.num_classes) * (1 - eps) + eps / self.num_classes
                    else:
                        target = y
                    losses.append(self.loss_fn(out, target))
                    outs.append(out)
            autograd.backward(losses)
            self.trainer.step(bs)
            for i in range(ndev):
                loss_sum[i] += mx.nd.sum(losses[i])
                correct[i] += mx.nd.sum(mx.nd.argmax(outs[i], axis=1) == ys[i])
            # Keep at most one batch queued in the engine: the next batch is prepared in Python
            # while this one computes, and memory stays bounded.
            if previous is not None:
                previous.wait_to_read()
            previous = losses[-1]
        seen = done * bs
        total_loss = sum(float(part.asscalar()) for part in loss_sum)
        total_correct = sum(float(c.asscalar()) for c in correct)
        return total_loss / seen, total_correct / seen, seen, time.time() - start


# ----------------------------------------------------------------------------------------------
# checkpoints in the trial folder


def _atomic_save_params(net, path):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    net.save_parameters(tmp)
    os.replace(tmp, path)


def _atomic_write_json(obj, path):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1, sort_keys=True, default=str)
    os.replace(tmp, path)


def _config_key(args):
    """What a saved state must match to be continued: every argument but the deadline."""
    values = {k: v for k, v in sorted(vars(args).items()) if k != 'deadline'}
    return json.dumps(values, sort_keys=True, default=str)


def _save_state(reporter, trial_dir, net, trainer, epoch, best_acc, key):
    """Resumable state: parameters and optimizer state files, then the small state dict
    (the commit point), then the files of older epochs are removed."""
    params = os.path.join(trial_dir, 'last-%d.params' % epoch)
    states = os.path.join(trial_dir, 'last-%d.states' % epoch)
    _atomic_save_params(net, params)
    tmp = '%s.tmp.%d' % (states, os.getpid())
    trainer.save_states(tmp)
    os.replace(tmp, states)
    reporter.save_dict(
        epoch=epoch,
        best_acc=best_acc,
        key=key,
        params=os.path.basename(params),
        states=os.path.basename(states),
    )
    for old in glob.glob(os.path.join(trial_dir, 'last-*')):
        if os.path.basename(old) not in (os.path.basename(params), os.path.basename(states)):
            try:
                os.remove(old)
            except OSError:
                pass


def _load_state(reporter, trial_dir, key):
    loader = getattr(reporter, 'load_dict', None)
    if not trial_dir or not callable(loader):
        return None
    try:
        state = loader()
    except Exception:  # a torn or foreign state file: start afresh, but say so
        logger.warning('cannot read the saved state in %s; training from scratch', trial_dir, exc_info=True)
        return None
    if not state or state.get('key') != key:
        return None
    if not all(os.path.exists(os.path.join(trial_dir, state[k])) for k in ('params', 'states')):
        return None
    return state


# ----------------------------------------------------------------------------------------------
# the training function


def _train_data(data_dir, final):
    """``(images, labels, val_images, val_labels)``; a final fit trains on train+val (no val)."""
    images, labels = load_split(data_dir, 'train')
    val_images, val_labels = load_split(data_dir, 'val')
    if not final:
        return images, labels, val_images, val_labels
    return (
        np.concatenate([np.asarray(images), np.asarray(val_images)]),
        np.concatenate([labels, val_labels]),
        None,
        None,
    )


def _optimizer_settings(args):
    """``(optimizer, lr, wd, momentum)`` of a trial: ``<optimizer>_<name>`` when set, else
    ``<name>``, else the default of ``_hparams``."""
    optimizer = args.optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError('optimizer must be one of %s, got %r' % (', '.join(OPTIMIZERS), optimizer))
    return (optimizer,) + tuple(
        _hparams.training_value(args, name, optimizer) for name in ('lr', 'wd', 'momentum')
    )


def _settings(args, num_train, image_size):
    """Every training hyperparameter of ``args`` that is not an optimizer's, with the table's
    defaults for what ``args`` lacks (the same defaults ``fit`` uses)."""
    data = dict(num_train=num_train, image_size=image_size)
    names = ('batch_size', 'label_smoothing', 'warmup_epochs', 'lr_schedule', 'augment', 'pretrained', 'pad')
    return {name: _hparams.training_value(args, name, **data) for name in names}


class _Trial:
    """One trial being trained: its network, trainer, data, schedule and checkpoint state."""

    def __init__(self, args, reporter):
        import mxnet as mx

        self.args = args
        self.reporter = reporter
        self.trial_dir = getattr(reporter, 'trial_dir', None)
        self.task_id = getattr(reporter, 'task_id', 0) or 0
        self.seed = (int(getattr(args, 'seed', 0) or 0) * 100003 + int(self.task_id)) % (2**31)
        self.ctx = _contexts(int(getattr(args, 'num_gpus', 0) or 0))
        self.final = bool(getattr(args, 'final_fit', False))
        self.images, self.labels, self.val_images, self.val_labels = _train_data(args.data_dir, self.final)
        self.epochs = int(args.epochs)
        self.hp = _settings(args, len(self.labels), getattr(args, 'image_size', None) or self.images.shape[1])
        self.optimizer, self.lr, self.wd, self.momentum = _optimizer_settings(args)
        self.key = _config_key(args)
        mx.random.seed(self.seed)
        self.net, self.trainer = self._build(mx)
        self.start_epoch, self.best_acc = self._restore()
        self.batch_size = max(1, min(int(self.hp['batch_size']), len(self.labels)))
        self.loop = TrainLoop(
            self.net,
            self.trainer,
            self.images,
            self.labels,
            args.num_classes,
            args.mean,
            args.std,
            self.batch_size,
            self.ctx,
            augment=self.hp['augment'],
            pad=self.hp['pad'],
            label_smoothing=self.hp['label_smoothing'],
            seed=self.seed,
        )
        self.warmup = self.hp['warmup_epochs'] / max(1, self.epochs)

    def _build(self, mx):
        from ._nets import get_net

        net, initialized = get_net(self.args.net, self.args.num_classes, pretrained=self.hp['pretrained'])
        if not initialized:
            net.initialize(mx.init.Xavier(magnitude=2.0), ctx=self.ctx)
        else:
            net.collect_params().reset_ctx(self.ctx)
        net.hybridize(static_alloc=True, static_shape=True)
        return net, make_trainer(net, self.optimizer, self.lr, self.wd, self.momentum, len(self.ctx))

    def _restore(self):
        """``(first epoch, best accuracy)``: from the saved state when it matches this trial."""
        if self.trial_dir:
            os.makedirs(self.trial_dir, exist_ok=True)
        state = _load_state(self.reporter, self.trial_dir, self.key)
        if state is None:
            return 0, -1.0
        self.net.load_parameters(os.path.join(self.trial_dir, state['params']), ctx=self.ctx)
        self.trainer.load_states(os.path.join(self.trial_dir, state['states']))
        logger.info(
            'trial %s continues from epoch %d (best accuracy %.4f)',
            self.task_id,
            int(state['epoch']),
            float(state['best_acc']),
        )
        return int(state['epoch']), float(state['best_acc'])

    def lr_fn(self, epoch, planned):
        nb = self.loop.batches_per_epoch
        return lambda b: lr_at((epoch + b / nb) / planned, self.lr, self.warmup, self.hp['lr_schedule'])

    def train_epoch(self, epoch, planned, deadline):
        """Train and evaluate one epoch, save the best parameters and the state; returns the
        report (without ``planned_epochs``) and whether the training loss diverged."""
        lr_fn = self.lr_fn(epoch, planned)
        loss, train_acc, seen, secs = self.loop.run_epoch(epoch, lr_fn, deadline if self.final else None)
        # A final fit trains on train+val: it has no held-out split, and keeps its last epoch.
        acc = (
            train_acc
            if self.final
            else evaluate_accuracy(
                self.net,
                self.val_images,
                self.val_labels,
                self.args.mean,
                self.args.std,
                self.ctx[0],
                max(256, self.batch_size),
            )
        )
        diverged = not math.isfinite(loss)
        done = epoch + 1
        if self.trial_dir and (self.final or acc > self.best_acc):
            _atomic_save_params(self.net, os.path.join(self.trial_dir, BEST_PARAMS))
            _atomic_write_json(
                {'epoch': done, 'accuracy': acc, 'net': self.args.net, 'num_classes': self.args.num_classes},
                os.path.join(self.trial_dir, BEST_INFO),
            )
        self.best_acc = max(self.best_acc, acc)
        if self.trial_dir and not diverged:
            _save_state(self.reporter, self.trial_dir, self.net, self.trainer, done, self.best_acc, self.key)
        report = dict(
            epoch=done,
            training_epoch=done,
            accuracy=acc,
            train_acc=train_acc,
            train_loss=loss,
            lr=lr_fn(self.loop.batches_per_epoch),
            epoch_time=secs,
            images_per_sec=seen / max(secs, 1e-9),
        )
        return report, diverged


def _planned_epochs(planned, done, epoch_times, deadline):
    """Epochs the schedule plans for: fewer once the measured epoch time says the rest cannot
    finish before ``deadline`` (so the schedule still anneals before the limit)."""
    per_epoch = 1.1 * float(np.mean(epoch_times[-2:])) + 0.5
    fit_more = int(max(0.0, float(deadline) - time.time() - 1.0) // per_epoch)
    return min(planned, done + fit_more)


def train_image_classification(args, reporter, deadline=None):
    """Train ``args.net`` with ``args.optimizer`` for ``args.epochs`` epochs; report each epoch.

    ``args`` (built by ``fit``), the configuration: data_dir, num_classes, image_size, channels,
    mean, std, epochs, net, optimizer, num_gpus, seed, and the training hyperparameters of
    ``_hparams`` (lr, adam_lr, rmsprop_lr, wd, momentum, batch_size, label_smoothing,
    warmup_epochs, lr_schedule, augment, pretrained, pad; per-optimizer values
    ``<optimizer>_lr``/``_wd``/``_momentum``), each defaulting to the table's value as in ``fit``;
    ``final_fit`` (train on train+val, report the training accuracy, keep the last epoch's
    parameters). Run control is beside it: ``deadline`` (``time.time()`` by which the trial
    should end, or None).
    """
    if getattr(args, 'deadline', None) is not None:
        raise TypeError(
            'args.deadline is run control, not part of the configuration: call '
            'train_image_classification(args, reporter, deadline=...)'
        )
    t_start = time.time()
    trial = _Trial(args, reporter)
    planned = trial.epochs
    epoch_times = []
    for epoch in range(trial.start_epoch, trial.epochs):
        if epoch >= planned:
            logger.info(
                'trial %s ends after %d of %d epochs to finish before the time limit',
                trial.task_id,
                epoch,
                trial.epochs,
            )
            break
        t_epoch = time.time()
        report, diverged = trial.train_epoch(epoch, planned, deadline)
        epoch_times.append(time.time() - t_epoch)
        if deadline and not trial.final:  # a final fit's epochs are planned by fit
            planned = _planned_epochs(planned, epoch + 1, epoch_times, deadline)
        report.update(elapsed=time.time() - t_start, planned_epochs=planned)
        reporter(**report)
        if diverged:
            logger.warning(
                'trial %s diverged at epoch %d (training loss %r, lr=%g): it ends here',
                trial.task_id,
                epoch + 1,
                report['train_loss'],
                trial.lr,
            )
            break


class TrialFunction:
    """What the scheduler runs: ``train_image_classification`` with the run control (the
    deadline) held beside the configuration, so it never enters a trial's ``args``.

    ``fn`` is the training function itself (a checkpoint's fingerprint names it).
    """

    def __init__(self, deadline=None):
        self.deadline = deadline
        self.fn = train_image_classification

    def __call__(self, args, reporter):
        return train_image_classification(args, reporter, deadline=self.deadline)

    def __repr__(self):
        return 'TrialFunction(deadline=%r)' % (self.deadline,)
