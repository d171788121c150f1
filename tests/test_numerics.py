"""Extreme numbers: no numpy warning escapes, and nothing non-finite is fitted.

Every case runs with RuntimeWarning turned into an error. A fit on extreme data
either succeeds with finite weights, losses and predictions, or stops with the
divergence ValueError ("diverged") and leaves the estimator unfitted; the
probabilities stay valid however saturated the sigmoids are.
"""

import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import (
    CLASSIFIERS,
    ESTIMATORS,
    ITERATIVE_SOLVERS,
    SOLVERS,
    assert_not_fitted,
    fitted_arrays,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from skbackprop import TinyMLPRegressor
from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad

pytestmark = pytest.mark.usefixtures("one_blas_thread")

DTYPES = [np.float64, np.float32]


@contextmanager
def _strict():
    """RuntimeWarnings (overflow, invalid value, divide by zero) become errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(Estimator, n_samples=40, n_features=3, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    if Estimator is TinyMLPRegressor:
        y = X @ rng.randn(n_features) + 0.1 * rng.randn(n_samples)
    else:
        y = (X[:, 0] + 0.3 * rng.randn(n_samples) > 0).astype(int)
    return X.astype(dtype), y


def _fit_finite_or_diverged(estimator, X, y):
    """Fit under ``_strict``; return the estimator, or None when it diverged.

    A success has finite weights, losses and predictions; a divergence is the
    ValueError that says so, and leaves no fitted attribute behind.
    """
    with _strict():
        try:
            estimator.fit(X, y)
        except ValueError as error:
            assert "diverged" in str(error)
            assert_not_fitted(estimator)
            return None
        for array in fitted_arrays(estimator):
            assert np.isfinite(array).all()
        assert np.isfinite(estimator.loss_curve_).all()
        assert np.isfinite(estimator.predict(X).astype(float)).all()
        if hasattr(estimator, "predict_proba"):
            _assert_valid_probabilities(estimator, X)
    return estimator


def _assert_valid_probabilities(classifier, X):
    proba = classifier.predict_proba(X)
    log_proba = classifier.predict_log_proba(X)
    assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    assert (log_proba <= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-5, atol=1e-30)
    predicted = np.searchsorted(classifier.classes_, classifier.predict(X))
    np.testing.assert_array_equal(
        proba[np.arange(len(X)), predicted], proba.max(axis=1)
    )


# The backprop functions at saturated sigmoids ----------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("z", [1000.0, -1000.0, 1e6, -1e6])
def test_binary_losses_at_saturated_sigmoids_are_exact_finite_and_silent(z, dtype):
    X = np.array([[1.0], [1.0]], dtype=dtype)
    y = np.array([0.0, 1.0], dtype=dtype)
    W = np.array([z], dtype=dtype)
    wrong, right = (0, 1) if z > 0 else (1, 0)

    with _strict():
        ce_loss, ce_grad = logistic_ce_grad(X, y, W)
        sse_loss, sse_grad = sigmoid_sse_grad(X, y, W)
        ce_wrong, _ = logistic_ce_grad(X[[wrong]], y[[wrong]], W)
        ce_right, ce_right_grad = logistic_ce_grad(X[[right]], y[[right]], W)

    # -log σ(-|z|) = |z| + log(1 + e^{-|z|}) = |z| in floating point.
    assert ce_wrong == pytest.approx(abs(z), rel=1e-6)
    assert ce_right == 0.0 and ce_right_grad == pytest.approx([0.0])
    assert ce_loss == pytest.approx(abs(z) / 2, rel=1e-6)
    # Mean of (ŷ - y) x over one fully wrong and one fully right row.
    np.testing.assert_allclose(ce_grad, [0.5 * np.sign(z)], rtol=1e-6)
    # Squared error saturates: half the rows are off by 1, the sigmoid's slope is 0.
    assert sse_loss == pytest.approx(0.25)
    np.testing.assert_array_equal(sse_grad, [0.0])
    for grad in (ce_grad, sse_grad):
        assert grad.dtype == dtype


def test_cross_entropy_keeps_its_accuracy_where_the_sigmoid_rounds_to_one():
    X, y = np.array([[40.0]]), np.array([1.0])

    with _strict():
        loss, grad = logistic_ce_grad(X, y, np.array([1.0]))

    # σ(40) rounds to 1, but -log σ(40) = log(1 + e^{-40}) ≈ e^{-40} ≠ 0.
    assert loss == pytest.approx(math.exp(-40), rel=1e-9)
    assert grad[0] == pytest.approx(-40 * math.exp(-40), rel=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1000.0, 1e6])
def test_multi_output_losses_at_saturated_scores_are_finite_and_silent(scale, dtype):
    X = np.array([[1.0], [-1.0], [0.5]], dtype=dtype)
    Y = np.eye(3, dtype=dtype)
    W = np.array([[scale, -scale, 0.0]], dtype=dtype)
    W_and_intercept = np.vstack([W, -W]).astype(dtype)

    with _strict():
        results = [
            logistic_ce_grad(X, Y, W),
            sigmoid_sse_grad(X, Y, W),
            logistic_ce_grad(X, Y, W_and_intercept, fit_intercept=True, alpha=1.0),
            sigmoid_sse_grad(X, Y, W_and_intercept, fit_intercept=True, alpha=1.0),
        ]

    for loss, grad in results:
        assert np.isfinite(loss)
        assert np.isfinite(grad).all() and grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1000.0, -1000.0, 1e6])
def test_tiny_mlp_at_saturated_hidden_units_is_finite_and_silent(scale, dtype):
    X = np.array([[1.0, 0.5], [2.0, 0.5], [-1.0, -3.0]], dtype=dtype)
    y = np.array([1.0, -2.0, 0.5], dtype=dtype)
    W1 = np.full((2, 4), scale, dtype=dtype)
    W2 = np.ones(4, dtype=dtype)

    with _strict():
        loss, (g1, g2) = tiny_mlp_grad(X, y, W1, W2)

    assert np.isfinite(loss)
    for grad in (g1, g2):
        assert np.isfinite(grad).all() and grad.dtype == dtype
    # Saturated hidden units pass no gradient back to W1.
    np.testing.assert_array_equal(g1, 0.0)


# Probabilities from saturated scores ------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1000.0, 1e6])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_probabilities_stay_valid_at_saturated_scores(
    Classifier, n_classes, scale, dtype
):
    X, _ = _data(Classifier, dtype=dtype)
    y = np.arange(len(X)) % n_classes
    with _strict():
        classifier = Classifier(max_iter=2).fit(X, y)
    rows = 1 if n_classes == 2 else n_classes
    # Scores of ±scale·x: every sigmoid rounds to 0 or 1.
    classifier.coef_ = np.zeros((rows, X.shape[1]), dtype=dtype)
    classifier.coef_[:, 0] = scale * np.array([1.0, -1.0, 0.5][:rows], dtype=dtype)
    classifier.intercept_ = np.zeros(rows, dtype=dtype)
    X_extreme = np.vstack([X, [[1.0, 0, 0], [-1.0, 0, 0]]]).astype(dtype)

    with _strict():
        scores = classifier.decision_function(X_extreme)
        _assert_valid_probabilities(classifier, X_extreme)
        log_proba = classifier.predict_log_proba(X_extreme)

    assert np.isfinite(scores).all()
    # The log-probability of the losing class is about -|z|, not -inf.
    assert log_proba.min() < -0.5 * scale


# Fits on extreme data ------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_features_at_1e8_fit_finite_or_report_divergence(Estimator, solver):
    X, y = _data(Estimator)

    _fit_finite_or_diverged(
        Estimator(solver=solver, max_iter=30, random_state=0), X * 1e8, y
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_features_at_1e_minus_8_fit_finite(Estimator, solver):
    X, y = _data(Estimator)

    fitted = _fit_finite_or_diverged(
        Estimator(solver=solver, max_iter=30, random_state=0), X * 1e-8, y
    )

    assert fitted is not None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_features_near_the_largest_float_are_refused_naming_the_scale(
    Estimator, solver, dtype
):
    """Features at 1e-8 of the dtype's maximum: about 3e30 in float32.

    Their squares overflow, so no step size can train on them (MLPRegressor
    raises too); the error says what to do.
    """
    X, y = _data(Estimator, dtype=dtype)
    X = X * dtype(np.finfo(dtype).max * 1e-8)
    estimator = Estimator(solver=solver, max_iter=30, random_state=0)

    with _strict(), pytest.raises(ValueError, match="squares overflow.*Scale"):
        estimator.fit(X, y)
    assert_not_fitted(estimator)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_features_near_the_smallest_normal_float_fit_finite(Estimator, solver, dtype):
    X, y = _data(Estimator, dtype=dtype)
    X = X * dtype(np.finfo(dtype).tiny * 1e3)

    fitted = _fit_finite_or_diverged(
        Estimator(solver=solver, max_iter=30, random_state=0), X, y
    )

    assert fitted is not None
    assert all(a.dtype == dtype for a in fitted_arrays(fitted))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_huge_learning_rate_fits_finite_or_reports_divergence(Estimator, solver, dtype):
    X, y = _data(Estimator, dtype=dtype)

    _fit_finite_or_diverged(
        Estimator(solver=solver, learning_rate=1e8, max_iter=50, random_state=0),
        X,
        y,
    )


@pytest.mark.parametrize("solver", ITERATIVE_SOLVERS)
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_tiny_learning_rate_barely_moves_the_weights(Classifier, solver):
    X, y = _data(Classifier)

    fitted = _fit_finite_or_diverged(
        Classifier(solver=solver, learning_rate=1e-12, max_iter=20, random_state=0),
        X,
        y,
    )

    assert fitted is not None
    assert np.abs(fitted.coef_).max() < 1e-8
    np.testing.assert_allclose(fitted.predict_proba(X), 0.5, atol=1e-6)


@pytest.mark.parametrize("solver", ITERATIVE_SOLVERS)
def test_tiny_learning_rate_keeps_the_regressor_finite(solver):
    X, y = _data(TinyMLPRegressor)

    fitted = _fit_finite_or_diverged(
        TinyMLPRegressor(
            solver=solver, learning_rate=1e-12, max_iter=20, random_state=0
        ),
        X,
        y,
    )

    assert fitted is not None


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_huge_penalty_fits_finite_or_reports_divergence(Estimator, solver):
    X, y = _data(Estimator)

    _fit_finite_or_diverged(
        Estimator(solver=solver, alpha=1e8, max_iter=30, random_state=0), X, y
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_nearly_separable_classes_give_finite_weights_and_valid_probabilities(
    Classifier, n_classes, solver
):
    rng = np.random.RandomState(0)
    y = np.arange(60) % n_classes
    # Clusters 20 apart in directions 360/k degrees apart: a wide margin around
    # each class, and no penalty to stop the weights from growing.
    angles = 2 * np.pi * y / n_classes
    X = 20.0 * np.column_stack([np.cos(angles), np.sin(angles)]) + rng.randn(60, 2)

    fitted = _fit_finite_or_diverged(
        Classifier(solver=solver, alpha=0.0, max_iter=300, random_state=0), X, y
    )

    assert fitted is not None
    assert fitted.score(X, y) == 1.0
    with _strict():
        _assert_valid_probabilities(fitted, X * 100)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_regressor_targets_whose_square_overflows_fit_finite(solver, dtype):
    """Targets at ten times the square root of the dtype's maximum (1.8e20 in float32).

    The regressor standardises y itself, so their scale alone must not matter.
    """
    X, y = _data(TinyMLPRegressor, dtype=dtype)
    unit = 10 * np.sqrt(np.finfo(dtype).max)
    y = (y * unit).astype(dtype)

    fitted = _fit_finite_or_diverged(
        TinyMLPRegressor(solver=solver, max_iter=100, random_state=0), X, y
    )

    assert fitted is not None
    with _strict():
        y_pred = fitted.predict(X)
    # scikit-learn's r2_score squares y itself, so score in the unit of y.
    assert r2_score(y / unit, y_pred / unit) > 0.5


@pytest.mark.parametrize("scale", [1e-8, 1e8])
@pytest.mark.parametrize("solver", SOLVERS)
def test_regressor_fits_targets_of_any_unit_alike(solver, scale):
    """Standardised targets: y in another unit gives the same fit, rescaled."""
    X, y = _data(TinyMLPRegressor)
    params = dict(solver=solver, max_iter=30, random_state=0)

    with _strict():
        base = TinyMLPRegressor(**params).fit(X, y)
        scaled = TinyMLPRegressor(**params).fit(X, y * scale)

    np.testing.assert_allclose(scaled.predict(X), base.predict(X) * scale, rtol=1e-6)
