"""One vocabulary of argument checks for every package.

The rule: a value of the wrong *type* raises ``TypeError``; a value of the right type that is not
allowed raises ``ValueError``. Every message has the same shape, naming the parameter, what is
allowed and what was given::

    num_trials must be an int >= 1 or None, got '5' of type str
    mode must be one of 'max', 'min', got 'maximum'

Each check returns the value normalised (an ``int`` for numpy integers, a ``float`` for reals, the
canonical spelling of a choice), so callers write ``self.x = check_int('x', x, low=1)``.
"""

import math
import numbers

__all__ = [
    "fail_type",
    "fail_value",
    "type_name",
    "check_bool",
    "check_str",
    "check_choice",
    "check_int",
    "check_real",
    "check_seconds",
    "check_instance",
    "check_callable",
    "is_int",
    "is_real",
]


def type_name(value):
    """The short type name used in messages (``'NoneType'``, ``'str'``, ``'numpy.float32'``)."""
    kind = type(value)
    module = kind.__module__
    if module in ("builtins", "__main__") or module is None:
        return kind.__qualname__
    return "%s.%s" % (module.split(".")[0], kind.__qualname__)


def fail_type(name, allowed, value):
    """The ``TypeError`` for ``name``: ``'<name> must be <allowed>, got <value> of type <T>'``."""
    return TypeError("%s must be %s, got %r of type %s" % (name, allowed, value, type_name(value)))


def fail_value(name, allowed, value):
    """The ``ValueError`` for ``name``: ``'<name> must be <allowed>, got <value>'``."""
    return ValueError("%s must be %s, got %r" % (name, allowed, value))


def is_int(value):
    """True for ints (numpy's too), False for bools."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def is_real(value):
    """True for real numbers (ints, floats, numpy scalars), False for bools."""
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _is_bool(value):
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def _or_none(allowed, allow_none):
    return allowed + " or None" if allow_none else allowed


def check_bool(name, value, allow_none=False):
    """A bool (numpy's too); returns a Python bool."""
    if value is None and allow_none:
        return None
    if not _is_bool(value):
        raise fail_type(name, _or_none("True or False", allow_none), value)
    return bool(value)


def check_str(name, value, allow_none=False, allow_empty=False):
    """A str, non-empty unless ``allow_empty``."""
    if value is None and allow_none:
        return None
    allowed = _or_none("a str" if allow_empty else "a non-empty str", allow_none)
    if not isinstance(value, str):
        raise fail_type(name, allowed, value)
    if not value and not allow_empty:
        raise fail_value(name, allowed, value)
    return value


def check_choice(name, value, choices, allow_none=False, ignore_case=True):
    """One of the strings ``choices``; returns the spelling in ``choices``.

    With ``ignore_case`` (the default) surrounding blanks and case are ignored: ``' Max'`` -> ``'max'``.
    """
    if value is None and allow_none:
        return None
    allowed = _or_none("one of " + ", ".join(repr(c) for c in choices), allow_none)
    if not isinstance(value, str):
        raise fail_type(name, allowed, value)
    key = value.strip().lower() if ignore_case else value
    for choice in choices:
        if key == (choice.lower() if ignore_case else choice):
            return choice
    raise fail_value(name, allowed, value)


def _range_text(low, high, low_open=False):
    if low is not None and high is not None:
        return "in (%s, %s]" % (low, high) if low_open else "between %s and %s" % (low, high)
    if low is not None:
        return "> %s" % low if low_open else ">= %s" % low
    if high is not None:
        return "<= %s" % high
    return ""


def _allowed_number(kind, low, high, low_open, allow_none, extra=""):
    allowed = " ".join(part for part in (kind, _range_text(low, high, low_open)) if part)
    return _or_none(allowed + extra, allow_none)


def check_int(name, value, low=None, high=None, allow_none=False):
    """An int (not a bool) within ``[low, high]`` (either bound may be None); returns an int."""
    if value is None and allow_none:
        return None
    allowed = _allowed_number("an int", low, high, False, allow_none)
    if not is_int(value):
        raise fail_type(name, allowed, value)
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise fail_value(name, allowed, value)
    return number


def check_real(name, value, low=None, high=None, allow_none=False, low_open=False, finite=True):
    """A real number (not a bool) within the bounds; returns a float.

    ``low_open=True`` excludes ``low`` itself (``low=0, low_open=True``: positive). ``finite=False``
    lets infinities through (NaN never passes).
    """
    if value is None and allow_none:
        return None
    allowed = _allowed_number("a finite number" if finite else "a number", low, high, low_open, allow_none)
    if not is_real(value):
        raise fail_type(name, allowed, value)
    number = float(value)
    too_low = low is not None and (number <= low if low_open else number < low)
    bad = math.isnan(number) or (finite and math.isinf(number))
    if bad or too_low or (high is not None and number > high):
        raise fail_value(name, allowed, value)  # the value as given, not as converted
    return number


def check_seconds(name, value, allow_none=True):
    """A positive, finite number of seconds; returns a float (``None`` passes unless disallowed)."""
    if value is None and allow_none:
        return None
    allowed = _or_none("a positive number of seconds", allow_none)
    if not is_real(value):
        raise fail_type(name, allowed, value)
    number = float(value)
    if not number > 0 or math.isinf(number):
        raise fail_value(name, allowed, value)
    return number


def check_instance(name, value, kinds, allowed, allow_none=False):
    """An instance of ``kinds`` (a class or tuple); ``allowed`` is the prose for the message."""
    if value is None and allow_none:
        return None
    if not isinstance(value, kinds):
        raise fail_type(name, _or_none(allowed, allow_none), value)
    return value


def check_callable(name, value, allow_none=False, allowed="a function"):
    """Something callable."""
    if value is None and allow_none:
        return None
    if not callable(value):
        raise fail_type(name, _or_none(allowed, allow_none), value)
    return value
