"""A Kaggle-style submission file from predicted class indices."""

import csv
import math
import os

from ..core._validate import check_instance, fail_type, fail_value, is_real

__all__ = ["generate_csv"]


def _as_index(value, position):
    """An int from an int, a numpy scalar or a one-element MXNet NDArray (what predict returns)."""
    if hasattr(value, "asscalar"):
        value = value.asscalar()
    elif hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    allowed = "a class index (an int, or what task.predict returns)"
    if not is_real(value):
        raise fail_type("inds[%d]" % position, allowed, value)
    if not math.isfinite(value) or value != int(value):
        raise fail_value("inds[%d]" % position, allowed, value)
    return int(value)


def generate_csv(inds, path):
    """Write ``id,category`` rows (ids from 1, in the order of ``inds``) to ``path``.

    ``inds`` holds one predicted class index per test image, in the order the images were
    predicted (for example ``[task.predict(p)[0] for p in paths]`` or what
    ``task.predict_batch`` returns). The file is written whole or not at all.
    """
    if isinstance(inds, (str, bytes)) or not hasattr(inds, "__iter__"):
        raise fail_type("inds", "a sequence of class indices", inds)
    check_instance("path", path, (str, os.PathLike), "a file path (a str or os.PathLike)")
    rows = [(i + 1, _as_index(ind, i)) for i, ind in enumerate(inds)]
    path = os.path.expanduser(os.fspath(path))
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "category"])
        writer.writerows(rows)
    os.replace(tmp, path)
