"""The shape rules of the code base (docs/guides/architecture.md): short functions, one style.

These are checks on the source, run with the tests so that a change that breaks a rule fails here
with the place named, not in a later review.
"""

import ast
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "autogluon")
MAX_FUNCTION_LINES = 80


def _python_files(folder):
    for base, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(base, name)


def _long_functions(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield "%s:%d %s() is %d lines" % (os.path.relpath(path, ROOT), node.lineno, node.name, length)


def test_no_function_in_the_package_is_longer_than_80_lines():
    found = [line for path in _python_files(PACKAGE) for line in _long_functions(path)]
    assert not found, "split these functions (at most %d lines each):\n%s" % (
        MAX_FUNCTION_LINES,
        "\n".join(found),
    )


def test_the_length_check_sees_a_long_function(tmp_path):
    body = "\n".join("    x%d = %d" % (i, i) for i in range(MAX_FUNCTION_LINES))
    path = tmp_path / "long.py"
    path.write_text("def too_long():\n%s\n    return 0\n" % body)
    assert [line for line in _long_functions(str(path))], "an 82-line function must be reported"


def _ruff():
    exe = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    if exe is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]' installs the pinned version")
    return exe


def test_ruff_lint_passes():
    proc = subprocess.run([_ruff(), "check", "--no-cache", ROOT], capture_output=True, text=True)
    assert proc.returncode == 0, (
        "ruff check found problems (run `ruff check --fix .`):\n" + proc.stdout[-4000:]
    )


def test_ruff_format_is_applied():
    proc = subprocess.run([_ruff(), "format", "--check", "--no-cache", ROOT], capture_output=True, text=True)
    assert proc.returncode == 0, "files not formatted (run `ruff format .`):\n" + proc.stdout[-4000:]
