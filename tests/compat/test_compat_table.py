"""docs/guides/compatibility.md lists every 2019 name with its status here: each name it marks as
supported must exist where the table says, and each out-of-scope one must fail with a clear error."""

import importlib
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(ROOT, "docs", "guides", "compatibility.md")
ROW = re.compile(r"^\| `([A-Za-z_][\w.()]*)` \| ([^|]+?) \| ([^|]+?) \|")
STATUSES = {"same", "same, fixed", "partial", "not supported"}


def _rows():
    with open(PAGE) as f:
        rows = [m.groups() for m in map(ROW.match, f) if m]
    return [(name, release.strip(), status.strip()) for name, release, status in rows]


ROWS = _rows()


def resolve(path):
    """Import the longest module prefix of ``path``, then walk attributes; ``X()`` calls X()."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        module_name = ".".join(parts[:i])
        if "()" in module_name:
            continue
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        break
    for part in parts[i:]:
        call = part.endswith("()")
        obj = getattr(obj, part[:-2] if call else part)
        if call:
            obj = obj()
    return obj


def test_the_table_is_complete_and_well_formed():
    names = [name for name, _, _ in ROWS]
    assert len(names) >= 85, "the table lost rows: %d" % len(names)
    assert len(names) == len(set(names)), "a name is listed twice"
    assert {status for _, _, status in ROWS} <= STATUSES
    assert {release for _, release, _ in ROWS} == {"A", "Aug 2019", "B"}
    # The names the issue and shared/spec/API.md name, for both releases, are all in the table.
    for must in (
        "autogluon.image_classification.predict_batch",
        "autogluon.utils.generate_csv",
        "autogluon.optimizers.Adam",
        "autogluon.Losses",
        "autogluon.Metrics",
        "autogluon.resource.Resources",
        "autogluon.searcher.sample_from",
        "autogluon.scheduler.TaskScheduler().add_task",
        "autogluon.ImageClassification.Dataset",
        "autogluon.space.Dict",
        "autogluon.obj",
        "autogluon.func",
        "autogluon.scheduler.RLScheduler",
        "autogluon.scheduler.FIFOScheduler.join_jobs",
        "autogluon.download",
        "autogluon.unzip",
        "autogluon.get_cpu_count",
        "autogluon.get_gpu_count",
        "autogluon.searcher.SKoptSearcher",
    ):
        assert must in names, must


@pytest.mark.parametrize("name", [n for n, _, s in ROWS if s != "not supported"])
def test_every_supported_name_exists(name):
    obj = resolve(name)
    assert obj is not None


@pytest.mark.parametrize("name", [n for n, _, s in ROWS if s == "not supported"])
def test_every_unsupported_name_fails_clearly(name):
    for mod in [m for m in sys.modules if m.startswith(("autogluon.contrib", "autogluon.utils.tabular"))]:
        del sys.modules[mod]
    with pytest.raises((ImportError, AttributeError)) as info:
        resolve(name)
    if info.type is not AttributeError:
        assert "not part of this library" in str(info.value)
    top = name.split(".")[1]
    if top in ("TextClassification", "TabularPrediction", "ObjectDetection", "contrib", "task", "utils"):
        # The out-of-scope tasks say why, not just "no attribute".
        assert info.type is not AttributeError and "not part of this library" in str(info.value)
