"""Nothing lost, nothing half-done: failures, determinism, concurrency, pickling.

A fit or partial_fit that fails leaves the estimator as it was: unfitted if it
was fresh, or with its previous model intact and usable, so that training can
go on as if the failed call had never been made. The same random_state gives
the same weights bit for bit; process and thread parallelism change no result;
a pickled estimator predicts and continues training exactly as the original.
"""

import copy
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import (
    CLASSIFIERS,
    ESTIMATORS,
    ITERATIVE_SOLVERS,
    SOLVERS,
    assert_not_fitted,
    assert_same_state,
    fitted_arrays,
    fitted_state,
    ignore_convergence,
    outputs,
)
from joblib import parallel_config
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skbackprop import LogisticCEClassifier, TinyMLPRegressor

pytestmark = [pytest.mark.usefixtures("one_blas_thread"), ignore_convergence]


def _data(Estimator, n_samples=60, n_features=4, seed=0, n_classes=2):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    if Estimator is TinyMLPRegressor:
        return X, np.sin(X[:, 0]) + X[:, 1] + 0.1 * rng.randn(n_samples)
    score = X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.randn(n_samples)
    if n_classes == 2:
        return X, (score > 0).astype(int)
    return X, np.digitize(score, [-0.5, 0.5])


def _warm_fitted(Estimator, solver, max_iter):
    """The data of ``_data``, and a warm-starting estimator fitted on it."""
    X, y = _data(Estimator)
    estimator = Estimator(
        solver=solver, max_iter=max_iter, warm_start=True, random_state=0
    )
    return X, y, estimator.fit(X, y)


def _assert_weights_equal(a, b):
    assert_same_state(fitted_arrays(a), fitted_arrays(b))


# A failed fit loses nothing -----------------------------------------------------


def _diverging(estimator):
    # The seed's rule, a constant step (backtracking would shorten it), and no
    # gradient small enough to stop at, even where a warm start begins.
    return estimator.set_params(
        learning_rate=1e8, solver="gd", learning_rate_schedule="constant", tol=0.0
    )


