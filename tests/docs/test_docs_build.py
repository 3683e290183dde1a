"""The Sphinx docs build with warnings as errors (``make docs`` does the same)."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip('sphinx', reason='install the test extra: pip install -e .[test]')
    out = tmp_path / 'html'
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'sphinx',
            '-W',
            '--keep-going',
            '-q',
            '-b',
            'html',
            os.path.join(ROOT, 'docs'),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for page in ('index.html', 'tutorials/quick_start.html', 'guides/schedulers.html', 'api/scheduler.html'):
        assert (out / page).exists(), page
    api = (out / 'api' / 'scheduler.html').read_text()
    # The API reference really was generated from the docstrings.
    assert 'Hyperband_Scheduler' in api and 'get_best_config' in api
    schedulers = (out / 'guides' / 'schedulers.html').read_text()
    assert 'training_curves.png' in schedulers
    assert (out / '_images' / 'training_curves.png').exists() or (
        out / '_static' / 'training_curves.png'
    ).exists()


def test_docstring_examples_run():
    """The examples in the docstrings (shown in the API reference) run and give what they show."""
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'pytest',
            '-q',
            '-p',
            'no:cacheprovider',
            '--doctest-modules',
            os.path.join(ROOT, 'autogluon'),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert ' passed' in proc.stdout
