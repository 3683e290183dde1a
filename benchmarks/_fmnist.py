"""Helpers of benchmarks/early_stopping.py: a Fashion-MNIST subset as .npy files and an MXNet trainer.

``prepare_subset`` decodes the gzip idx files of the Debian package ``dataset-fashion-mnist``
once (in the driver) and writes float32 arrays that every trial maps with ``np.load(mmap_mode='r')``.
``train_mlp(args, reporter)`` trains a hybridized Gluon MLP for ``args.epochs`` epochs, one report
per epoch, and keeps its full state (parameters, optimizer state, epoch) with
``reporter.save_dict`` so a trial that Hyperband pauses and later promotes continues where it
stopped, on exactly the trajectory it would have followed without the pause.
"""

import gzip
import os
import struct
import time

import numpy as np

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    (magic,) = struct.unpack(">I", data[:4])
    if magic >> 8 != 0x08:  # 0x08: unsigned byte
        raise ValueError("%s: not an idx file of unsigned bytes (magic %#x)" % (path, magic))
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def prepare_subset(folder, n_train=6000, n_val=2000, seed=0, source=FASHION_MNIST_DIR):
    """Write train_x/train_y/val_x/val_y .npy files to ``folder``; returns ``folder``.

    Both splits are drawn without overlap from the 60,000 training images (the test set is
    left alone); pixels are scaled to [0, 1] and flattened to 784 float32 values.
    """
    images = _read_idx(os.path.join(source, "train-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(source, "train-labels-idx1-ubyte.gz"))
    if n_train + n_val > len(images):
        raise ValueError("asked for %d images, the training set has %d" % (n_train + n_val, len(images)))
    order = np.random.RandomState(seed).permutation(len(images))
    os.makedirs(folder, exist_ok=True)
    for name, index in (("train", order[:n_train]), ("val", order[n_train : n_train + n_val])):
        x = images[index].reshape(len(index), -1).astype(np.float32) / 255.0
        np.save(os.path.join(folder, name + "_x.npy"), x)
        np.save(os.path.join(folder, name + "_y.npy"), labels[index].astype(np.float32))
    return folder


def _load(folder):
    return [
        np.load(os.path.join(folder, name + ".npy"), mmap_mode="r")
        for name in ("train_x", "train_y", "val_x", "val_y")
    ]


def build_net(hidden, layers, dropout):
    from mxnet.gluon import nn

    # A fixed prefix and a name scope give the same parameter names in every trial; otherwise
    # Gluon's process-wide counters rename them, and a Trainer (which orders its parameters by
    # name) would order them differently in a resumed trial, scrambling its optimizer state.
    net = nn.HybridSequential(prefix="mlp_")
    with net.name_scope():
        for _ in range(layers):
            net.add(nn.Dense(hidden, activation="relu"))
            if dropout > 0:
                net.add(nn.Dropout(dropout))
        net.add(nn.Dense(10))
    return net


def train_mlp(args, reporter):
    """One trial. Reads ``data_path``, ``epochs``, ``lr``, ``optimizer``, ``hidden``, ``layers``,
    ``dropout``, ``batch_size``, ``wd``, ``trial_seed`` and ``save_state`` (keep the state for
    promotion) from ``args``; reports
    ``epoch``/``training_epoch``, ``accuracy`` (validation), ``train_loss`` and ``time``
    (``time.time()`` at the end of the epoch) every epoch."""
    import mxnet as mx
    from mxnet import autograd, gluon

    train_x, train_y, val_x, val_y = _load(args.data_path)
    # mmap'd arrays become NDArrays once per trial (a few MB), not per epoch
    train_x = mx.nd.array(train_x)
    train_y = mx.nd.array(train_y)
    val_x = mx.nd.array(val_x)
    val_y_np = np.asarray(val_y)
    n = train_x.shape[0]
    batch = int(args.batch_size)

    mx.random.seed(args.trial_seed)
    net = build_net(int(args.hidden), int(args.layers), float(args.dropout))
    net.initialize(mx.init.Xavier(magnitude=2.0))
    net.hybridize(static_alloc=True, static_shape=True)
    net(train_x[:batch])  # shapes the parameters
    opt_params = {"learning_rate": args.lr, "wd": args.wd}
    if args.optimizer == "sgd":
        opt_params["momentum"] = 0.9
    trainer = gluon.Trainer(net.collect_params(), args.optimizer, opt_params)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    start_epoch = 1
    state = reporter.load_dict()
    if state is not None:  # promoted after a pause: continue from the saved epoch
        params = net.collect_params()
        for name, value in state["params"].items():
            params[name].set_data(mx.nd.array(value))
        states_file = os.path.join(reporter.trial_dir, "trainer.states")
        with open(states_file, "wb") as f:
            f.write(state["trainer"])
        trainer.load_states(states_file)
        start_epoch = state["epoch"] + 1

    for epoch in range(start_epoch, args.epochs + 1):
        # per-epoch seeds make the trajectory independent of where a trial was paused
        mx.random.seed(args.trial_seed * 1000 + epoch)
        order = np.random.RandomState(args.trial_seed * 1000 + epoch).permutation(n)
        order = mx.nd.array(order, dtype="int32")
        total = mx.nd.zeros((1,))
        for i in range(0, n - batch + 1, batch):  # drop the last partial batch (static shapes)
            idx = order[i : i + batch]
            x = train_x.take(idx)
            y = train_y.take(idx)
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(batch)
            total += loss.sum()
        train_loss = float(total.asscalar()) / (n - n % batch)
        pred = np.concatenate(
            [net(val_x[i : i + 1000]).argmax(axis=1).asnumpy() for i in range(0, val_x.shape[0], 1000)]
        )
        accuracy = float((pred == val_y_np).mean())
        if args.save_state and reporter.trial_dir:  # save before reporting: a pause raises inside reporter()
            states_file = os.path.join(reporter.trial_dir, "trainer.states")
            os.makedirs(reporter.trial_dir, exist_ok=True)
            trainer.save_states(states_file)
            with open(states_file, "rb") as f:
                trainer_bytes = f.read()
            reporter.save_dict(
                epoch=epoch,
                trainer=trainer_bytes,
                params={k: p.data().asnumpy() for k, p in net.collect_params().items()},
            )
        reporter(
            epoch=epoch, training_epoch=epoch, accuracy=accuracy, train_loss=train_loss, time=time.time()
        )
