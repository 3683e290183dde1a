"""Shared pieces of the comparison benchmarks: paths, thread limits, machine facts, tables.

Imported by the drivers (``overhead.py``, ``early_stopping.py``, ``report.py``) and, through
``_peers.py``, by Ray Tune's and Optuna's worker processes, so it imports nothing heavy.
"""

import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
RESULTS = os.path.join(BENCH, "results")

# The modules next to the drivers (benchmarks/ for _fmnist and scheduler_overhead,
# benchmarks/compare/ for _peers) must import in every worker of every tuner: Ray's and
# Optuna's workers inherit PYTHONPATH, ours get the driver's sys.path.
for _path in (ROOT, BENCH, HERE):  # HERE first: its early_stop/overhead, then benchmarks/
    if _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)


def thread_env():
    """The per-trial thread limits our workers get for a 1-CPU slot (OMP/MKL/OpenBLAS/numexpr
    and MXNet's engine), taken from the library so all tuners run trials with the same limits."""
    from autogluon.scheduler.resource import Slot

    return {k: v for k, v in Slot(0, [0], []).env().items() if "THREADS" in k}


def child_env():
    """Environment of a benchmark child process: the thread limits plus a PYTHONPATH that
    lets Ray's and Optuna's worker processes import the adapters and ``_fmnist``."""
    env = dict(os.environ)
    env.update(thread_env())
    paths = [HERE, BENCH, ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage-stats prompt or upload attempt
    # No per-trial CSV/JSON/TensorBoard result files from Ray (its default; they about double its
    # no-work time), as our schedulers run with visualizer='none' and Optuna writes none either.
    # Ray still saves its experiment state, as ours saves its checkpoint and Optuna its journal.
    env.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    return env


def versions():
    out = {"python": platform.python_version()}
    for name in ("autogluon", "mxnet", "numpy", "ray", "optuna"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # pragma: no cover - a peer not installed
            out[name] = None
    return out


def machine():
    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "description": "2-core development machine, no GPU"
        if os.cpu_count() == 2
        else "%d-core machine" % os.cpu_count(),
        "platform": platform.platform(),
        "cpu_model": cpu,
        "cpus": os.cpu_count(),
        "mem_gib": mem,
    }


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def now():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def run_child(argv, timeout):
    """Run one measurement in a fresh interpreter of this venv (own session, so whatever it
    leaves behind can be ended); returns the JSON object it prints on its last stdout line."""
    proc = subprocess.Popen(
        [sys.executable] + argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        start_new_session=True,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        raise RuntimeError(
            "%s timed out after %ss; stderr tail:\n%s" % (" ".join(argv), timeout, err[-3000:])
        ) from None
    _kill_group(proc.pid)  # stragglers of a peer (there should be none after ray.shutdown())
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            "%s failed (rc %s); stderr tail:\n%s" % (" ".join(argv), proc.returncode, err[-3000:])
        )
    return json.loads(lines[-1])


def _kill_group(pgid):
    import signal

    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def write_json(path, payload):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(clean(payload), f, indent=1, default=str)
    os.replace(tmp, path)


def clean(obj):
    """JSON-safe copy: inf/nan become None (JSON has neither), tuples lists, keys strings."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, float) and (math.isinf(obj) or math.isnan(obj)):
        return None
    return obj


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0 or math.isinf(a) or math.isinf(b):
        return None
    return a / b


def fmt(value, spec="%.2f", none="-"):
    if value is None or (isinstance(value, float) and (math.isinf(value) or math.isnan(value))):
        return none
    return spec % value


def markdown_table(header, rows):
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
