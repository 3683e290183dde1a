"""Every example script runs in its fast mode (``--time 15 --epochs 1``) from any folder."""

import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, 'examples', '**', '*.py'), recursive=True))


def test_examples_are_found():
    names = {os.path.relpath(p, ROOT) for p in EXAMPLES}
    assert 'examples/image_classification/trial_scheduler.py' in names, names


@pytest.mark.parametrize('script', EXAMPLES, ids=lambda p: os.path.relpath(p, ROOT))
def test_example_runs_in_fast_mode(script, tmp_path):
    env = dict(os.environ, MPLBACKEND='Agg', HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, script, '--time', '15', '--epochs', '1'],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert 'Traceback' not in out, out[-6000:]
    # Nothing was written into the source tree.
    assert not os.path.exists(os.path.join(ROOT, 'examples', 'exp'))
