"""Properties that hold for any data: hypothesis draws the datasets.

Probabilities form a distribution; predict, predict_proba and
decision_function tell the same story; a row's prediction depends on that row
alone, not on its position or its neighbours; and multiplying every sample
weight by one constant changes nothing.
"""

import warnings

import numpy as np
import pytest
from conftest import CLASSIFIERS, ESTIMATORS, fitted_arrays, outputs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning

from skbackprop import TinyMLPRegressor

pytestmark = pytest.mark.usefixtures("one_blas_thread")

# Derandomized, so that every run checks the same examples and a failure is
# reproducible; no example database written into the working tree.
PROPERTY_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _finite(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def datasets(draw, Estimator, n_classes=2, max_abs=5.0):
    """A small training set, every class present, and rows to predict."""
    n_features = draw(st.integers(1, 4))
    n_samples = draw(st.integers(max(2 * n_classes, 4), 24))
    X = draw(arrays(np.float64, (n_samples, n_features), elements=_finite(-5, 5)))
    if Estimator is TinyMLPRegressor:
        y = draw(arrays(np.float64, n_samples, elements=_finite(-100, 100)))
    else:
        labels = draw(arrays(np.int64, n_samples, elements=st.integers(0, 100)))
        y = labels % n_classes
        y[:n_classes] = np.arange(n_classes)  # every class is present
    n_test = draw(st.integers(1, 12))
    X_test = draw(
        arrays(np.float64, (n_test, n_features), elements=_finite(-max_abs, max_abs))
    )
    return X, y, X_test


def of_each_classifier_on_two_and_three_classes(test):
    """Make ``test(Classifier, n_classes, data)`` a property of each classifier,
    with two classes and with three, checked over the examples it draws."""
    test = PROPERTY_SETTINGS(given(data=st.data())(test))
    test = pytest.mark.parametrize("Classifier", CLASSIFIERS)(test)
    return pytest.mark.parametrize("n_classes", [2, 3])(test)


def _fit(estimator, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, sample_weight=sample_weight)


# Probabilities ------------------------------------------------------------------


@of_each_classifier_on_two_and_three_classes
def test_probabilities_are_in_unit_interval_and_rows_sum_to_one(
    Classifier, n_classes, data
):
    # Rows to predict reach far outside the training data: saturated sigmoids.
    X, y, X_test = data.draw(datasets(Classifier, n_classes, max_abs=1e4))
    classifier = _fit(Classifier(max_iter=20, alpha=0.0), X, y)

    proba = classifier.predict_proba(X_test)
    log_proba = classifier.predict_log_proba(X_test)

    assert proba.shape == (len(X_test), n_classes)
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.isfinite(log_proba).all() and (log_proba <= 0).all()
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-9, atol=1e-300)


@of_each_classifier_on_two_and_three_classes
def test_predict_agrees_with_probabilities_and_decision_function(
    Classifier, n_classes, data
):
    X, y, X_test = data.draw(datasets(Classifier, n_classes, max_abs=1e3))
    classifier = _fit(Classifier(max_iter=20), X, y)

    predicted = classifier.predict(X_test)
    proba = classifier.predict_proba(X_test)
    scores = classifier.decision_function(X_test)

    index = np.searchsorted(classifier.classes_, predicted)
    np.testing.assert_array_equal(classifier.classes_[index], predicted)
    # The predicted class has the highest probability (saturated sigmoids may
    # tie two classes at the same probability; then either is a maximum).
    np.testing.assert_array_equal(
        proba[np.arange(len(X_test)), index], proba.max(axis=1)
    )
    if n_classes == 2:
        assert scores.shape == (len(X_test),)
        np.testing.assert_array_equal(index, (scores > 0).astype(int))
    else:
        assert scores.shape == (len(X_test), n_classes)
        np.testing.assert_array_equal(index, scores.argmax(axis=1))


# A row's prediction is its own ---------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_predictions_do_not_depend_on_the_order_or_company_of_rows(Estimator, data):
    X, y, X_test = data.draw(datasets(Estimator, max_abs=1e3))
    estimator = _fit(Estimator(max_iter=20, random_state=0), X, y)
    order = data.draw(st.permutations(range(len(X_test))))
    inverse = np.argsort(order)
    first = data.draw(st.integers(1, len(X_test)))

    expected = outputs(estimator, X_test)
    permuted = outputs(estimator, X_test[order])
    alone = outputs(estimator, X_test[:first])

    for full, shuffled, head in zip(expected, permuted, alone, strict=True):
        if full.dtype.kind == "f":
            np.testing.assert_allclose(shuffled[inverse], full, rtol=1e-12, atol=0)
            np.testing.assert_allclose(head, full[:first], rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(shuffled[inverse], full)
            np.testing.assert_array_equal(head, full[:first])


# Sample weights are relative -------------------------------------------------------

# (solver, rtol): full-batch gradient descent repeats the same arithmetic up to
# rounding; L-BFGS may stop an iteration apart within its tolerance.
SCALE_TOLERANCES = [("gd", 1e-7), ("lbfgs", 1e-5)]


@pytest.mark.parametrize("solver, rtol", SCALE_TOLERANCES)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_scaling_every_sample_weight_by_a_constant_changes_nothing(
    Estimator, solver, rtol, data
):
    X, y, X_test = data.draw(datasets(Estimator))
    sample_weight = data.draw(arrays(np.float64, len(y), elements=_finite(0.1, 5.0)))
    params = dict(solver=solver, max_iter=30, random_state=0)
    if solver == "lbfgs":
        params["tol"] = 1e-10
        # Rows all alike determine no direction of the weights: the objective
        # is flat along them, and L-BFGS's path there follows the rounding of
        # the weighted mean, which the scaling changes in its last bit.
        assume(len(np.unique(X, axis=0)) > 1)

    plain = _fit(Estimator(**params), X, y, sample_weight)
    scaled = _fit(Estimator(**params), X, y, 3.7 * sample_weight)

    for a, b in zip(fitted_arrays(plain), fitted_arrays(scaled), strict=True):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol * max(1.0, _size(a)))
    for a, b in zip(outputs(plain, X_test), outputs(scaled, X_test), strict=True):
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol * _size(a))


def _size(array):
    """The scale of an array's entries, for an absolute tolerance."""
    finite = np.abs(array[np.isfinite(array)])
    return float(finite.max()) if finite.size else 1.0


@pytest.mark.parametrize("solver, rtol", SCALE_TOLERANCES)
def test_scaling_sample_weight_changes_nothing_for_a_constant_target(solver, rtol):
    """The example hypothesis found: a weighted mean that rounds off the constant.

    With weights 3.7, the weighted mean of nine 2.5s is 2.5000000000000004, and
    the spread of the targets about it is 4e-16, not 0: rounding noise that
    must not become the unit the network learns in.
    """
    X = np.random.RandomState(0).randn(9, 2)
    y = np.full(9, 2.5)
    params = dict(solver=solver, max_iter=30, random_state=0, tol=1e-10)

    plain = _fit(TinyMLPRegressor(**params), X, y, np.ones(9))
    scaled = _fit(TinyMLPRegressor(**params), X, y, np.full(9, 3.7))

    np.testing.assert_allclose(scaled.predict(X), plain.predict(X), rtol=rtol)
    for a, b in zip(fitted_arrays(plain), fitted_arrays(scaled), strict=True):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol)
