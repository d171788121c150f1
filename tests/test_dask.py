"""Beyond one machine: a Dask cluster through joblib, full-batch fits on its
workers, and training block by block.

The tests share one ``distributed.LocalCluster`` of two worker processes, one
thread each (the ``client`` fixture).
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from contextlib import contextmanager

import dask
import dask.array as da
import distributed
import numpy as np
import pytest
from conftest import (
    ESTIMATORS,
    ONE_EPOCH_APART,
    classification,
    fitted_arrays,
    ignore_convergence,
    same_epochs,
)
from dask.utils import key_split
from distributed.diagnostics.plugin import SchedulerPlugin
from joblib import parallel_config
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
    lr_range_test,
)
from skbackprop._alpha import ALPHAS
from skbackprop._dask import DaskRows


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def learning_rate_search():
    model = make_pipeline(StandardScaler(), LogisticCEClassifier(max_iter=200))
    grid = {"logisticceclassifier__learning_rate": [0.01, 0.1, 1.0]}
    return GridSearchCV(model, grid, cv=3)


@ignore_convergence
def test_grid_search_on_a_dask_cluster_gives_the_local_results(client):
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    local = learning_rate_search().fit(X, y)

    with (
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


# --- Full-batch fits on the workers -------------------------------------------------

# Blocks of uneven sizes, five of them: the sums must not depend on the cut.
CHUNKS = (90, 70, 80, 60, 100)


def dask_of(*arrays):
    """Each array as a dask array cut into the rows of ``CHUNKS``."""
    return [
        None if a is None else da.from_array(a, chunks=(CHUNKS,) + a.shape[1:])
        for a in arrays
    ]


def data(Estimator, n_classes=3):
    if Estimator is TinyMLPRegressor:
        X, y = make_regression(n_samples=400, n_features=6, noise=10, random_state=0)
    else:
        X, y = classification(400, n_classes)
    return StandardScaler().fit_transform(X), y


def converging(Estimator, solver, **params):
    """A fit for the comparisons: L-BFGS's reaches its optimum, as its line
    search amplifies rounding differences along the way, which a converged fit
    no longer shows; gd's, deterministic step by step, stops sooner, to be fast."""
    if Estimator is TinyMLPRegressor:
        params = dict(n_hidden=5, alpha=0.1, early_stopping=False, **params)
    max_iter = 1000 if solver == "lbfgs" else 150
    return Estimator(solver=solver, max_iter=max_iter, random_state=0, **params)


def assert_same_fit(on_dask, in_memory, rtol):
    # The workers' block sums add the rows in another order than numpy's.
    if not same_epochs(on_dask, in_memory, rtol):
        rtol = ONE_EPOCH_APART
    for a, b in zip(fitted_arrays(on_dask), fitted_arrays(in_memory)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())
    assert on_dask.t_ // on_dask.n_iter_ == in_memory.t_ // in_memory.n_iter_
    for name in ("classes_", "n_features_in_", "n_outputs_"):
        if hasattr(in_memory, name):
            np.testing.assert_array_equal(
                getattr(on_dask, name), getattr(in_memory, name)
            )


# gd is deterministic step by step; L-BFGS's line search amplifies the rounding
# of sums taken in another order.
TOLERANCES = {"gd": 1e-10, "lbfgs": 1e-8}
# gd stops at max_iter in the comparisons (see `converging`).


@ignore_convergence
@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_fit_on_dask_blocks_equals_the_fit_in_memory(client, Estimator, solver):
    X, y = data(Estimator)
    in_memory = converging(Estimator, solver).fit(X, y)
    on_dask = converging(Estimator, solver).fit(*dask_of(X, y))
    assert_same_fit(on_dask, in_memory, TOLERANCES[solver])


