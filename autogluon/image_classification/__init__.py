"""The image-classification task: ``from autogluon import image_classification as task``.

>>> from autogluon import image_classification as task
>>> dataset = task.Dataset(name='shopeeiet', train_path='~/data/train')         # doctest: +SKIP
>>> results = task.fit(dataset, time_limits=120, num_training_epochs=10)         # doctest: +SKIP
>>> task.evaluate(task.Dataset(name='shopeeiet', test_path='~/data/test'))       # doctest: +SKIP
>>> ind, prob = task.predict('~/data/test/BabyShirt/img.png')                     # doctest: +SKIP
>>> dataset.train.synsets[ind.asscalar()], prob.asscalar()                         # doctest: +SKIP

Importing this module is light: MXNet and GluonCV are imported inside the functions that need
them (``fit``, ``evaluate``, ``predict``, ``load``), never at import time.
"""

from ._data import Dataset, ImageArrays, ImageSkippedWarning, load_image, load_images, sample_data_path
from ._era_b import Classifier, ImageClassification
from ._fit import default_search_space, evaluate, fit, get_model, load, predict, predict_batch, save
from ._model import ImageClassifier, Prediction, PredictionBatch
from ._nets import list_nets
from ._results import FitResults
from ._spaces import Losses, Metrics, Nets, Optimizers

__all__ = [
    'Dataset',
    'ImageArrays',
    'ImageSkippedWarning',
    'fit',
    'evaluate',
    'predict',
    'predict_batch',
    'load',
    'save',
    'get_model',
    'ImageClassifier',
    'Prediction',
    'PredictionBatch',
    'FitResults',
    'Nets',
    'Optimizers',
    'Losses',
    'Metrics',
    'list_nets',
    'sample_data_path',
    'load_image',
    'load_images',
    'default_search_space',
    'ImageClassification',
    'Classifier',
]
