"""The 2019 helpers: ag.utils.generate_csv, ag.download/unzip, ag.get_cpu_count/get_gpu_count,
and the names of those releases that this library does not carry."""

import csv
import hashlib
import http.server
import os
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest

import autogluon as ag


@pytest.fixture
def http_root(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/www; yields (base_url, folder)."""
    www = tmp_path / "www"
    www.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(www), **kw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1], www
    finally:
        server.shutdown()
        server.server_close()


def test_generate_csv_kaggle_rows_from_what_predict_returns(tmp_path):
    mx = pytest.importorskip("mxnet")
    inds = [mx.nd.array([3]), np.int64(0), 2, mx.nd.array([1])]
    path = tmp_path / "out" / "submission.csv"
    ag.utils.generate_csv(inds, str(path))
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["id", "category"], ["1", "3"], ["2", "0"], ["3", "2"], ["4", "1"]]


def test_generate_csv_rejects_non_indices_and_writes_nothing(tmp_path):
    path = tmp_path / "submission.csv"
    with pytest.raises(ValueError, match=r"inds\[1\]"):
        ag.utils.generate_csv([1, 0.5], str(path))
    with pytest.raises(TypeError, match="inds"):
        ag.utils.generate_csv(7, str(path))
    # a wrong type is a TypeError (was ValueError before the checks were shared); inf is a ValueError
    with pytest.raises(TypeError, match=r"^inds\[0\] must be a class index .*, got 'cat' of type str$"):
        ag.utils.generate_csv(['cat'], str(path))
    with pytest.raises(ValueError, match=r"^inds\[0\] must be a class index .*, got inf$"):
        ag.utils.generate_csv([float('inf')], str(path))
    with pytest.raises(TypeError, match=r"^path must be a file path .*, got 3 of type int$"):
        ag.utils.generate_csv([1], 3)
    assert not path.exists()


def test_download_to_folder_and_file_with_sha1(http_root, tmp_path):
    base, www = http_root
    payload = os.urandom(200_000)
    (www / "data.bin").write_bytes(payload)
    sha1 = hashlib.sha1(payload).hexdigest()
    dest = tmp_path / "dl"
    dest.mkdir()
    got = ag.download(base + "/data.bin", path=str(dest), sha1_hash=sha1)
    assert got == str(dest / "data.bin")
    assert (dest / "data.bin").read_bytes() == payload
    # An existing good file is kept (the server no longer has it: no request is needed).
    (www / "data.bin").unlink()
    assert ag.download(base + "/data.bin", path=str(dest), sha1_hash=sha1) == got
    # overwrite asks the server again, which now answers 404: a clear error, the old file kept.
    with pytest.raises(RuntimeError, match="404"):
        ag.download(base + "/data.bin", path=str(dest), overwrite=True)
    assert (dest / "data.bin").read_bytes() == payload
    assert sorted(os.listdir(dest)) == ["data.bin"]


def test_download_with_wrong_sha1_leaves_no_file(http_root, tmp_path):
    base, www = http_root
    (www / "a.txt").write_text("hello")
    target = tmp_path / "a.txt"
    with pytest.raises(RuntimeError, match="SHA-1"):
        ag.download(base + "/a.txt", path=str(target), sha1_hash="0" * 40)
    assert os.listdir(tmp_path) == ["www"]


def test_download_refuses_a_non_url():
    with pytest.raises(ValueError, match="url"):
        ag.download("data.zip")
    # not a str: TypeError (was ValueError before the checks were shared)
    with pytest.raises(TypeError, match=r"^url must be a non-empty str, got None of type NoneType$"):
        ag.download(None)


def test_download_then_unzip_a_dataset_archive(http_root, tmp_path):
    base, www = http_root
    archive = www / "images.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("images/train/cat/1.png", b"x")
        zf.writestr("images/train/dog/2.png", b"y")
        zf.writestr("README.txt", b"z")
    path = ag.download(base + "/images.zip", path=str(tmp_path))
    assert ag.unzip(path, root=str(tmp_path / "data")) == {"images", "README.txt"}
    assert (tmp_path / "data" / "images" / "train" / "dog" / "2.png").read_bytes() == b"y"


def test_unzip_refuses_entries_outside_root(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", b"1")
        zf.writestr("../escaped.txt", b"2")
    with pytest.raises(ValueError, match="outside"):
        ag.unzip(str(archive), root=str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="not a zip"):
        ag.unzip(__file__, root=str(tmp_path / "out"))


def test_cpu_and_gpu_counts_follow_affinity_and_visible_devices():
    code = (
        "import os, autogluon as ag; os.sched_setaffinity(0, {0}); "
        "print(ag.get_cpu_count(), ag.get_gpu_count())"
    )
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "0"]
    assert ag.get_cpu_count() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    "statement",
    [
        "from autogluon import TextClassification",
        "from autogluon import TabularPrediction as task",
        "from autogluon import ObjectDetection",
        "import autogluon.contrib.enas",
        "from autogluon.task import TabularPrediction",
        "import autogluon.task.text_classification",
        "from autogluon.task.object_detection import ObjectDetection",
    ],
)
def test_out_of_scope_names_give_an_import_error_that_says_so(statement):
    for name in list(sys.modules):
        if name.startswith(("autogluon.contrib", "autogluon.task.")):
            del sys.modules[name]
    with pytest.raises(ImportError, match="not part of this library"):
        exec(statement, {})


def test_task_module_reaches_the_image_task_lazily():
    code = (
        "import sys, autogluon as ag; t = ag.task; print('mxnet' in sys.modules); "
        "from autogluon.task import image_classification; "
        "import autogluon.image_classification as ic; print(image_classification is ic)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
