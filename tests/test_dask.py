"""Beyond one machine: a Dask cluster through joblib, and training block by block."""

import dask.array as da
import distributed
import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticCEClassifier, TinyMLPRegressor


def learning_rate_search():
    model = make_pipeline(StandardScaler(), LogisticCEClassifier(max_iter=200))
    grid = {"logisticceclassifier__learning_rate": [0.01, 0.1, 1.0]}
    return GridSearchCV(model, grid, cv=3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_on_a_dask_cluster_gives_the_local_results():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    local = learning_rate_search().fit(X, y)

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as tasks,
        parallel_config(backend="dask"),
    ):
        remote = learning_rate_search().fit(X, y)
        workers = set(client.scheduler_info()["workers"])

    # The fits ran in the worker processes, not here.
    assert {task["worker"] for task in tasks.data} <= workers
    assert len(tasks.data) >= len(remote.cv_results_["params"]) * 3
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_


def blocks(X, y):
    """The row blocks of two dask arrays, computed one pair at a time."""
    for X_block, y_block in zip(X.to_delayed().ravel(), y.to_delayed().ravel()):
        yield X_block.compute(), y_block.compute()


def test_partial_fit_over_dask_blocks_is_partial_fit_over_the_chunks():
    X, y = make_classification(n_samples=400, n_features=6, random_state=0)
    dX = da.from_array(X, chunks=(100, -1))
    dy = da.from_array(y, chunks=100)
    streamed = LogisticCEClassifier(solver="sgd", random_state=0)
    in_memory = LogisticCEClassifier(solver="sgd", random_state=0)

    for X_block, y_block in blocks(dX, dy):
        streamed.partial_fit(X_block, y_block, classes=[0, 1])
    for start in range(0, 400, 100):
        rows = slice(start, start + 100)
        in_memory.partial_fit(X[rows], y[rows], classes=[0, 1])

    np.testing.assert_array_equal(streamed.coef_, in_memory.coef_)
    np.testing.assert_array_equal(streamed.intercept_, in_memory.intercept_)
    assert streamed.t_ == 400


def test_a_regressor_learns_from_blocks_computed_lazily():
    # Rows that exist only one block at a time: generated on demand, as blocks
    # read from files larger than memory would be.
    rng = da.random.default_rng(0)
    X = rng.normal(size=(20_000, 4), chunks=(2_000, 4))
    y = da.sin(X[:, 0]) + 0.5 * X[:, 1]
    reg = TinyMLPRegressor(solver="adam", learning_rate=0.01, random_state=0)

    for _ in range(3):
        for X_block, y_block in blocks(X, y):
            reg.partial_fit(X_block, y_block)

    X_test, y_test = X[:2_000].compute(), y[:2_000].compute()
    assert reg.score(X_test, y_test) > 0.9