@ignore_convergence
@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
@pytest.mark.parametrize("Classifier", [SigmoidSSEClassifier, LogisticCEClassifier])
def test_weights_penalty_and_no_intercept_on_dask_equal_them_in_memory(
    client, Classifier, solver
):
    X, y = data(Classifier, n_classes=2)
    sample_weight = np.random.default_rng(0).uniform(0, 2, size=y.shape[0])
    sample_weight[:90] = 0  # the whole first block weighs nothing
    params = dict(class_weight="balanced", alpha=0.05, fit_intercept=False)
    in_memory = converging(Classifier, solver, **params)
    in_memory.fit(X, y, sample_weight=sample_weight)
    on_dask = converging(Classifier, solver, **params)
    on_dask.fit(*dask_of(X, y, sample_weight))
    assert_same_fit(on_dask, in_memory, TOLERANCES[solver])


@ignore_convergence
def test_a_regressor_with_weights_and_two_outputs_on_dask_equals_it_in_memory(client):
    X, y = make_regression(
        n_samples=400, n_features=5, n_targets=2, noise=5, random_state=1
    )
    sample_weight = np.random.default_rng(1).uniform(0.5, 1.5, size=400)
    in_memory = converging(TinyMLPRegressor, "gd").fit(X, y, sample_weight)
    # y and the weights in memory: cut as X is.
    on_dask = converging(TinyMLPRegressor, "gd")
    on_dask.fit(dask_of(X)[0], y, sample_weight)
    np.testing.assert_allclose(
        on_dask._target_encoder.scale_, in_memory._target_encoder.scale_, 1e-14
    )
    assert_same_fit(on_dask, in_memory, 1e-10)


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
def test_a_warm_start_on_dask_continues_as_in_memory(client, solver):
    X, y = data(LogisticCEClassifier)
    in_memory = LogisticCEClassifier(solver=solver, max_iter=5, warm_start=True)
    on_dask = LogisticCEClassifier(solver=solver, max_iter=5, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(2):
            in_memory.fit(X, y)
            on_dask.fit(*dask_of(X, y))
    assert len(on_dask.loss_curve_) == len(in_memory.loss_curve_) == 10
    assert_same_fit(on_dask, in_memory, TOLERANCES[solver])


def test_a_fit_on_dask_sums_on_the_workers_that_hold_the_blocks(client):
    X, y = data(LogisticCEClassifier)
    with distributed.get_task_stream(client) as tasks:
        model = LogisticCEClassifier(solver="lbfgs").fit(*dask_of(X, y))
    sums = [t for t in tasks.data if key_split(t["key"]) == "blocks_loss_grad"]
    # One task per worker and evaluation, at least one evaluation per iteration...
    assert len(sums) >= model.n_iter_
    assert {t["worker"] for t in sums} <= set(client.scheduler_info()["workers"])
    # ...that never waited for a block to be copied to it from another worker.
    # (A block its worker spilled to its own disk, under memory pressure, is
    # read back there: "disk-read", no transfer.)
    actions = {step["action"] for t in sums for step in t["startstops"]}
    assert "compute" in actions and "transfer" not in actions


def test_callbacks_follow_a_fit_on_dask(client):
    callback = pytest.importorskip("sklearn.callback")
    X, y = data(LogisticCEClassifier)
    model = LogisticCEClassifier(max_iter=20)
    model.set_callbacks(callback.ProgressBar())
    reference = LogisticCEClassifier(max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*dask_of(X, y))
        reference.fit(X, y)
    assert_same_fit(model, reference, 1e-10)


def test_a_diverging_fit_on_dask_stops_as_in_memory(client):
    X, y = data(TinyMLPRegressor)
    model = TinyMLPRegressor(
        solver="gd",
        alpha=1e-4,
        learning_rate=1e8,
        learning_rate_schedule="constant",
        early_stopping=False,
        random_state=0,
    )
    with pytest.raises(ValueError) as in_memory:
        model.fit(X, y)
    with pytest.raises(ValueError, match="diverged") as on_dask:
        model.fit(*dask_of(X, y))
    assert str(on_dask.value) == str(in_memory.value)


def test_a_dask_dataframe_fits_as_its_array_and_keeps_the_column_names(client):
    import dask.dataframe as dd
    import pandas as pd

    X, y = data(LogisticCEClassifier)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    dX = dd.from_pandas(frame, npartitions=4)
    dy = dd.from_pandas(pd.Series(y), npartitions=4)
    model = LogisticCEClassifier(solver="lbfgs").fit(dX, dy)
    reference = LogisticCEClassifier(solver="lbfgs").fit(frame, y)
    assert_same_fit(model, reference, 1e-8)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    np.testing.assert_array_equal(model.predict(dX).compute(), reference.predict(frame))


# --- Predictions on dask arrays -----------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predictions_on_a_dask_array_are_lazy_and_block_by_block(client, Estimator):
    X, y = data(Estimator)
    model = converging(Estimator, "lbfgs").fit(X, y)
    (dX,) = dask_of(X)
    methods = ["predict", "predict_proba", "predict_log_proba", "decision_function"]
    for method in [m for m in methods if hasattr(model, m)]:
        lazy = getattr(model, method)(dX)
        assert isinstance(lazy, da.Array), method
        assert lazy.chunks[0] == CHUNKS
        expected = getattr(model, method)(X)
        assert lazy.shape == expected.shape and lazy.dtype == expected.dtype
        np.testing.assert_array_equal(lazy.compute(), expected)


def test_predicting_on_dask_checks_the_columns_before_any_block_is_computed(client):
    X, y = data(LogisticCEClassifier)
    model = LogisticCEClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but"):
        model.predict(dask_of(X[:, :5])[0])


# --- Bad input, checked block by block -----------------------------------------------


def same_error(fit_in_memory, fit_on_dask):
    """Both raise the same error, with the same message."""
    with pytest.raises(Exception) as in_memory:
        fit_in_memory()
    with pytest.raises(type(in_memory.value)) as on_dask:
        fit_on_dask()
    assert str(on_dask.value) == str(in_memory.value)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda X, y, w: X.__setitem__((300, 2), np.nan), id="nan"),
        pytest.param(lambda X, y, w: X.__setitem__((10, 0), np.inf), id="inf"),
        pytest.param(lambda X, y, w: X.__setitem__((350, 1), 1e300), id="overflow"),
        pytest.param(lambda X, y, w: w.__setitem__(250, -1.0), id="negative weight"),
        pytest.param(lambda X, y, w: w.__setitem__(slice(None), 0.0), id="no weight"),
        pytest.param(lambda X, y, w: y.__setitem__(slice(None), 1), id="one class"),
    ],
)
def test_bad_data_on_dask_gets_the_error_it_gets_in_memory(client, spoil):
    X, y = data(LogisticCEClassifier)
    w = np.ones(y.shape[0])
    spoil(X, y, w)
    model = LogisticCEClassifier()
    same_error(lambda: model.fit(X, y, w), lambda: model.fit(*dask_of(X, y, w)))


