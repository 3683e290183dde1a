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

logger = logging.getLogger(__name__)

__all__ = ['train_image_classification', 'load_split', 'write_split', 'crop_flip',
           'TrainLoop', 'predict_proba', 'evaluate_accuracy', 'OPTIMIZERS', 'lr_at']

#: Optimizers the task knows, with the MXNet name and which hyperparameters apply.
OPTIMIZERS = {
    'sgd': dict(mx_name='sgd', momentum=True),
    'nag': dict(mx_name='nag', momentum=True),
    'adam': dict(mx_name='adam', momentum=False),
    'rmsprop': dict(mx_name='rmsprop', momentum=False),
}

BEST_PARAMS = 'best.params'
BEST_INFO = 'best.json'

# ----------------------------------------------------------------------------------------------
# data: written once by fit, memory-mapped by every worker (and cached per process)

_CACHE = {}


def write_split(folder, split, arrays):
    """Write ``arrays`` (ImageArrays) as ``<folder>/<split>_x.npy`` / ``_y.npy`` atomically."""
    os.makedirs(folder, exist_ok=True)
    for suffix, value in (('x', np.ascontiguousarray(arrays.images)),
                          ('y', np.asarray(arrays.labels, dtype=np.int64))):
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
    rows = oy[:, None] + np.arange(h)[None, :]                       # (B, H)
    cols = np.arange(w)[None, :]
    if flip:
        flipped = rng.random(b) < 0.5
        cols = np.where(flipped[:, None], w - 1 - cols, cols)        # (B, W)
    cols = ox[:, None] + cols
    return images[np.arange(b)[:, None, None], rows[:, :, None], cols[:, None, :]]


class Normalizer(object):
    """uint8 NHWC numpy batch -> normalized float32 NCHW ``mx.nd`` on ``ctx`` (done by MXNet)."""

    def __init__(self, mean, std, ctx):
        import mxnet as mx

        c = len(mean)
        self.ctx = ctx
        self.mean = mx.nd.array(np.asarray(mean, np.float32).reshape(1, c, 1, 1) * 255.0, ctx=ctx)
        self.scale = mx.nd.array(1.0 / (np.asarray(std, np.float32).reshape(1, c, 1, 1) * 255.0),
                                 ctx=ctx)

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
        if stop - start < batch_size:                       # keep one shape for the cached graph
            batch = np.concatenate([batch, np.zeros((batch_size - len(batch),) + batch.shape[1:],
                                                    batch.dtype)])
        p = mx.nd.softmax(net(norm(batch)), axis=1)
        out.append(p[:stop - start])
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
        y[:stop - start] = labels[start:stop]
        if stop - start < batch_size:
            batch = np.concatenate([batch, np.zeros((batch_size - len(batch),) + batch.shape[1:],
                                                    batch.dtype)])
        pred = mx.nd.argmax(net(norm(batch)), axis=1)
        correct += mx.nd.sum(pred == mx.nd.array(y, ctx=ctx))
    return float(correct.asscalar()) / n


# ----------------------------------------------------------------------------------------------
# the training loop

def lr_at(progress, base_lr, warmup=0.0, schedule='cosine'):
    """Learning rate at ``progress`` (the fraction in [0, 1] of the whole run done).

    ``warmup`` is the warm-up fraction of the run (linear from 0.1x). Schedules: ``'cosine'``
    (half a cosine to 0), ``'poly'`` (``(1 - p) ** 2``, MXNet's PolyScheduler default power),
    ``'step'`` (x0.1 at 50% and again at 75% of the run after warm-up), ``'constant'``.
    """
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
        raise ValueError("lr_schedule must be 'cosine', 'poly', 'step' or 'constant', got %r"
                         % (schedule,))
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


class TrainLoop(object):
    """One network, its trainer and the data: ``run_epoch()`` trains one epoch.

    Used by the trials and by ``benchmarks/train_throughput.py`` (the same code path).
    """

    def __init__(self, net, trainer, images, labels, num_classes, mean, std, batch_size, ctx,
                 augment=True, pad=2, label_smoothing=0.0, seed=0):
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
        self.pad = pad
        self.label_smoothing = float(label_smoothing)
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
            idx = np.sort(perm[b * bs:(b + 1) * bs])
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
        total_loss = sum(float(l.asscalar()) for l in loss_sum)
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
    reporter.save_dict(epoch=epoch, best_acc=best_acc, key=key,
                       params=os.path.basename(params), states=os.path.basename(states))
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
        logger.warning('cannot read the saved state in %s; training from scratch', trial_dir,
                       exc_info=True)
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
    return (np.concatenate([np.asarray(images), np.asarray(val_images)]),
            np.concatenate([labels, val_labels]), None, None)


def _optimizer_settings(args):
    """``(optimizer, lr, wd, momentum)`` of a trial: ``<optimizer>_<name>`` when set, else
    ``<name>`` (see ``_optimizers.hyperparameter``)."""
    from ._optimizers import hyperparameter

    optimizer = args.optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError('optimizer must be one of %s, got %r' % (', '.join(OPTIMIZERS), optimizer))
    return (optimizer, float(hyperparameter(args, optimizer, 'lr')),
            float(hyperparameter(args, optimizer, 'wd', 0.0)),
            float(hyperparameter(args, optimizer, 'momentum', 0.9)))


