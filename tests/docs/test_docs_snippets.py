"""Every Python block of every docs page (and of the README) runs, in order, with small budgets: the docs cannot rot.

The pages are run by ``docs/tools/run_snippets.py`` (one fresh process, working folder and HOME per
page; ``~/data/{train,test}`` hold the shipped sample). The only change made to a page is
``time_limits`` and ``num_training_epochs`` set to small values. The 2019 trial-scheduler tutorial
our users run (a verbatim copy of ``shared/spec/tutorial_trial_scheduler.md``) runs the same way.
"""

import glob
import os
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'docs', 'tools'))

import run_snippets  # noqa: E402

SPEC_COPY = os.path.join(ROOT, 'tests', 'docs', 'spec', 'tutorial_trial_scheduler.md')
# The spec lives next to the development checkout (../shared); CI clones elsewhere on the same machine.
SPEC_CANDIDATES = [
    os.path.join(os.path.dirname(ROOT), 'shared', 'spec', 'tutorial_trial_scheduler.md'),
    '/work/shared/spec/tutorial_trial_scheduler.md',
]
SMALL_BUDGETS = {'time_limits': '20', 'num_training_epochs': '2'}

PAGES = sorted(
    p
    for p in glob.glob(os.path.join(ROOT, 'docs', '**', '*.md'), recursive=True)
    if os.sep + '_build' + os.sep not in p
) + [os.path.join(ROOT, 'README.md')]


def _id(path):
    return os.path.relpath(path, ROOT)


def test_every_page_is_found():
    names = {_id(p) for p in PAGES}
    for page in (
        'docs/index.md',
        'docs/tutorials/quick_start.md',
        'docs/tutorials/trial_scheduler.md',
        'docs/guides/schedulers.md',
    ):
        assert page in names, sorted(names)


@pytest.mark.parametrize('page', PAGES + [SPEC_COPY], ids=_id)
def test_page_runs(page):
    ok, out = run_snippets.run_page(page, SMALL_BUDGETS, timeout=540)
    assert ok, out[-6000:]
    assert ('OK: ' in out) or out.startswith('no Python blocks'), out[-2000:]


def test_spec_copy_is_verbatim():
    found = [p for p in SPEC_CANDIDATES if os.path.exists(p)]
    if not found:
        pytest.skip('no shared/spec on this machine to compare the copy with')
    with open(SPEC_COPY, 'rb') as a, open(found[0], 'rb') as b:
        assert a.read() == b.read(), 'tests/docs/spec/ is not a verbatim copy of shared/spec/'


# ---- the runner itself ------------------------------------------------------------------------


def _write(tmp_path, text):
    page = tmp_path / 'page.md'
    page.write_text(text)
    return str(page)


def test_extract_blocks_takes_python_fences_only(tmp_path):
    page = _write(
        tmp_path,
        '# T\n\n```python\nx = 1\n```\n\n```bash\nrm -rf /\n```\n\n'
        '```{.python .input}\ny = x + 1\n```\n\n````text\n```python\nno\n```\n````\n',
    )
    assert run_snippets.extract_blocks(page) == [(4, 'x = 1\n'), (12, 'y = x + 1\n')]


def test_unclosed_fence_is_an_error(tmp_path):
    page = _write(tmp_path, '```python\nx = 1\n')
    with pytest.raises(ValueError, match='never closed'):
        run_snippets.extract_blocks(page)


def test_settings_rewrite_top_level_assignments_only():
    code = 'time_limits = 2*60\n    time_limits = 5\nnum_training_epochs=10  # ten\n'
    out = run_snippets.apply_settings(code, {'time_limits': '20', 'num_training_epochs': '2'})
    assert out == 'time_limits = 20\n    time_limits = 5\nnum_training_epochs = 2\n'


def test_a_failing_block_fails_the_page_and_names_its_line(tmp_path):
    page = _write(
        tmp_path, '# T\n\n```python\nx = 1\n```\n\ntext\n\n```python\nassert x == 2, "x is %d" % x\n```\n'
    )
    ok, out = run_snippets.run_page(page, timeout=120)
    assert not ok
    assert 'line 10' in out and 'x is 1' in out


def test_blocks_share_a_namespace_and_see_the_sample_under_home(tmp_path):
    page = _write(
        tmp_path,
        '```python\nimport os\nn = len(os.listdir(os.path.expanduser("~/data/train")))\n```\n'
        '```python\nassert n == 4, n\nprint("classes", n)\n```\n',
    )
    ok, out = run_snippets.run_page(page, timeout=120)
    assert ok, out
    assert 'classes 4' in out


def test_a_page_that_hangs_silently_is_stopped_at_its_timeout(tmp_path):
    page = _write(tmp_path, '```python\nprint("before", flush=True)\nimport time\ntime.sleep(600)\n```\n')
    start = time.monotonic()
    ok, out = run_snippets.run_page(page, timeout=3)
    assert not ok
    assert 'before' in out and 'TIMEOUT' in out
    assert time.monotonic() - start < 30
