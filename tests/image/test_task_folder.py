"""task.fit and its savedir: one live fit per folder, the default moves aside, resume only the same search."""

import logging
import os
import subprocess
import sys
import textwrap
import time

import pytest

import autogluon as ag
from autogluon import image_classification as task
from autogluon.core._lock import LOCK_NAME, FolderInUseError
from autogluon.scheduler import TaskScheduler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SMALL = dict(nets=['compact_cnn_small'], optimizers=['sgd'], num_training_epochs=1, seed=0)


@pytest.fixture(scope='module')
def dataset():
    return task.Dataset(name='shopeeiet', train_path=os.path.join(task.sample_data_path(), 'train'))


# The first "notebook": a fit whose trials are slow enough that the second one starts meanwhile.
FIRST_FIT = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    os.chdir({cwd!r})
    from autogluon import image_classification as task
    ds = task.Dataset(train_path=os.path.join(task.sample_data_path(), 'train'))
    kwargs = {kwargs!r}
    results = task.fit(ds, nets=['compact_cnn_small'], optimizers=['sgd'], num_trials=2,
                       num_training_epochs=4, seed=0, **kwargs)
    best = results.scheduler.get_best_reward()
    print('RESULT %r %r %s' % (results.metric, best, results.metadata['savedir']))
""")


def _start_first_fit(tmp_path, kwargs):
    script = tmp_path / 'first_fit.py'
    script.write_text(FIRST_FIT.format(root=ROOT, cwd=str(tmp_path), kwargs=kwargs))
    return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)


def _wait_for_trials(folder, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.isdir(os.path.join(folder, 'trials', 'trial_0')):
            return
        assert proc.poll() is None, 'the first fit ended early'
        time.sleep(0.1)
    raise AssertionError('the first fit started no trial in time')


def _finish(proc):
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    line = [row for row in out.splitlines() if row.startswith('RESULT ')][-1].split()
    return float(line[1]), float(line[2]), line[3]


def test_a_second_fit_on_a_savedir_in_use_is_refused_and_the_first_is_unharmed(tmp_path, dataset):
    folder = str(tmp_path / 'shared')
    first = _start_first_fit(tmp_path, {'savedir': folder})
    try:
        _wait_for_trials(folder, first)
        data_before = {
            f: os.stat(os.path.join(folder, 'data', f)).st_mtime_ns
            for f in os.listdir(os.path.join(folder, 'data'))
        }
        with pytest.raises(FolderInUseError) as info:
            task.fit(dataset, savedir=folder, num_trials=1, **SMALL)
        message = str(info.value)
        assert folder in message and 'pid %d' % first.pid in message and 'another folder' in message
        assert os.path.isdir(os.path.join(folder, 'trials', 'trial_0'))  # not deleted ...
        assert data_before == {
            f: os.stat(os.path.join(folder, 'data', f)).st_mtime_ns
            for f in os.listdir(os.path.join(folder, 'data'))
        }  # ... nor rewritten
        metric, best, savedir = _finish(first)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # the first fit's model has the validation accuracy it reports
    assert savedir == folder and metric == pytest.approx(best)
    assert not os.path.exists(os.path.join(folder, LOCK_NAME))


def test_two_fits_with_the_default_savedir_do_not_collide(tmp_path, dataset, monkeypatch, caplog):
    first = _start_first_fit(tmp_path, {})
    default = str(tmp_path / 'checkpoint')
    try:
        _wait_for_trials(default, first)
        monkeypatch.chdir(tmp_path)
        with caplog.at_level(logging.WARNING, logger='autogluon.image_classification'):
            second = task.fit(dataset, num_trials=1, **SMALL)
        _, _, first_savedir = _finish(first)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first_savedir == default
    assert second.metadata['savedir'] == os.path.join(default, 'exp2')
    assert os.path.exists(os.path.join(default, 'exp2', 'checkpoint.ag'))
    assert 'in use by another live run' in caplog.text and os.path.join(default, 'exp2') in caplog.text
    # once the first fit ended, the default folder is free again
    task.fit(dataset, savedir='checkpoint/exp1.ag', num_trials=1, **SMALL)


def test_fit_on_a_single_class_folder_is_a_clear_error_before_anything_is_written(tmp_path):
    root = tmp_path / 'one'
    src = os.path.join(task.sample_data_path(), 'train', 'BabyPants')
    os.makedirs(str(root / 'BabyPants'))
    for name in sorted(os.listdir(src))[:10]:
        os.symlink(os.path.join(src, name), str(root / 'BabyPants' / name))
    with pytest.raises(ValueError, match='at least 2 classes') as info:
        task.fit(str(root), savedir=str(tmp_path / 'exp'), num_trials=1, **SMALL)
    assert str(root) in str(info.value)
    assert not (tmp_path / 'exp').exists()


def test_resume_loads_the_wrapped_hyperband_state_and_refuses_another_search(tmp_path, dataset, monkeypatch):
    savedir = str(tmp_path / 'hb')
    kw = dict(
        SMALL,
        num_training_epochs=3,
        trial_scheduler='hyperband',
        savedir=savedir,
        scheduler_options={'brackets': 2, 'reduction_factor': 2},
        optimizers=['sgd', 'adam'],
    )
    first = task.fit(dataset, num_trials=3, max_metric=0.999, **kw)
    inner = first.scheduler.terminator.inner
    brackets = {tid: inner.bracket_of(tid) for tid in first.scheduler.tasks}
    assert len(set(brackets.values())) > 1, 'the test needs trials in several brackets'

    replays = []
    original = TaskScheduler._replay_into_terminator
    monkeypatch.setattr(
        TaskScheduler, '_replay_into_terminator', lambda self: replays.append(1) or original(self)
    )
    # resumed without max_metric: the Hyperband terminator is loaded, not rebuilt by replaying
    second = task.fit(dataset, num_trials=4, resume=True, **kw)
    assert replays == []
    terminator = second.scheduler.terminator
    assert type(terminator).__name__ == 'HyperbandStopping'
    assert {tid: terminator.bracket_of(tid) for tid in brackets} == brackets
    assert len(second.scheduler.tasks) == 4

    with pytest.raises(ValueError) as info:
        task.fit(dataset, num_trials=5, resume=True, lr=ag.space.Real(0.01, 0.02), **kw)
    message = str(info.value)
    assert 'search space' in message and 'resume=False' in message and 'savedir' in message
    assert len(os.listdir(os.path.join(savedir, 'trials'))) == 4  # nothing of the refused fit ran


def test_an_unusable_savedir_is_a_clear_error_before_the_data_is_prepared(tmp_path, dataset):
    from autogluon.scheduler import FolderNotWritableError

    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    with pytest.raises(FolderNotWritableError, match='savedir') as info:
        task.fit(dataset, savedir=str(blocker / 'exp'), num_trials=1, **SMALL)
    assert str(blocker / 'exp') in str(info.value)
