"""Small helpers of the 2019 API: machine counts, files, and a Kaggle-style submission.

``ag.get_cpu_count()``, ``ag.get_gpu_count()``, ``ag.download(url, path)``, ``ag.unzip(path)`` and
``ag.utils.generate_csv(indices, path)``. The library never downloads anything by itself:
``download`` runs only when you call it.

Example::

    >>> import os, tempfile
    >>> import autogluon as ag
    >>> path = os.path.join(tempfile.mkdtemp(), 'submission.csv')
    >>> ag.utils.generate_csv([2, 0, 1], path)
    >>> open(path).read().splitlines()
    ['id,category', '1,2', '2,0', '3,1']
"""

from ._files import check_sha1, download, unzip
from ._machine import get_cpu_count, get_gpu_count
from ._submission import generate_csv

__all__ = ["download", "unzip", "check_sha1", "get_cpu_count", "get_gpu_count", "generate_csv"]