@pytest.mark.parametrize(
    "solver, learning_rate",
    # The seed's rule at 1e8 trips the guard on a loss that keeps growing; sgd
    # drives the loss or the weights to inf or nan (test_training.py has the
    # message of each).
    [("gd", 1e8), ("sgd", 1e8), ("sgd", 1e12)],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_diverged_fit_leaves_a_fresh_estimator_unfitted(
    Estimator, solver, learning_rate
):
    X, y = _data(Estimator)
    estimator = _diverging(Estimator(max_iter=100)).set_params(
        solver=solver, learning_rate=learning_rate
    )

    with pytest.raises(ValueError, match="diverged"):
        estimator.fit(X, y)

    assert_not_fitted(estimator)
    for name in ["coef_", "coefs_", "classes_", "n_features_in_", "loss_curve_"]:
        assert not hasattr(estimator, name)
    # and the estimator is not spoiled: a sane rate fits it.
    estimator.set_params(learning_rate=0.1, max_iter=20).fit(X, y)
    check_is_fitted(estimator)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fit_refusing_sample_weight_leaves_a_fresh_estimator_unfitted(Estimator):
    X, y = _data(Estimator)
    estimator = Estimator(max_iter=5)

    with pytest.raises(ValueError, match=r"(?i)sample.weight"):
        estimator.fit(X, y, sample_weight=-np.ones(len(y)))

    assert_not_fitted(estimator)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_failed_fit_puts_back_every_attribute_a_fit_sets(Estimator, early_stopping):
    """What a failure restores is an allow-list; a fit sets nothing else.

    The list is the attributes ending in "_" and the estimator's
    ``_private_fitted_state``: private state that a fit comes to set must join
    it, or a failed fit would leave it behind, half done.
    """
    import pandas as pd

    X, y = _data(Estimator)
    estimator = Estimator(max_iter=5, early_stopping=early_stopping, random_state=0)
    hyperparameters = estimator.get_params(deep=False)
    estimator.fit(pd.DataFrame(X, columns=list("abcd")), y)

    set_by_fit = set(vars(estimator)) - set(hyperparameters)
    private = {name for name in set_by_fit if name.startswith("_")}
    assert private == set(Estimator._private_fitted_state)
    assert all(name.endswith("_") for name in set_by_fit - private)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_failed_fit_with_a_callback_raises_its_own_error_and_keeps_it(Estimator):
    """The callback machinery's attributes are not fitted state: left to it."""
    callback = pytest.importorskip("sklearn.callback")
    X, y = _data(Estimator)
    progress = callback.ProgressBar()
    estimator = _diverging(Estimator(max_iter=100)).set_callbacks(progress)

    with pytest.raises(ValueError, match="diverged"):
        estimator.fit(X, y)

    assert_not_fitted(estimator)
    estimator.set_params(learning_rate=0.1, max_iter=20).fit(X, y)
    check_is_fitted(estimator)
    assert estimator._skl_callbacks == [progress]


@pytest.mark.parametrize("warm_start", [True, False])
@pytest.mark.parametrize("solver", ITERATIVE_SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_diverged_refit_keeps_the_previous_model_intact_and_usable(
    Estimator, solver, warm_start
):
    X, y = _data(Estimator)
    estimator = Estimator(
        solver=solver, max_iter=20, warm_start=warm_start, random_state=0
    ).fit(X, y)
    twin = copy.deepcopy(estimator)
    before = fitted_state(estimator)
    said = outputs(estimator, X)
    weights = fitted_arrays(estimator)
    held = [w.copy() for w in weights]

    _diverging(estimator).set_params(max_iter=100)
    with pytest.raises(ValueError, match="diverged"):
        estimator.fit(X, y)
    estimator.set_params(
        learning_rate=twin.learning_rate,
        learning_rate_schedule=twin.learning_rate_schedule,
        tol=twin.tol,
        solver=solver,
        max_iter=20,
    )

    assert_same_state(before, fitted_state(estimator))
    assert_same_state(said, outputs(estimator, X))
    # arrays a user held on to were not written to in place
    for w, h in zip(weights, held):
        np.testing.assert_array_equal(w, h)
    # and training goes on as if the failed call had never been made
    estimator.fit(X, y)
    twin.fit(X, y)
    _assert_weights_equal(estimator, twin)
    assert estimator.n_iter_ == twin.n_iter_
    assert estimator.loss_curve_ == twin.loss_curve_


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_refit_refusing_sample_weight_keeps_the_previous_model(Estimator, solver):
    X, y, estimator = _warm_fitted(Estimator, solver, max_iter=20)
    twin = copy.deepcopy(estimator)
    before = fitted_state(estimator)

    for bad in [np.ones(len(y) - 1), np.zeros(len(y)), np.full(len(y), np.nan)]:
        with pytest.raises(ValueError, match=r"(?i)sample.weight"):
            estimator.fit(X, y, sample_weight=bad)

    assert_same_state(before, fitted_state(estimator))
    estimator.fit(X, y)
    twin.fit(X, y)
    _assert_weights_equal(estimator, twin)


def _interrupt_training_at_call(monkeypatch, Estimator, call, error):
    """Make the third (or ``call``-th) loss evaluation raise ``error``."""
    original = Estimator._loss_grad
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Estimator, "_loss_grad", interrupted)


@pytest.mark.parametrize("error", [MemoryError, KeyboardInterrupt])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fit_interrupted_mid_training_leaves_no_half_done_model(
    Estimator, solver, error, monkeypatch
):
    X, y = _data(Estimator)
    fresh = Estimator(solver=solver, max_iter=20, random_state=0)
    # Three iterations leave L-BFGS far enough from the minimum to need more.
    fitted = Estimator(solver=solver, max_iter=3, warm_start=True, random_state=0)
    fitted.fit(X, y).set_params(max_iter=20)
    twin = copy.deepcopy(fitted)
    before = fitted_state(fitted)

    _interrupt_training_at_call(monkeypatch, Estimator, 3, error)
    with pytest.raises(error):
        fresh.fit(X, y)
    _interrupt_training_at_call(monkeypatch, Estimator, 3, error)
    with pytest.raises(error):
        fitted.fit(X, y)
    monkeypatch.undo()

    assert_not_fitted(fresh)
    assert_same_state(before, fitted_state(fitted))
    fitted.fit(X, y)
    twin.fit(X, y)
    _assert_weights_equal(fitted, twin)


_BAD_PARTIAL_FIT_MESSAGES = {
    "wrong_n_features": r"X has 2 features",
    "nan_in_X": r"\bX\b.*\bNaN\b",
    "inf_in_X": r"\bX\b.*\binfinity\b",
    "another_number_of_outputs": r"y has 2 outputs",
    "unseen_label": r"not in classes_",
}


def _bad_partial_fits(Estimator, X, y):
    """(name, bad X, bad y) for a partial_fit that must be refused."""
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    cases = [
        ("wrong_n_features", X[:, :2], y),
        ("nan_in_X", X_nan, y),
        ("inf_in_X", np.where(X > 1, np.inf, X), y),
    ]
    if Estimator is TinyMLPRegressor:
        cases.append(("another_number_of_outputs", X, np.column_stack([y, y])))
    else:
        cases.append(("unseen_label", X, np.where(y == 1, 5, y)))
    return cases


@pytest.mark.parametrize("solver", ITERATIVE_SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_failed_partial_fit_keeps_the_previous_model_intact_and_usable(
    Estimator, solver
):
    X, y = _data(Estimator)
    kwargs = {} if Estimator is TinyMLPRegressor else {"classes": [0, 1]}
    estimator = Estimator(solver=solver, random_state=0)
    for _ in range(3):
        estimator.partial_fit(X, y, **kwargs)
    twin = copy.deepcopy(estimator)
    before = fitted_state(estimator)
    said = outputs(estimator, X)

    for name, X_bad, y_bad in _bad_partial_fits(Estimator, X, y):
        with pytest.raises(ValueError, match=_BAD_PARTIAL_FIT_MESSAGES[name]):
            estimator.partial_fit(X_bad, y_bad)
        assert_same_state(before, fitted_state(estimator))
        assert_same_state(said, outputs(estimator, X))

    estimator.partial_fit(X, y)
    twin.partial_fit(X, y)
    _assert_weights_equal(estimator, twin)
    assert estimator.loss_curve_ == twin.loss_curve_


def test_failed_refit_with_new_feature_names_keeps_the_old_names():
    import pandas as pd

    X, y = _data(LogisticCEClassifier)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    classifier = LogisticCEClassifier(max_iter=10).fit(frame, y)

    renamed = frame.rename(columns={"a": "z"})
    with pytest.raises(ValueError, match=r"(?i)sample.weight"):
        classifier.fit(renamed, y, sample_weight=np.zeros(len(y)))

    assert list(classifier.feature_names_in_) == ["a", "b", "c", "d"]


# Determinism --------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"early_stopping": True, "validation_fraction": 0.2},
        {"batch_size": 7, "shuffle": True},
        {"learning_rate_schedule": "adaptive"},
    ],
    ids=["defaults", "early_stopping", "mini_batches", "adaptive"],
)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_random_state_gives_bit_identical_weights(Estimator, solver, params):
    X, y = _data(Estimator)

    fits = [
        Estimator(solver=solver, max_iter=30, random_state=7, **params).fit(X, y)
        for _ in range(2)
    ]

    _assert_weights_equal(*fits)
    assert fits[0].n_iter_ == fits[1].n_iter_
    assert fits[0].loss_curve_ == fits[1].loss_curve_
    assert_same_state(outputs(fits[0], X), outputs(fits[1], X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_random_state_gives_identical_partial_fits_and_multiclass(
    Estimator, dtype
):
    X, y = _data(Estimator, n_classes=3)
    X = X.astype(dtype)
    kwargs = {} if Estimator is TinyMLPRegressor else {"classes": np.unique(y)}

    runs = []
    for _ in range(2):
        estimator = Estimator(solver="sgd", batch_size=8, random_state=3)
        for _ in range(4):
            estimator.partial_fit(X, y, **kwargs)
        runs.append(estimator)

    _assert_weights_equal(*runs)
    assert all(w.dtype == dtype for w in fitted_arrays(runs[0]))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_other_random_states_shuffle_differently(Estimator):
    """The seed does reach the mini-batches: determinism is not an accident."""
    X, y = _data(Estimator)
    fits = [
        Estimator(solver="sgd", batch_size=5, max_iter=5, random_state=seed).fit(X, y)
        for seed in (0, 1)
    ]

    a, b = (fitted_arrays(fit) for fit in fits)
    assert not all(np.array_equal(wa, wb) for wa, wb in zip(a, b))


# Concurrency --------------------------------------------------------------------


def _grid_search(Estimator, n_jobs):
    X, y = _data(Estimator)
    cv = (KFold if Estimator is TinyMLPRegressor else StratifiedKFold)(
        n_splits=3, shuffle=True, random_state=0
    )
    grid = {"learning_rate": [0.03, 0.3], "solver": ["gd", "sgd"]}
    search = GridSearchCV(
        Estimator(max_iter=40, random_state=0), grid, cv=cv, n_jobs=n_jobs
    )
    return search.fit(X, y).cv_results_


def _assert_same_scores(results, reference):
    # Scores computed by the same code on the same data in another worker: equal
    # to rounding (BLAS may split a reduction differently with other threads).
    for key in ["mean_test_score", "std_test_score", "rank_test_score"]:
        np.testing.assert_allclose(
            results[key], reference[key], rtol=1e-12, err_msg=key
        )


def test_grid_search_in_processes_and_threads_scores_as_in_one_job():
    for Estimator in ESTIMATORS:
        reference = _grid_search(Estimator, n_jobs=1)
        assert np.isfinite(reference["mean_test_score"]).all()

        _assert_same_scores(_grid_search(Estimator, n_jobs=2), reference)
        with parallel_config(backend="threading"):
            _assert_same_scores(_grid_search(Estimator, n_jobs=2), reference)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fits_in_threads_equal_fits_one_after_another(Estimator):
    X, y = _data(Estimator)
    prototypes = [
        Estimator(solver=solver, max_iter=30, random_state=seed)
        for solver in SOLVERS
        for seed in (0, 1)
    ]

    sequential = [clone(p).fit(X, y) for p in prototypes]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda p: clone(p).fit(X, y), prototypes))

    for a, b in zip(sequential, threaded):
        _assert_weights_equal(a, b)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_one_fitted_estimator_predicts_the_same_from_many_threads(Estimator):
    X, y = _data(Estimator)
    estimator = Estimator(max_iter=30, random_state=0).fit(X, y)
    expected = outputs(estimator, X)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: outputs(estimator, X), range(16)))

    for result in results:
        assert_same_state(expected, result)


