"""task.fit with trials on a Dask LocalCluster (loopback), searcher='bayesopt' as in the tutorial."""

import os

import pytest

from autogluon import image_classification as task

distributed = pytest.importorskip("distributed", reason="the 'distributed' package is the dask extra")


@pytest.fixture(scope="module")
def dataset():
    return task.Dataset(name="shopeeiet", train_path=os.path.join(task.sample_data_path(), "train"))


@pytest.fixture(scope="module")
def client():
    # module scope: the cluster (and multiprocessing's resource tracker) outlive each test by design
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        resources={"CPU": 1},
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def test_fit_runs_its_trials_on_a_dask_cluster(dataset, tmp_path, client):
    results = task.fit(
        dataset,
        nets=task.Nets(["compact_cnn"]),
        num_trials=2,
        num_training_epochs=2,
        savedir=str(tmp_path / "exp.ag"),
        dask_client=client,
        seed=0,
    )
    assert 0.25 < results.metric <= 1.0
    assert type(results.scheduler._executor_spec).__name__ == "DaskExecutor"
    assert len(results.scheduler.tasks) == 2
    assert all(t.status == "completed" for t in results.scheduler.tasks.values())


def test_dask_client_with_a_scheduler_class_that_cannot_take_it(dataset, tmp_path):
    from autogluon.scheduler import Hyperband_Scheduler

    class Narrow(Hyperband_Scheduler):
        def __init__(self, train_fn, args, resource, searcher, checkpoint="./exp/c.ag"):
            super().__init__(train_fn, args, resource, searcher, checkpoint)

    with pytest.raises(TypeError, match="does not accept dask_client"):
        task.fit(
            dataset,
            trial_scheduler=Narrow,
            num_trials=1,
            num_training_epochs=1,
            savedir=str(tmp_path / "exp.ag"),
            dask_client="tcp://127.0.0.1:1",
        )


def test_fit_with_the_bayesopt_searcher_as_in_the_tutorial(dataset, tmp_path):
    results = task.fit(
        dataset,
        searcher="bayesopt",
        searcher_options={"base_estimator": "RF", "acq_func": "EI"},
        nets=task.Nets(["compact_cnn"]),
        num_trials=3,
        num_training_epochs=1,
        savedir=str(tmp_path / "exp.ag"),
        seed=0,
    )
    assert type(results.scheduler.searcher).__name__ == "SKoptSearcher"
    assert len(results.scheduler.tasks) == 3
    assert 0 < results.metric <= 1.0


def test_per_trial_resources_are_checked_against_the_cluster_not_this_machine(dataset, tmp_path, client):
    # This machine has no GPU; with a cluster the question is whether a Dask worker has one.
    with pytest.raises(ValueError, match="no Dask worker has that much") as err:
        task.fit(
            dataset,
            nets=task.Nets(["compact_cnn"]),
            num_trials=1,
            num_training_epochs=1,
            num_gpus=1,
            savedir=str(tmp_path / "exp.ag"),
            dask_client=client,
        )
    assert "this machine" not in str(err.value)
    with pytest.raises(ValueError, match="no Dask worker has that much"):
        task.fit(
            dataset,
            nets=task.Nets(["compact_cnn"]),
            num_trials=1,
            num_training_epochs=1,
            resources_per_trial={"num_cpus": os.cpu_count() + 1},
            savedir=str(tmp_path / "exp2.ag"),
            dask_client=client,
        )
