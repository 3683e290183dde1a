"""Names of the 2019 releases that this library does not carry, and the error they give."""

__all__ = ["UNSUPPORTED", "UnsupportedFinder", "unsupported_error"]

# name -> what it was; each import of one raises ImportError saying so.
UNSUPPORTED = {
    "TextClassification": "the text-classification task",
    "TabularPrediction": "the tabular-prediction task",
    "ObjectDetection": "the object-detection task",
    "text_classification": "the text-classification task",
    "tabular_prediction": "the tabular-prediction task",
    "object_detection": "the object-detection task",
    "contrib": "the contrib package (ENAS and other neural-architecture search)",
    "enas": "ENAS neural-architecture search",
    "nas": "neural-architecture search",
    "tabular": "the tabular helpers",
    "torch": "the PyTorch helpers",
}


def unsupported_error(qualified_name, key):
    return ImportError(
        "%s (%s of the 2019 AutoGluon releases) is not part of this library, which carries the "
        "image-classification task, the schedulers, searchers and search spaces; see "
        "docs/guides/compatibility.md" % (qualified_name, UNSUPPORTED[key])
    )


# Modules users imported from those releases: autogluon.<first>... or autogluon.task.<first>...
_MODULES = {
    ("autogluon", "contrib"),
    ("autogluon", "nas"),
    ("autogluon", "text_classification"),
    ("autogluon", "tabular_prediction"),
    ("autogluon", "object_detection"),
    ("autogluon.task", "text_classification"),
    ("autogluon.task", "tabular_prediction"),
    ("autogluon.task", "object_detection"),
    ("autogluon.utils", "tabular"),
    ("autogluon.utils", "torch"),
}


class UnsupportedFinder:
    """An import hook that answers ``import autogluon.contrib.enas`` and the like with the
    reason, instead of a bare 'No module named ...' (and with no stub module to import)."""

    def find_spec(self, fullname, path=None, target=None):
        for prefix, key in _MODULES:
            head = prefix + "." + key
            if fullname == head or fullname.startswith(head + "."):
                raise unsupported_error(fullname, key)
        return None

    @classmethod
    def install(cls):
        import sys

        if not any(isinstance(f, cls) for f in sys.meta_path):
            sys.meta_path.append(cls())