# Pickling -----------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_round_trip_predicts_exactly_the_same(Estimator, solver):
    X, y = _data(Estimator, n_classes=3)
    estimator = Estimator(solver=solver, max_iter=20, random_state=0).fit(X, y)

    restored = pickle.loads(pickle.dumps(estimator))

    _assert_weights_equal(estimator, restored)
    assert_same_state(outputs(estimator, X), outputs(restored, X))
    assert restored.get_params() == estimator.get_params()
    assert restored.score(X, y) == estimator.score(X, y)


@pytest.mark.parametrize("solver", ["gd", "adam"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickled_pipeline_predicts_exactly_the_same(Estimator, solver):
    loader = load_diabetes if Estimator is TinyMLPRegressor else load_breast_cancer
    X, y = loader(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), Estimator(solver=solver, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)

    restored = pickle.loads(pickle.dumps(pipe))

    np.testing.assert_array_equal(restored.predict(X), pipe.predict(X))
    assert restored.get_params(deep=True).keys() == pipe.get_params().keys()
    assert restored[-1].n_iter_ == pipe[-1].n_iter_
    assert restored[-1].loss_curve_ == pipe[-1].loss_curve_
    if Estimator in CLASSIFIERS:
        np.testing.assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))
        np.testing.assert_array_equal(restored[-1].coef_, pipe[-1].coef_)
    else:
        for ours, theirs in zip(restored[-1].coefs_, pipe[-1].coefs_):
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_of_an_unfitted_estimator_stays_unfitted(Estimator):
    restored = pickle.loads(pickle.dumps(Estimator(learning_rate=0.5)))

    assert_not_fitted(restored)
    assert restored.learning_rate == 0.5


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unpickled_warm_start_continues_exactly_as_the_original(Estimator, solver):
    X, y, original = _warm_fitted(Estimator, solver, max_iter=10)

    restored = pickle.loads(pickle.dumps(original))
    for estimator in (original, restored):
        estimator.fit(X, y)
        estimator.fit(X, y)

    _assert_weights_equal(original, restored)
    assert original.loss_curve_ == restored.loss_curve_
    assert original.n_iter_ == restored.n_iter_
    assert_same_state(outputs(original, X), outputs(restored, X))


@pytest.mark.parametrize("solver", ITERATIVE_SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unpickled_partial_fit_continues_exactly_as_the_original(Estimator, solver):
    X, y = _data(Estimator)
    kwargs = {} if Estimator is TinyMLPRegressor else {"classes": [0, 1]}
    original = Estimator(solver=solver, batch_size=16, random_state=0)
    original.partial_fit(X, y, **kwargs)

    restored = pickle.loads(pickle.dumps(original))
    for estimator in (original, restored):
        for _ in range(3):
            estimator.partial_fit(X, y)

    _assert_weights_equal(original, restored)
    assert original.loss_curve_ == restored.loss_curve_