def test_other_columns_or_labels_on_a_warm_start_on_dask_get_the_error_in_memory(
    client,
):
    X, y = data(LogisticCEClassifier)
    model = LogisticCEClassifier(max_iter=200, warm_start=True).fit(X, y)
    same_error(lambda: model.fit(X[:, :5], y), lambda: model.fit(*dask_of(X[:, :5], y)))
    two = y < 2
    same_error(
        lambda: model.fit(X[two], y[two]),
        lambda: model.fit(da.from_array(X[two], chunks=50), da.from_array(y[two], 50)),
    )


def test_strings_and_lengths_on_dask_get_the_errors_in_memory(client):
    X, y = data(TinyMLPRegressor)
    model = TinyMLPRegressor(solver="gd", alpha=1e-4, early_stopping=False)
    words = X.astype(str)
    words[5, 0] = "five"
    same_error(lambda: model.fit(words, y), lambda: model.fit(*dask_of(words, y)))
    same_error(
        lambda: model.fit(X, y[:-1]),
        lambda: model.fit(dask_of(X)[0], da.from_array(y[:-1], chunks=100)),
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_mini_batch_solvers_on_dask_say_what_to_use_instead(client, solver):
    X, y = dask_of(*data(LogisticCEClassifier))
    message = "solver='gd' or 'lbfgs'.*partial_fit on each block"
    with pytest.raises(ValueError, match=message):
        LogisticCEClassifier(solver=solver).fit(X, y)


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_early_stopping_on_dask_holds_out_blocks_and_scores_them_there(
    client, Estimator, solver
):
    X, y = dask_of(*data(Estimator))
    model = Estimator(
        solver=solver, alpha=1e-3, early_stopping=True, max_iter=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    # The held-out blocks are about validation_fraction of the rows: the rest
    # trained, one full pass an epoch.
    n_rows = X.shape[0]
    assert 0.5 * n_rows < model.t_ / model.n_iter_ < n_rows


def test_the_network_fits_a_dask_array_at_its_defaults(client):
    X, y = dask_of(*data(TinyMLPRegressor))
    model = TinyMLPRegressor(max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # alpha="auto" chose a penalty on the held-out blocks, and early stopping
    # scored the epochs there.
    assert model.alpha_ in ALPHAS
    assert model.validation_scores_ is not None
    assert model.score(X.compute(), y.compute()) > 0.5


def test_the_range_test_of_a_full_batch_solver_runs_on_the_cluster_as_in_memory(
    client,
):
    X, y = data(LogisticCEClassifier)
    estimator = LogisticCEClassifier(solver="gd")
    on_dask = lr_range_test(estimator, *dask_of(X, y), num=10)
    in_memory = lr_range_test(estimator, X, y, num=10)
    np.testing.assert_allclose(on_dask.losses, in_memory.losses, rtol=1e-10)
    assert on_dask.suggested_learning_rate == in_memory.suggested_learning_rate


def test_a_dask_array_of_one_block_cannot_hold_out_rows_and_says_to_rechunk(client):
    X, y = data(TinyMLPRegressor)
    X, y = da.from_array(X, chunks=X.shape), da.from_array(y, chunks=y.shape)
    with pytest.raises(ValueError, match=r"X\.rechunk"):
        TinyMLPRegressor(solver="gd", early_stopping=True).fit(X, y)


def test_partial_fit_on_a_dask_array_says_to_call_it_on_each_block(client):
    X, y = dask_of(*data(LogisticCEClassifier))
    with pytest.raises(ValueError, match="call it on each block"):
        LogisticCEClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1, 2])


def test_a_fit_in_memory_never_imports_dask():
    code = (
        "import sys\n"
        "from sklearn.datasets import load_iris\n"
        "from skbackprop import LogisticCEClassifier, TinyMLPRegressor\n"
        "X, y = load_iris(return_X_y=True)\n"
        "LogisticCEClassifier(solver='lbfgs').fit(X, y).predict_proba(X)\n"
        "TinyMLPRegressor(max_iter=5).fit(X, y).predict(X)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed')], 'dask was imported'\n"
    )
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], check=True, capture_output=True
    )


