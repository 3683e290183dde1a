"""Failed trials reach the screen by default, and the user's own logging configuration wins."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import sys
sys.path.insert(0, %(root)r)
%(logging)s
import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler

@ag.args(x=ag.space.Categorical(*range(12)))
def train_fn(args, reporter):
    if args.x in (3, 7):
        raise ValueError('diverged on purpose for x=%%d' %% args.x)
    reporter(epoch=1, accuracy=args.x / 10)

s = FIFO_Scheduler(train_fn, None, {'num_cpus': 1, 'num_gpus': 0}, 'grid', checkpoint=None,
                   progress=%(progress)s, max_concurrent=1)
s.run()
print('DONE', len(s.tasks))
"""


def _run(tmp_path, logging_setup="", progress=False):
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT % {"root": ROOT, "logging": logging_setup, "progress": progress})
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180, cwd=str(tmp_path)
    )
    assert out.returncode == 0, out.stderr
    assert "DONE 12" in out.stdout
    return out.stderr


def test_failures_are_shown_on_stderr_without_any_logging_setup(tmp_path):
    err = _run(tmp_path, progress=True)
    # the first failure, with the end of its traceback
    assert err.count("ValueError: diverged on purpose for x=3") >= 1
    assert "Traceback" in err or 'line ' in err
    assert "raise ValueError" in err
    assert "_decorators.py" not in err and "_worker.py" not in err  # the traceback starts at the user's code
    # the summary at the end
    assert "2 of 12 trials failed: see scheduler.get_trials()" in err
    # the progress bar counts them
    assert "failed=2" in err
    # nothing below WARNING by default
    assert "run finished" not in err


def test_the_users_logging_configuration_wins_and_nothing_is_printed_twice(tmp_path):
    err = _run(
        tmp_path, "import logging\nlogging.basicConfig(level=logging.INFO, format='USER| %(message)s')"
    )
    assert err.count("2 of 12 trials failed") == 1
    assert "USER| 2 of 12 trials failed" in err
    assert "USER| run finished" in err  # their level (INFO) applies
    assert "WARNING:autogluon" not in err  # the library's own format never appears
