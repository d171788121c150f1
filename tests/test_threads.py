"""The BLAS thread policy of ``skbackprop._threads``: one thread for small fits."""

import numpy as np
from threadpoolctl import ThreadpoolController

from skbackprop import LogisticCEClassifier, _threads
from skbackprop._threads import SMALL_PRODUCT, fit_threads


def _blas_threads():
    blas = ThreadpoolController().select(user_api="blas")
    return [library.num_threads for library in blas.lib_controllers]


def test_a_small_fit_runs_on_one_blas_thread_and_gives_the_threads_back():
    before = _blas_threads()
    with fit_threads(SMALL_PRODUCT - 1):
        inside = _blas_threads()
    assert inside and all(threads == 1 for threads in inside)
    assert _blas_threads() == before


def test_a_large_fit_keeps_the_default_threads():
    before = _blas_threads()
    with fit_threads(SMALL_PRODUCT):
        assert _blas_threads() == before


def test_threads_the_user_limited_stay_as_the_user_set_them(monkeypatch):
    # A user's threadpool_limits leaves the threads unlike those first seen.
    _threads._controller()
    monkeypatch.setattr(_threads, "_default_threads", [-1] * len(_blas_threads()))
    before = _blas_threads()
    with fit_threads(1):
        assert _blas_threads() == before


def _record_fit_threads(monkeypatch):
    """The product sizes the estimators' fits ask ``fit_threads`` about."""
    seen = []

    def recording_fit_threads(n_multiplications):
        seen.append(n_multiplications)
        return fit_threads(n_multiplications)

    monkeypatch.setattr("skbackprop._solvers.fit_threads", recording_fit_threads)
    return seen


def test_the_estimators_fit_small_data_under_the_policy(monkeypatch):
    seen = _record_fit_threads(monkeypatch)
    X = np.random.RandomState(0).normal(size=(100, 4))
    y = (X[:, 0] > 0).astype(int)
    LogisticCEClassifier().fit(X, y)
    # 100 rows times W's 4 weights and an intercept.
    assert seen == [100 * 5]


def test_a_mini_batch_fit_is_sized_by_its_batches_not_by_all_rows(monkeypatch):
    seen = _record_fit_threads(monkeypatch)
    X = np.random.RandomState(0).normal(size=(1000, 4))
    y = (X[:, 0] > 0).astype(int)
    LogisticCEClassifier(solver="sgd", batch_size=50, max_iter=2).fit(X, y)
    # Each update multiplies a batch of 50 rows by 4 weights and an intercept.
    assert seen == [50 * 5]