# --- Bigger than a worker ------------------------------------------------------------


@pytest.mark.slow
@ignore_convergence
def test_a_fit_on_more_rows_than_a_worker_holds_keeps_them_off_the_client():
    """X is 1.1 times one worker's memory_limit and never reaches the client.

    Two workers of 500 MiB each hold X between them: its rows are drawn on the
    workers (``da.random``), and a block that does not fit in a worker's
    memory is spilled to its disk by dask, as it would be on any cluster. The
    client's memory is measured with :mod:`tracemalloc`, which counts every
    allocation of Python objects and numpy arrays (the messages the client
    receives from the scheduler and workers included): the peak of the
    memory traced during the fit, less the memory traced before it, must be
    less than a tenth of ``X.nbytes``. (Measured: about 4 MiB of 577 MB.)
    """
    import tracemalloc

    limit = 500 * 2**20
    n_features = 50
    n_samples = int(1.1 * limit) // (8 * n_features) + 1
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            memory_limit=limit,
            dashboard_address=":0",  # the module's cluster may hold the default
        ) as cluster,
        distributed.Client(cluster),
    ):
        X = da.random.default_rng(0).standard_normal(
            (n_samples, n_features), chunks=(n_samples // 16 + 1, n_features)
        )
        y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
        assert X.nbytes > limit

        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            model = LogisticCEClassifier(solver="lbfgs", max_iter=3).fit(X, y)
            growth = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()

    assert model.n_iter_ == 3
    assert model.t_ == 3 * n_samples
    assert growth < 0.1 * X.nbytes
    # It learned the rule the labels follow.
    assert model.coef_[0, 0] > 0 and model.coef_[0, 1] > 0
    assert abs(model.coef_[0, 0] - model.coef_[0, 1]) < 0.1 * model.coef_[0, 0]


@pytest.mark.slow
def test_the_network_at_its_defaults_holds_out_blocks_without_gathering_x(client):
    """alpha="auto" and early stopping hold out blocks and score them on the
    workers: the client's tracemalloc peak during the fit, less what it held
    before, stays under a tenth of ``X.nbytes`` (measured: 5.8 MiB of 114
    MiB).
    """
    import tracemalloc

    n_samples, n_features = 300_000, 50
    X = da.random.default_rng(0).standard_normal(
        (n_samples, n_features), chunks=(n_samples // 16 + 1, n_features)
    )
    y = X[:, 0] - 2 * X[:, 1] + X[:, 2] * X[:, 3]
    X, y = client.persist([X, y])
    model = TinyMLPRegressor(max_iter=10, random_state=0)

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        growth = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()

    assert model.alpha_ in ALPHAS
    assert model.validation_scores_ is not None
    assert growth < 0.1 * X.nbytes, f"{growth / 2**20:.1f} MiB"


# --- Lost workers ------------------------------------------------------------------

# Long enough to recompute what a lost worker held on a loaded machine; a fit
# that waits longer is taken to hang (and fails, where it would hang the suite).
NO_HANG = 120


def within_no_hang(client, fit):
    """``fit()``'s result, run with ``client`` as the default; fails past NO_HANG."""
    outcome = {}

    def run():
        try:
            with client.as_current():
                outcome["result"] = fit()
        except BaseException as error:  # raised below, in the test's thread
            outcome["error"] = error

    # A daemon: a fit that hangs does not keep the tests from ending.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(NO_HANG)
    if thread.is_alive():
        pytest.fail(f"the fit on dask did not end within {NO_HANG} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


class AtTask(SchedulerPlugin):
    """Call ``act(scheduler, key)`` when the ``nth`` task named ``name`` is sent.

    The scheduler of a LocalCluster runs in this process: ``act`` runs in its
    event loop, as the scheduler hands the task to a worker.
    """

    def __init__(self, scheduler, name, nth, act):
        self.scheduler, self.name, self.nth, self.act = scheduler, name, nth, act
        self.done = False

    def transition(self, key, start, finish, *args, **kwargs):
        if finish != "processing" or key_split(key) != self.name or self.done:
            return
        self.nth -= 1
        if self.nth == 0:
            self.act(self.scheduler, key)
            self.done = True


@contextmanager
def at_task(client, name, nth, act):
    scheduler = client.cluster.scheduler
    plugin = AtTask(scheduler, name, nth, act)
    scheduler.add_plugin(plugin, name="at-task")
    try:
        yield
    finally:
        scheduler.remove_plugin(name="at-task")
    assert plugin.done, f"no task {name!r} ran"


@contextmanager
def killing_a_worker(client, name, nth=1):
    """Kill by its PID the worker that runs the ``nth`` task named ``name``."""
    pids = client.run(os.getpid)

    def kill(scheduler, key):
        os.kill(pids[scheduler.tasks[key].processing_on.address], signal.SIGKILL)

    with at_task(client, name, nth, kill):
        yield


@pytest.fixture
def fragile_client():
    """A client of a cluster of its own, two worker processes, nanny restarts on.

    Its own: a worker that its nanny fails to restart in time, on a loaded
    machine, would leave the next test one worker short.
    """
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def kill_a_worker_now(client):
    """Kill a worker by its PID, and wait until the scheduler has removed it."""
    address, pid = sorted(client.run(os.getpid).items())[0]
    os.kill(pid, signal.SIGKILL)
    scheduler = client.cluster.scheduler
    deadline = time.monotonic() + NO_HANG
    while address in scheduler.workers and time.monotonic() < deadline:
        time.sleep(0.05)


def persisted(client, *arrays):
    """``dask_of(arrays)``, held on the workers, as ``persist`` holds them."""
    arrays = client.persist(dask_of(*arrays))
    distributed.wait(arrays)
    return arrays


def undisturbed_fit(client, Estimator, solver):
    """``data(Estimator)`` persisted on the cluster, and the fit no fault disturbed."""
    dX, dy = persisted(client, *data(Estimator))
    return dX, dy, converging(Estimator, solver).fit(dX, dy)


FAULT_CASES = [
    pytest.param(LogisticCEClassifier, "lbfgs", id="LogisticCE-lbfgs"),
    pytest.param(TinyMLPRegressor, "gd", id="TinyMLP-gd"),
]


@pytest.mark.slow
@ignore_convergence
@pytest.mark.parametrize("Estimator, solver", FAULT_CASES)
@pytest.mark.parametrize(
    "task, nth",
    [
        pytest.param("validate_block", 2, id="checking the blocks"),
        pytest.param("encode_block", 2, id="encoding the blocks"),
        pytest.param("blocks_loss_grad", 5, id="during an evaluation"),
    ],
)
def test_a_fit_on_dask_that_loses_a_worker_finishes_as_the_undisturbed_fit(
    fragile_client, Estimator, solver, task, nth
):
    client = fragile_client
    dX, dy, undisturbed = undisturbed_fit(client, Estimator, solver)
    with killing_a_worker(client, task, nth):
        model = within_no_hang(
            client, lambda: converging(Estimator, solver).fit(dX, dy)
        )
    assert_same_fit(model, undisturbed, TOLERANCES[solver])


@pytest.mark.slow
@ignore_convergence
@pytest.mark.parametrize("Estimator, solver", FAULT_CASES)
@pytest.mark.parametrize("when", ["before the fit", "between evaluations"])
def test_a_fit_on_dask_that_loses_a_worker_before_or_between_evaluations_finishes(
    fragile_client, monkeypatch, Estimator, solver, when
):
    client = fragile_client
    dX, dy, undisturbed = undisturbed_fit(client, Estimator, solver)
    evaluate = DaskRows.loss_grad
    calls = []

    def evaluate_then_kill(self, *args, **kwargs):
        result = evaluate(self, *args, **kwargs)
        calls.append(None)
        if len(calls) == 3:
            kill_a_worker_now(client)
        return result

    if when == "before the fit":
        # Blocks of the persisted arrays are gone with the worker.
        kill_a_worker_now(client)
    else:  # after the third evaluation has returned
        monkeypatch.setattr(DaskRows, "loss_grad", evaluate_then_kill)
    model = within_no_hang(client, lambda: converging(Estimator, solver).fit(dX, dy))
    if when != "before the fit":
        assert len(calls) > 3
    assert_same_fit(model, undisturbed, TOLERANCES[solver])


@pytest.mark.slow
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predictions_on_dask_that_lose_a_worker_are_the_predictions(
    fragile_client, Estimator
):
    client = fragile_client
    X, y = data(Estimator)
    model = converging(Estimator, "lbfgs").fit(X, y)
    (dX,) = persisted(client, X)
    with killing_a_worker(client, "predict"):
        lazy = model.predict(dX)
        predictions = within_no_hang(client, lazy.compute)
    np.testing.assert_array_equal(predictions, model.predict(X))


def lbfgs_fitted(n_rows=None):
    """A model that a failing fit on dask must keep, and what it must keep.

    Returns ``data(LogisticCEClassifier)`` as X, y; LogisticCEClassifier
    (solver="lbfgs") fitted in memory on their first ``n_rows`` rows (all for
    None); and a copy of its fitted arrays.
    """
    X, y = data(LogisticCEClassifier)
    model = LogisticCEClassifier(solver="lbfgs").fit(X[:n_rows], y[:n_rows])
    return X, y, model, [a.copy() for a in fitted_arrays(model)]


def assert_kept(model, arrays):
    """``model``'s fitted arrays are still ``arrays``, to the bit."""
    for a, b in zip(fitted_arrays(model), arrays, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_a_fit_that_loses_scattered_blocks_says_so_and_keeps_the_model(
    fragile_client,
):
    client = fragile_client
    X, y, model, before = lbfgs_fitted(200)
    # Blocks scattered from the client: no task can recompute them.
    X_blocks = client.scatter(np.array_split(X, 4))
    dX = da.concatenate(
        [da.from_delayed(b, shape=(100, X.shape[1]), dtype=X.dtype) for b in X_blocks]
    )
    with killing_a_worker(client, "blocks_loss_grad", 3):
        with pytest.raises(RuntimeError, match=r"Client\.scatter") as error:
            within_no_hang(client, lambda: model.fit(dX, y))
    assert "keeps the model it had before this fit" in str(error.value)
    assert_kept(model, before)
    assert model.n_features_in_ == X.shape[1]


@pytest.fixture
def workers_without_nannies():
    """A client of a cluster whose one worker is a process no nanny restarts."""
    with (
        distributed.LocalCluster(
            n_workers=0, processes=True, dashboard_address=":0"
        ) as cluster,
        # A client that lost its scheduler tries to reconnect for `timeout` s.
        distributed.Client(cluster, set_as_default=False, timeout=3) as client,
    ):
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                cluster.scheduler_address,
                "--no-nanny",
                "--nthreads=1",
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client.wait_for_workers(1, timeout=NO_HANG)
            yield client
        finally:
            worker.kill()
            worker.wait()


@pytest.mark.slow
def test_a_fit_whose_every_worker_is_gone_says_so_in_bounded_time(
    workers_without_nannies,
):
    client = workers_without_nannies
    X, y, model, before = lbfgs_fitted()
    with (
        dask.config.set({"distributed.scheduler.no-workers-timeout": "2s"}),
        pytest.raises(RuntimeError, match="had no worker for 2 s") as error,
    ):
        within_no_hang(client, lambda: kill_then_fit(client, model, X, y))
    assert "no-workers-timeout" in str(error.value)
    assert_kept(model, before)


def kill_then_fit(client, model, X, y):
    """Fit ``model`` on dask arrays, its one worker killed at the third evaluation."""
    with killing_a_worker(client, "blocks_loss_grad", 3):
        return model.fit(*dask_of(X, y))


@pytest.mark.slow
def test_a_fit_that_loses_the_scheduler_says_so_and_keeps_the_model(
    workers_without_nannies,
):
    client = workers_without_nannies
    X, y, model, before = lbfgs_fitted()

    def close(scheduler, key):
        asyncio.get_running_loop().create_task(scheduler.close())

    def fit():
        with at_task(client, "blocks_loss_grad", 3, close):
            return model.fit(*dask_of(X, y))

    with pytest.raises(RuntimeError, match="lost its connection to the Dask scheduler"):
        within_no_hang(client, fit)
    assert_kept(model, before)
