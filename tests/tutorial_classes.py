"""The tutorial's custom scheduler and stopping rule, taken from the tutorial itself.

The cell "Create your own trial scheduler" of ``tests/docs/spec/tutorial_trial_scheduler.md`` (a
verbatim copy of shared/spec/tutorial_trial_scheduler.md, checked by tests/docs) is run here as
written, so the tests exercise the tutorial's code and not a copy of it that could drift.
Shared by the tests that check that this code runs as written (tests/conftest.py's folder is on
sys.path, so ``from tutorial_classes import ...`` works from every test folder).
"""

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SPEC = os.path.join(_ROOT, 'tests', 'docs', 'spec', 'tutorial_trial_scheduler.md')
sys.path.insert(0, os.path.join(_ROOT, 'docs', 'tools'))

from run_snippets import extract_blocks  # noqa: E402

_CELL = [code for line, code in extract_blocks(_SPEC) if 'class MedianStopping_Scheduler(' in code]
assert len(_CELL) == 1, 'the tutorial should define MedianStopping_Scheduler in exactly one cell'
exec(compile(_CELL[0], _SPEC, 'exec'))

__all__ = ['MedianStopping_Scheduler', 'MediamStoppingRule']  # noqa: F822 (defined by the exec above)
