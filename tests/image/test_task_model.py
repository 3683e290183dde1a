"""The fitted model: predict (single, batch, folder), evaluate, save and load in a fresh process."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from autogluon import image_classification as task

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = task.sample_data_path()


@pytest.fixture(scope='module')
def fitted(tmp_path_factory):
    dataset = task.Dataset(name='shopeeiet', train_path=os.path.join(SAMPLE, 'train'))
    results = task.fit(
        dataset,
        nets=['compact_cnn'],
        num_trials=1,
        num_training_epochs=3,
        savedir=str(tmp_path_factory.mktemp('fit') / 'exp.ag'),
        seed=0,
    )
    return dataset, results


def _test_files():
    out = []
    for cls in sorted(os.listdir(os.path.join(SAMPLE, 'test'))):
        folder = os.path.join(SAMPLE, 'test', cls)
        out += [os.path.join(folder, f) for f in sorted(os.listdir(folder))]
    return out


def test_predict_single_image_returns_index_probability_and_name(fitted):
    _, results = fitted
    path = os.path.join(
        SAMPLE, 'test', 'BabyShirt', sorted(os.listdir(os.path.join(SAMPLE, 'test', 'BabyShirt')))[0]
    )
    pred = task.predict(path)
    ind, prob = pred
    assert isinstance(pred, tuple) and len(pred) == 2
    assert 0 <= ind < 4 and 0.0 <= prob <= 1.0
    assert pred.class_name == results.model.classes[ind] and pred.path == path
    assert results.model.predict(path) == pred


def test_predict_mixed_sizes_and_modes(fitted, tmp_path):
    """The sample mixes 28 px gray PNG, 32 px RGB JPEG and tinted RGB; any size is converted."""
    files = _test_files()
    jpgs = [f for f in files if f.endswith('.jpg')]
    modes = {Image.open(f).mode for f in files}
    sizes = {Image.open(f).size for f in files}
    assert jpgs and len(modes) > 1 and len(sizes) > 1
    for f in jpgs[:3] + [f for f in files if f.endswith('.png')][:3]:
        ind, prob = task.predict(f)
        assert 0 <= ind < 4
    big = tmp_path / 'big.png'
    Image.open(jpgs[0]).convert('RGB').resize((97, 61)).save(str(big))
    ind, prob = task.predict(str(big))
    assert 0 <= ind < 4 and 0 <= prob <= 1
    gray = tmp_path / 'gray.bmp'
    Image.open(files[0]).convert('L').save(str(gray))
    assert 0 <= task.predict(str(gray))[0] < 4


def test_predict_batch_list_folder_and_array(fitted):
    _, results = fitted
    files = _test_files()
    batch = task.predict(files[:7])
    assert isinstance(batch, list) and len(batch) == 7
    assert [p.path for p in batch] == files[:7]
    singles = [task.predict(f) for f in files[:7]]
    assert [p[0] for p in batch] == [p[0] for p in singles]
    np.testing.assert_allclose([p[1] for p in batch], [p[1] for p in singles], rtol=1e-5)
    folder = os.path.join(SAMPLE, 'test', 'womencasualshoes')
    preds = task.predict(folder)
    assert len(preds) == len(os.listdir(folder))
    assert all(p.class_name in results.model.classes for p in preds)
    # most shoes are recognized as shoes
    assert np.mean([p.class_name == 'womencasualshoes' for p in preds]) > 0.5
    images = np.zeros((3, 28, 28, 1), np.uint8)
    assert len(results.model.predict(images)) == 3
    assert len(results.model.predict(images[0])) == 2


def test_evaluate_matches_predictions_and_maps_classes_by_name(fitted, tmp_path):
    _, results = fitted
    test = task.Dataset(name='shopeeiet', test_path=os.path.join(SAMPLE, 'test'))
    acc = task.evaluate(test)
    assert 0.25 < acc <= 1.0
    preds = task.predict(_test_files())
    truth = [os.path.basename(os.path.dirname(p.path)) for p in preds]
    assert acc == pytest.approx(np.mean([p.class_name == t for p, t in zip(preds, truth)]))
    # a test folder with a subset of the classes: labels are matched by name
    sub = tmp_path / 'sub'
    shutil.copytree(os.path.join(SAMPLE, 'test', 'womenchiffontop'), str(sub / 'womenchiffontop'))
    sub_acc = task.evaluate(task.Dataset(test_path=str(sub)))
    expected = np.mean(
        [p.class_name == 'womenchiffontop' for p, t in zip(preds, truth) if t == 'womenchiffontop']
    )
    assert sub_acc == pytest.approx(expected)
    # unknown classes are an error
    (sub / 'socks').mkdir()
    shutil.copy(_test_files()[0], str(sub / 'socks' / 'a.png'))
    with pytest.raises(ValueError, match='socks'):
        task.evaluate(task.Dataset(test_path=str(sub)))


def test_save_and_load_in_a_fresh_process_gives_identical_predictions(fitted, tmp_path):
    _, results = fitted
    folder = str(tmp_path / 'model')
    results.model.save(folder)
    meta = json.load(open(os.path.join(folder, 'model.json')))
    assert meta['net'] == 'compact_cnn' and meta['classes'] == results.model.classes
    assert meta['image_size'] == 28 and meta['channels'] == 3
    assert len(meta['normalization']['mean']) == 3
    files = _test_files()
    here = results.model.predict(files)
    code = (
        'import json, sys; from autogluon import image_classification as task; '
        'task.load(sys.argv[1]); preds = task.predict(json.loads(sys.argv[2])); '
        'print(json.dumps([[p.index, repr(p.probability), p.class_name] for p in preds]))'
    )
    out = subprocess.run(
        [sys.executable, '-c', code, folder, json.dumps(files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    there = json.loads(out.stdout.strip().splitlines()[-1])
    assert [p[0] for p in there] == [p.index for p in here]
    assert [p[2] for p in there] == [p.class_name for p in here]
    np.testing.assert_allclose([float(p[1]) for p in there], [p.probability for p in here], rtol=1e-6)
    # task.save / task.load in this process too
    task.save(str(tmp_path / 'again'))
    loaded = task.load(str(tmp_path / 'again'))
    assert loaded.predict(files[0]) == here[0]
    assert task.get_model() is loaded
