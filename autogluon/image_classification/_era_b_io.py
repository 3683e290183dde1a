"""One-file save and load of the first public release's ``Classifier`` (``classifier.save(path)``,
``Classifier.load(path)``).

The file is a zip archive holding ``model.params`` and ``model.json`` (what
``ImageClassifier.save`` writes) and ``results.json`` (``classifier.results``; values that are not
JSON, such as search spaces, are kept as their text). It is written whole or not at all.
"""

import json
import os
import shutil
import tempfile
import zipfile

from ..core._validate import check_instance

__all__ = ['save_classifier', 'load_classifier', 'FORMAT']

FORMAT = 'autogluon.image_classification.classifier'
_RESULTS = 'results.json'


def _path(checkpoint, what):
    check_instance(
        '%s: checkpoint' % what, checkpoint, (str, os.PathLike), 'a file path (e.g. "classifier.ag")'
    )
    return os.path.abspath(os.path.expanduser(os.fspath(checkpoint)))


def save_classifier(classifier, checkpoint):
    """Write ``classifier`` to the file ``checkpoint``; returns its absolute path."""
    from ._model import _jsonable

    path = _path(checkpoint, 'Classifier.save')
    if os.path.isdir(path):
        raise ValueError(
            'Classifier.save: %s is a folder; give a file path such as %s'
            % (path, os.path.join(path, 'classifier.ag'))
        )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    results = dict(classifier.results)
    results['trial_info'] = {str(k): v for k, v in results.get('trial_info', {}).items()}
    tmp_dir = tempfile.mkdtemp(prefix='ag-classifier-')
    tmp_file = path + '.tmp.%d' % os.getpid()
    try:
        classifier.image_classifier.save(tmp_dir)
        with zipfile.ZipFile(tmp_file, 'w', zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(os.listdir(tmp_dir)):
                archive.write(os.path.join(tmp_dir, name), name)
            archive.writestr(
                _RESULTS,
                json.dumps({'format': FORMAT, 'results': _jsonable(results)}, indent=1, sort_keys=True),
            )
        os.replace(tmp_file, path)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if os.path.exists(tmp_file):
            os.remove(tmp_file)
    return path


def load_classifier(checkpoint):
    """``(ImageClassifier, results)`` read from a file written by :func:`save_classifier`."""
    from ._model import ImageClassifier

    path = _path(checkpoint, 'Classifier.load')
    if not os.path.isfile(path):
        raise FileNotFoundError('Classifier.load: no such file: %s' % path)
    if not zipfile.is_zipfile(path):
        raise ValueError('Classifier.load: %s was not written by classifier.save()' % path)
    tmp_dir = tempfile.mkdtemp(prefix='ag-classifier-')
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not {'model.params', 'model.json', _RESULTS} <= names:
                raise ValueError(
                    'Classifier.load: %s was not written by classifier.save() (it '
                    'holds %s)' % (path, sorted(names))
                )
            for name in ('model.params', 'model.json'):
                archive.extract(name, tmp_dir)
            stored = json.loads(archive.read(_RESULTS).decode('utf-8'))
        if stored.get('format') != FORMAT:
            raise ValueError('Classifier.load: %s was not written by classifier.save()' % path)
        model = ImageClassifier.load(tmp_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    results = stored['results']
    results['trial_info'] = {
        int(k) if k.isdigit() else k: v for k, v in results.get('trial_info', {}).items()
    }
    return model, results
