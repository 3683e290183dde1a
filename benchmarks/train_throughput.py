"""Training throughput of one trial's loop against a plain Gluon loop.

Measures images per second of the image-classification task's training loop (the code path a
trial runs: ``autogluon.image_classification._train.TrainLoop`` on memory-mapped uint8 data,
with vectorized crop+flip augmentation, per-step learning-rate schedule and on-device metrics)
and of a plain Gluon loop (pre-normalized float32 data in memory, ``net.hybridize()``, one
``mx.metric.Accuracy`` update per batch, no augmentation) on the same network, batch size and
data, alternating in the same process with the thread settings a one-CPU trial gets. Prints the
median of the repeats and the ratio (target: >= 0.9).

    python benchmarks/train_throughput.py                       # compact_cnn, 28x28x1, 1 thread
    python benchmarks/train_throughput.py --net cifar_resnet20_v1 --images 2048
"""

import argparse
import os
import sys
import tempfile
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--net', default='compact_cnn', help='network name (default: compact_cnn)')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument(
        '--images', type=int, default=6400, help='training images per measured epoch (default: 6400)'
    )
    p.add_argument('--repeats', type=int, default=3, help='measured epochs per loop (median)')
    p.add_argument('--threads', type=int, default=1, help='CPU threads, as a trial with num_cpus=N')
    p.add_argument(
        '--data',
        default='fashionmnist',
        help="'fashionmnist' (local Debian files), 'sample' (the shipped image folder) or 'random'",
    )
    return p.parse_args(argv)


def set_threads(n):
    # The environment a trial worker gets from the scheduler (see autogluon.scheduler.resource).
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MXNET_OMP_MAX_THREADS'):
        os.environ[key] = str(n)
    os.environ['MXNET_CPU_WORKER_NTHREADS'] = '1'
    os.environ['MXNET_CPU_PRIORITY_NTHREADS'] = '1'


def load_data(kind, n):
    import numpy as np

    from autogluon.image_classification._data import Dataset, ImageArrays, sample_data_path

    if kind == 'fashionmnist':
        per = max(1, (n + 9) // 10)
        arrays = Dataset('fashionmnist', max_images_per_class=per, split_ratio=0.99).train
        num_classes = 10
    elif kind == 'sample':
        ds = Dataset('sample', train_path=os.path.join(sample_data_path(), 'train'))
        arrays, num_classes = ds.train, ds.num_classes
    elif kind == 'random':
        rng = np.random.default_rng(0)
        arrays = ImageArrays(rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8), rng.integers(0, 10, n))
        num_classes = 10
    else:
        raise SystemExit('--data must be fashionmnist, sample or random, got %r' % kind)
    if len(arrays) < n:  # repeat to the requested size (the sample is small)
        reps = -(-n // len(arrays))
        arrays = ImageArrays(
            np.concatenate([arrays.images] * reps)[:n], np.concatenate([arrays.labels] * reps)[:n]
        )
    else:
        arrays = arrays.subset(np.arange(n))
    return arrays, num_classes


def build(net_name, num_classes, ctx, seed=0):
    import mxnet as mx

    from autogluon.image_classification._nets import get_net

    mx.random.seed(seed)
    net, _ = get_net(net_name, num_classes)
    net.initialize(mx.init.Xavier(magnitude=2.0), ctx=ctx)
    return net


def main(argv=None):
    args = parse_args(argv)
    set_threads(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import mxnet as mx
    import numpy as np
    from mxnet import autograd, gluon

    from autogluon.image_classification import _train

    arrays, num_classes = load_data(args.data, args.images)
    x01 = arrays.images.astype(np.float32) / 255.0
    mean = x01.mean(axis=(0, 1, 2)).tolist()
    std = x01.std(axis=(0, 1, 2)).tolist()
    ctx = mx.cpu()
    bs = args.batch_size
    tmp = tempfile.TemporaryDirectory(prefix='ag-throughput-')
    folder = tmp.name
    _train.write_split(folder, 'train', arrays)
    images, labels = _train.load_split(folder, 'train')  # memory-mapped, as in a trial

    # -- ours: the trial's loop -------------------------------------------------------------
    net_a = build(args.net, num_classes, ctx)
    net_a.hybridize(static_alloc=True, static_shape=True)
    trainer_a = _train.make_trainer(net_a, 'nag', 0.05, 5e-4, 0.9)
    loop = _train.TrainLoop(
        net_a,
        trainer_a,
        images,
        labels,
        num_classes,
        mean,
        std,
        bs,
        ctx,
        augment=True,
        pad=2,
        label_smoothing=0.1,
    )
    nb = loop.batches_per_epoch

    def ours(epoch):
        _, _, seen, secs = loop.run_epoch(epoch, lambda b: _train.lr_at((epoch + b / nb) / 100, 0.05))
        return seen / secs

    # -- plain Gluon loop ---------------------------------------------------------------------
    net_b = build(args.net, num_classes, ctx)
    net_b.hybridize()
    trainer_b = gluon.Trainer(
        net_b.collect_params(), 'nag', {'learning_rate': 0.05, 'wd': 5e-4, 'momentum': 0.9}
    )
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    data = ((x01 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)).transpose(0, 3, 1, 2)
    data = np.ascontiguousarray(data)
    ys = arrays.labels.astype(np.float32)
    metric = mx.metric.Accuracy()

    def plain(epoch):
        rng = np.random.default_rng(epoch)
        perm = rng.permutation(len(ys))
        metric.reset()
        start = time.time()
        n = (len(ys) // bs) * bs
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            x = mx.nd.array(data[idx], ctx=ctx)
            y = mx.nd.array(ys[idx], ctx=ctx)
            with autograd.record():
                out = net_b(x)
                loss = loss_fn(out, y)
            loss.backward()
            trainer_b.step(bs)
            metric.update([y], [out])
        mx.nd.waitall()
        return n / (time.time() - start)

    ours(0)
    plain(0)  # warm-up (graph building, allocation)
    a, b = [], []
    for r in range(1, args.repeats + 1):
        a.append(ours(r))
        b.append(plain(r))
        print('repeat %d: ours %.0f img/s, plain %.0f img/s' % (r, a[-1], b[-1]), flush=True)
    ma, mb = float(np.median(a)), float(np.median(b))
    print(
        'net=%s batch_size=%d images=%d threads=%d data=%s' % (args.net, bs, len(ys), args.threads, args.data)
    )
    print('ours (autogluon trial loop): %.0f images/s' % ma)
    print('plain Gluon loop:            %.0f images/s' % mb)
    print('ratio: %.3f (target >= 0.9)' % (ma / mb))
    del images, labels
    loop = None  # noqa: F841 (drops the memory-mapped split before the folder goes)
    _train._CACHE.clear()
    tmp.cleanup()
    return ma / mb


if __name__ == '__main__':
    main()
