"""``@ag.obj`` and ``@ag.func``: searchable arguments on a class or a function (first public release).

Example::

    >>> import autogluon as ag
    >>> @ag.obj(rank=ag.space.Int(2, 5), name='auto')
    ... class MyObj:
    ...     def __init__(self, name, rank):
    ...         self.name, self.rank = name, rank
    >>> h = MyObj()                 # a searchable object: nothing is created yet
    >>> h.init().rank               # the real object, arguments at their defaults
    4
    >>> h.sample(rank=2).rank       # the real object for a chosen configuration
    2
"""

import functools

from ..space._nested import AutoGluonObject
from ._validate import check_instance, check_str, fail_type, fail_value

__all__ = ["obj", "func", "autogluon_object", "autogluon_function"]


def _check_kwvars(kwvars, decorator):
    """Argument names of ``@ag.obj``/``@ag.func``: Python identifiers."""
    for key in kwvars:
        if not check_str("@ag.%s: an argument name" % decorator, key).isidentifier():
            raise fail_value("@ag.%s: an argument name" % decorator, "an identifier", key)


def obj(**kwvars):
    """Decorate a class: calling it returns an :class:`~autogluon.space.AutoGluonObject` whose
    searchable arguments are ``kwvars`` (spaces or constants; keyword arguments of the call override them).
    """
    _check_kwvars(kwvars, "obj")

    def decorate(cls):
        check_instance("@ag.obj", cls, type, "used on a class (@ag.func is for a function)")
        wrapper = type(
            cls.__name__,
            (AutoGluonObject,),
            {
                "_ag_target": staticmethod(cls),
                "_ag_kwvars": dict(kwvars),
                "__doc__": cls.__doc__,
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
            },
        )
        return wrapper

    return decorate


def func(**kwvars):
    """Decorate a function: calling it returns an :class:`~autogluon.space.AutoGluonObject` that calls the
    function with a chosen configuration of ``kwvars`` when sampled (``.init()``, ``.sample(**config)``)."""
    _check_kwvars(kwvars, "func")

    def decorate(fn):
        if not callable(fn) or isinstance(fn, type):
            raise fail_type("@ag.func", "used on a function (@ag.obj is for a class)", fn)
        wrapper_cls = type(
            getattr(fn, "__name__", "function"),
            (AutoGluonObject,),
            {
                "_ag_target": staticmethod(fn),
                "_ag_kwvars": dict(kwvars),
                "__doc__": fn.__doc__,
                "__module__": getattr(fn, "__module__", __name__),
            },
        )

        @functools.wraps(fn)
        def make(*args, **kwargs):
            return wrapper_cls(*args, **kwargs)

        wrapper_cls._ag_factory = make
        return make

    return decorate


autogluon_object = obj
autogluon_function = func