def train_image_classification(args, reporter):
    """Train ``args.net`` with ``args.optimizer`` for ``args.epochs`` epochs; report each epoch.

    ``args`` (built by ``fit``): data_dir, num_classes, image_size, channels, mean, std, epochs,
    batch_size, net, optimizer, lr, adam_lr (used by 'adam' when set), wd, momentum,
    label_smoothing, warmup_epochs, lr_schedule, augment, pad, pretrained, num_gpus, seed and
    deadline (``time.time()`` by which the trial should end, or None); per-optimizer values
    ``<optimizer>_lr``/``_wd``/``_momentum`` when set; ``final_fit`` (train on train+val,
    report the training accuracy, keep the last epoch's parameters).
    """
    import mxnet as mx

    from ._nets import get_net

    t_start = time.time()
    trial_dir = getattr(reporter, 'trial_dir', None)
    task_id = getattr(reporter, 'task_id', 0) or 0
    seed = (int(getattr(args, 'seed', 0) or 0) * 100003 + int(task_id)) % (2 ** 31)
    ctx = _contexts(int(getattr(args, 'num_gpus', 0) or 0))
    final = bool(getattr(args, 'final_fit', False))
    images, labels, val_images, val_labels = _train_data(args.data_dir, final)
    epochs = int(args.epochs)
    optimizer, lr, wd, momentum = _optimizer_settings(args)
    key = _config_key(args)

    mx.random.seed(seed)
    net, initialized = get_net(args.net, args.num_classes, pretrained=bool(getattr(args, 'pretrained', False)))
    if not initialized:
        net.initialize(mx.init.Xavier(magnitude=2.0), ctx=ctx)
    else:
        net.collect_params().reset_ctx(ctx)
    net.hybridize(static_alloc=True, static_shape=True)
    trainer = make_trainer(net, optimizer, lr, wd, momentum, len(ctx))

    start_epoch, best_acc = 0, -1.0
    if trial_dir:
        os.makedirs(trial_dir, exist_ok=True)
    state = _load_state(reporter, trial_dir, key)
    if state is not None:
        net.load_parameters(os.path.join(trial_dir, state['params']), ctx=ctx)
        trainer.load_states(os.path.join(trial_dir, state['states']))
        start_epoch, best_acc = int(state['epoch']), float(state['best_acc'])
        logger.info('trial %s continues from epoch %d (best accuracy %.4f)', task_id, start_epoch,
                    best_acc)

    batch_size = max(1, min(int(args.batch_size), len(labels)))
    loop = TrainLoop(net, trainer, images, labels, args.num_classes, args.mean, args.std, batch_size,
                     ctx, augment=bool(getattr(args, 'augment', True)), pad=int(getattr(args, 'pad', 2)),
                     label_smoothing=float(getattr(args, 'label_smoothing', 0.0)), seed=seed)
    nb = loop.batches_per_epoch
    warmup = float(getattr(args, 'warmup_epochs', 0.0) or 0.0) / max(1, epochs)
    schedule = getattr(args, 'lr_schedule', 'cosine')
    eval_bs = max(256, batch_size)

    # With a deadline (fit's time limit), the planned number of epochs shrinks once the measured
    # epoch time shows they cannot all finish: the schedule then still anneals before the limit.
    deadline = getattr(args, 'deadline', None)
    planned = epochs
    epoch_times = []
    for epoch in range(start_epoch, epochs):
        if epoch >= planned:
            logger.info('trial %s ends after %d of %d epochs to finish before the time limit',
                        task_id, epoch, epochs)
            break
        t_epoch = time.time()

        def lr_fn(b, epoch=epoch, total=planned):
            return lr_at((epoch + b / nb) / total, lr, warmup, schedule)

        loss, train_acc, seen, secs = loop.run_epoch(epoch, lr_fn, deadline if final else None)
        # A final fit trains on train+val: it has no held-out split, and keeps its last epoch.
        acc = train_acc if final else evaluate_accuracy(net, val_images, val_labels, args.mean,
                                                        args.std, ctx[0], eval_bs)
        diverged = not math.isfinite(loss)
        done = epoch + 1
        if trial_dir and (final or acc > best_acc):
            _atomic_save_params(net, os.path.join(trial_dir, BEST_PARAMS))
            _atomic_write_json({'epoch': done, 'accuracy': acc, 'net': args.net,
                                'num_classes': args.num_classes}, os.path.join(trial_dir, BEST_INFO))
        best_acc = max(best_acc, acc)
        if trial_dir and not diverged:
            _save_state(reporter, trial_dir, net, trainer, done, best_acc, key)
        epoch_times.append(time.time() - t_epoch)
        if deadline and not final:   # a final fit's epochs are planned by fit; it stops at the deadline
            per_epoch = 1.1 * float(np.mean(epoch_times[-2:])) + 0.5
            fit_more = int(max(0.0, float(deadline) - time.time() - 1.0) // per_epoch)
            planned = min(planned, done + fit_more)
        reporter(epoch=done, training_epoch=done, accuracy=acc, train_acc=train_acc, train_loss=loss,
                 lr=lr_fn(nb), epoch_time=secs, images_per_sec=seen / max(secs, 1e-9),
                 elapsed=time.time() - t_start, planned_epochs=planned)
        if diverged:
            logger.warning('trial %s diverged at epoch %d (training loss %r, lr=%g): it ends here',
                           task_id, done, loss, lr)
            break
