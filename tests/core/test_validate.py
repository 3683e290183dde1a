"""The shared argument checks: wrong type -> TypeError, wrong value -> ValueError, one message shape."""

import math

import numpy as np
import pytest

from autogluon.core import _validate as v


@pytest.mark.parametrize(
    "check, args, bad_type, bad_value",
    [
        (v.check_int, {"low": 1}, "5", 0),
        (v.check_int, {"low": 0, "high": 3}, 1.0, 4),
        (v.check_real, {"low": 0, "low_open": True}, "0.1", 0.0),
        (v.check_real, {}, None, math.nan),
        (v.check_real, {}, True, math.inf),
        (v.check_seconds, {}, "10", -1),
        (v.check_str, {}, 3, ""),
        (v.check_choice, {"choices": ("max", "min")}, 1, "maximum"),
    ],
)
def test_type_and_value_errors_name_the_parameter(check, args, bad_type, bad_value):
    with pytest.raises(TypeError, match=r"^knob must be .*, got .* of type "):
        check("knob", bad_type, **args)
    with pytest.raises(ValueError, match=r"^knob must be .*, got "):
        check("knob", bad_value, **args)


def test_bools_are_not_numbers():
    for check in (v.check_int, v.check_real, v.check_seconds):
        with pytest.raises(TypeError, match="of type bool"):
            check("n", True)
    with pytest.raises(TypeError, match="numpy.bool_"):
        v.check_int("n", np.bool_(True))


def test_values_are_normalised():
    assert type(v.check_int("n", np.int64(3), low=1)) is int
    assert type(v.check_real("x", np.float32(0.5))) is float
    assert v.check_choice("mode", " MAX", ("max", "min")) == "max"
    assert v.check_bool("flag", np.bool_(False)) is False
    assert v.check_real("x", math.inf, finite=False) == math.inf


def test_none_passes_only_when_allowed():
    assert v.check_int("n", None, allow_none=True) is None
    assert v.check_seconds("t", None) is None
    with pytest.raises(TypeError, match=r"an int >= 1, got None"):
        v.check_int("n", None, low=1)
    with pytest.raises(TypeError, match="or None"):
        v.check_int("n", "x", allow_none=True)


def test_range_is_in_the_message():
    with pytest.raises(ValueError, match=r"n must be an int between 1 and 3, got 7"):
        v.check_int("n", 7, low=1, high=3)
    with pytest.raises(ValueError, match=r"x must be a finite number in \(0, 1\], got 0$"):
        v.check_real("x", 0, low=0, high=1, low_open=True)


def test_the_message_shows_the_value_as_given():
    with pytest.raises(ValueError, match=r"got -1$"):
        v.check_seconds("t", -1)
    with pytest.raises(ValueError, match=r"got np.int64\(0\)$|got 0$"):
        v.check_int("n", np.int64(0), low=1)


def test_instance_and_callable():
    assert v.check_callable("fn", len) is len
    with pytest.raises(TypeError, match="fn must be a function, got 3 of type int"):
        v.check_callable("fn", 3)
    with pytest.raises(TypeError, match="args must be a dict or None, got"):
        v.check_instance("args", [1], dict, "a dict", allow_none=True)
