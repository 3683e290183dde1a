"""The decorators of autogluon.core check their arguments with the shared checks: a wrong type is a
TypeError, a wrong value a ValueError, and the message names what was wrong."""

import subprocess
import sys

import pytest

import autogluon as ag
from autogluon.core._decorators import _namespace_dict


def test_argument_names_of_obj_and_func():
    # a str that is not an identifier is a wrong value: ValueError (was TypeError before the checks were shared)
    with pytest.raises(ValueError, match=r"^@ag.obj: an argument name must be an identifier, got '1x'$"):
        ag.obj(**{'1x': 2})
    with pytest.raises(ValueError, match=r"^@ag.func: an argument name must be an identifier, got 'a b'$"):
        ag.func(**{'a b': 2})


def test_what_the_decorators_are_used_on():
    with pytest.raises(
        TypeError, match=r"^@ag.obj must be used on a class .*, got .* of type builtin_function"
    ):
        ag.obj(a=1)(len)
    with pytest.raises(TypeError, match=r"^@ag.func must be used on a function .*, got .* of type type$"):
        ag.func(a=1)(int)
    with pytest.raises(TypeError, match=r"^the decorated object must be callable .*, got 3 of type int$"):
        ag.args()(3)
    with pytest.raises(
        TypeError, match=r"^args must be an argparse.Namespace, .* or None, got \[1\] of type list$"
    ):
        _namespace_dict([1])


def test_core_names_load_on_first_use():
    # autogluon.core loads its decorators lazily, so that autogluon.space (which they build on) can import
    # autogluon.core._validate without an import cycle
    code = (
        "import autogluon.core as c, sys; "
        "print(c.obj.__module__, c.TrainFunction.__module__, set(c.__all__) <= set(dir(c)))"
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ['autogluon.core._objects', 'autogluon.core._decorators', 'True']
    with pytest.raises(AttributeError, match='no_such_name'):
        ag.core.no_such_name  # noqa: B018 (the attribute access is the test)
