"""Bad input is refused at every public entry point, clearly and before any work.

Each bad argument raises a ValueError or a TypeError whose message names what
is wrong; a refused call trains nothing and leaves a fitted estimator exactly as
it was, and a fresh one unfitted. The estimators give scikit-learn's own errors
(from ``validate_data`` and friends), matched here by what they name (the
argument, the fault) rather than by scikit-learn's wording; the backprop
functions, which have no scikit-learn to lean on, name the argument and its
shape themselves.
"""

import math
import re
import warnings

import numpy as np
import pytest
from conftest import (
    CLASSIFIERS,
    ESTIMATORS,
    assert_not_fitted,
    assert_same_state,
    fitted_state,
    ignore_convergence,
)
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import skbackprop._problem as problem
from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier, TinyMLPRegressor
from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad

pytestmark = [pytest.mark.usefixtures("one_blas_thread"), ignore_convergence]

NAN, INF = math.nan, math.inf


def _data(Estimator, n_samples=30, n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    if Estimator is TinyMLPRegressor:
        return X, X @ rng.randn(n_features) + 0.1 * rng.randn(n_samples)
    return X, (X[:, 0] + 0.3 * rng.randn(n_samples) > 0).astype(int)


def _fitted(Estimator, **params):
    X, y = _data(Estimator)
    return Estimator(max_iter=5, random_state=0, **params).fit(X, y)


def _streaming(Estimator):
    """A solver with ``partial_fit``: the default, but "adam" for "lbfgs"."""
    return {"solver": "adam"} if Estimator().solver == "lbfgs" else {}


def _partial_fit_args(estimator, y):
    """Arguments a first ``partial_fit`` needs: the classes, for a classifier."""
    return {"classes": np.unique(y)} if is_classifier(estimator) else {}


def _training_must_not_start(*args, **kwargs):
    raise AssertionError("training started although the input should be refused")


@pytest.fixture
def forbid_training(monkeypatch):
    """Call it once the test is set up: from then on, training fails the test.

    It replaces the training loop the estimators call (``train_epochs``), so a
    refusal that comes only after some epochs, or never, is caught.
    """

    def forbid():
        monkeypatch.setattr(problem, "train_epochs", _training_must_not_start)

    return forbid


def _names(*words):
    """A pattern that finds each of ``words`` in the message, as words, anywhere.

    Messages are matched by what they name (the argument, the fault, the
    numbers), not by scikit-learn's sentences, which it may reword.
    """
    return "(?s)" + "".join(
        rf"(?=.*(?<![\w]){re.escape(word)}(?![\w]))" for word in words
    )


# Bad X and y at fit and partial_fit --------------------------------------------


def _with_value(X, value):
    X = X.copy()
    X[1, 1] = value
    return X


# name -> (bad (X, y) from good (X, y), what the message says)
BAD_DATA = {
    "nan_in_X": (lambda X, y: (_with_value(X, NAN), y), _names("X", "NaN")),
    "inf_in_X": (lambda X, y: (_with_value(X, INF), y), _names("X", "infinity")),
    "-inf_in_X": (lambda X, y: (_with_value(X, -INF), y), _names("X", "infinity")),
    "no_rows": (lambda X, y: (X[:0], y[:0]), r"0 sample\(s\)"),
    "no_columns": (lambda X, y: (X[:, :0], y), r"0 feature\(s\)"),
    "1d_X": (lambda X, y: (X[:, 0], y), _names("2D", "1D")),
    "3d_X": (lambda X, y: (X[:, :, np.newaxis], y), r"dim 3"),
    "complex_X": (lambda X, y: (X + 1j, y), _names("Complex")),
    "string_X": (
        lambda X, y: (np.full(X.shape, "abc"), y),
        _names("string", "float"),
    ),
    "fewer_labels_than_rows": (
        lambda X, y: (X, y[:-3]),
        _names("samples", "[30, 27]"),
    ),
    "more_labels_than_rows": (
        lambda X, y: (X[:-3], y),
        _names("samples", "[27, 30]"),
    ),
}


def _assert_refused(Estimator, method, make_bad, message, forbid_training, fitted):
    """``method`` on ``make_bad(X, y)`` raises ``message`` before any training.

    ``make_bad`` returns the positional and the keyword arguments of the call.

    A fresh estimator stays unfitted; a fitted one (``fitted=True``, warm
    started, so that a fit would continue it) stays exactly as it was.
    """
    X, y = _data(Estimator)
    if fitted:
        estimator = _fitted(Estimator, warm_start=True, **_streaming(Estimator))
        kwargs, before = {}, fitted_state(estimator)
    else:
        estimator = Estimator(**_streaming(Estimator))
        kwargs = _partial_fit_args(estimator, y) if method == "partial_fit" else {}

    forbid_training()
    with pytest.raises(ValueError, match=message):
        args, bad_kwargs = make_bad(X, y)
        getattr(estimator, method)(*args, **bad_kwargs, **kwargs)

    if fitted:
        assert_same_state(before, fitted_state(estimator))
    else:
        assert_not_fitted(estimator)


BAD_LABELS = {
    "single_class": (lambda y: np.zeros_like(y), r"only one class"),
    "continuous": (
        lambda y: np.linspace(0.1, 2.3, y.shape[0]),
        _names("label", "continuous"),
    ),
    "nan_label": (
        lambda y: np.where(np.arange(y.shape[0]) == 2, NAN, y.astype(float)),
        _names("y", "NaN"),
    ),
    "2d_labels": (
        lambda y: np.column_stack([y, 1 - y]),
        _names("y", "(30, 2)"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_LABELS))
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_classifier_fit_refuses_bad_labels(Classifier, case, forbid_training):
    make_bad, message = BAD_LABELS[case]
    X, y = _data(Classifier)
    classifier = Classifier()

    forbid_training()
    with pytest.raises(ValueError, match=message):
        classifier.fit(X, make_bad(y))

    assert_not_fitted(classifier)


BAD_TARGETS = {
    "nan_target": (
        lambda y: np.where(np.arange(y.shape[0]) == 2, NAN, y),
        _names("y", "NaN"),
    ),
    "inf_target": (
        lambda y: np.where(np.arange(y.shape[0]) == 2, INF, y),
        _names("y", "infinity"),
    ),
    "string_target": (
        lambda y: np.full(y.shape, "abc"),
        _names("string", "float"),
    ),
    "3d_target": (lambda y: y[:, None, None], _names("dim 3")),
}


@pytest.mark.parametrize("case", list(BAD_TARGETS))
def test_regressor_fit_refuses_bad_targets(case, forbid_training):
    make_bad, message = BAD_TARGETS[case]
    X, y = _data(TinyMLPRegressor)
    regressor = TinyMLPRegressor()

    forbid_training()
    with pytest.raises(ValueError, match=message):
        regressor.fit(X, make_bad(y))

    assert_not_fitted(regressor)


# partial_fit's own rules --------------------------------------------------------


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_first_partial_fit_of_a_classifier_needs_the_classes(
    Classifier, forbid_training
):
    X, y = _data(Classifier)
    classifier = Classifier(**_streaming(Classifier))

    forbid_training()
    with pytest.raises(ValueError, match=r"classes must be passed"):
        classifier.partial_fit(X, y)

    assert_not_fitted(classifier)


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_partial_fit_refuses_classes_with_a_single_label(Classifier, forbid_training):
    X, y = _data(Classifier)
    classifier = Classifier(**_streaming(Classifier))

    forbid_training()
    with pytest.raises(ValueError, match=r"only one class"):
        classifier.partial_fit(X[y == 0], y[y == 0], classes=[0])

    assert_not_fitted(classifier)


@pytest.mark.parametrize(
    "label, shown",
    [(0.0, "0.0"), (3, "3"), ("ant", "'ant'")],
    ids=["float", "int", "str"],
)
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_single_class_error_writes_the_label_as_python_does_not_as_numpy_repr(
    Classifier, label, shown
):
    # scikit-learn 1.9's LogisticRegression still says "only one class:
    # np.float64(0.0)"; ours reads as the user's own label.
    X, _ = _data(Classifier)
    y = np.full(X.shape[0], label)

    with pytest.raises(ValueError) as excinfo:
        Classifier().fit(X, y)

    assert f"The data contains only one class: {shown};" in str(excinfo.value)
    assert "np." not in str(excinfo.value)


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_first_partial_fit_refuses_labels_missing_from_classes(
    Classifier, forbid_training, monkeypatch
):
    X, y = _data(Classifier)
    classifier = Classifier(**_streaming(Classifier))

    forbid_training()
    with pytest.raises(ValueError, match=r"not in classes_ \[0, 2\]: \[1\]"):
        classifier.partial_fit(X, y, classes=[0, 2])

    assert_not_fitted(classifier)
    assert not hasattr(classifier, "classes_")
    # the next first call starts afresh with the right classes
    monkeypatch.undo()
    classifier.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(classifier.classes_, [0, 1])


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_later_partial_fit_refuses_unseen_labels(Classifier, forbid_training):
    X, y = _data(Classifier)
    classifier = _fitted(Classifier, **_streaming(Classifier))
    before = fitted_state(classifier)

    forbid_training()
    with pytest.raises(ValueError, match=r"not in classes_ \[0, 1\]: \[7\]"):
        classifier.partial_fit(X, np.where(y == 1, 7, y))

    assert_same_state(before, fitted_state(classifier))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_later_partial_fit_refuses_another_number_of_features(
    Estimator, forbid_training
):
    X, y = _data(Estimator)
    estimator = _fitted(Estimator, **_streaming(Estimator))
    before = fitted_state(estimator)

    forbid_training()
    with pytest.raises(ValueError, match=_names("X", "2 features", "3 features")):
        estimator.partial_fit(X[:, :2], y)

    assert_same_state(before, fitted_state(estimator))


def test_later_partial_fit_of_the_regressor_refuses_another_number_of_outputs(
    forbid_training,
):
    X, y = _data(TinyMLPRegressor)
    regressor = _fitted(TinyMLPRegressor, solver="adam")
    before = fitted_state(regressor)

    forbid_training()
    with pytest.raises(ValueError, match=r"y has 2 outputs, but \w+ was fitted with 1"):
        regressor.partial_fit(X, np.column_stack([y, y]))

    assert_same_state(before, fitted_state(regressor))


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_partial_fit_refuses_balanced_class_weight(Classifier, forbid_training):
    X, y = _data(Classifier)
    classifier = Classifier(class_weight="balanced", **_streaming(Classifier))

    forbid_training()
    with pytest.raises(ValueError, match=r"class_weight='balanced'.*partial_fit"):
        classifier.partial_fit(X, y, classes=[0, 1])

    assert_not_fitted(classifier)


# Bad sample_weight --------------------------------------------------------------

BAD_SAMPLE_WEIGHTS = {
    "too_short": (lambda n: np.ones(n - 1), r"sample_weight\.shape == \(29,\)"),
    "too_long": (lambda n: np.ones(n + 1), r"sample_weight\.shape == \(31,\)"),
    "2d": (lambda n: np.ones((n, 1)), r"sample_weight\.shape == \(30, 1\)"),
    "negative": (
        lambda n: np.where(np.arange(n) == 3, -1.0, 1.0),
        _names("sample_weight", "Negative"),
    ),
    "all_zero": (lambda n: np.zeros(n), r"(?i)sample weights.*non-zero"),
    "nan": (
        lambda n: np.where(np.arange(n) == 3, NAN, 1.0),
        _names("sample_weight", "NaN"),
    ),
    "inf": (
        lambda n: np.where(np.arange(n) == 3, INF, 1.0),
        _names("sample_weight", "infinity"),
    ),
}


# Each bad call: (X, y) -> the positional and keyword arguments, and the error.
BAD_CALLS = {
    **{
        f"data-{case}": (lambda X, y, make_bad=make_bad: (make_bad(X, y), {}), error)
        for case, (make_bad, error) in BAD_DATA.items()
    },
    **{
        f"sample_weight-{case}": (
            lambda X, y, make_bad=make_bad: (
                (X, y),
                {"sample_weight": make_bad(len(y))},
            ),
            error,
        )
        for case, (make_bad, error) in BAD_SAMPLE_WEIGHTS.items()
    },
}


@pytest.mark.parametrize("fitted", [False, True], ids=["fresh", "fitted"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("case", list(BAD_CALLS))
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_data_or_weights_are_refused_before_any_work_changing_nothing(
    Estimator, case, method, fitted, forbid_training
):
    """A fresh estimator stays unfitted, a fitted one exactly as it was."""
    make_call, message = BAD_CALLS[case]
    _assert_refused(Estimator, method, make_call, message, forbid_training, fitted)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_score_refuses_a_sample_weight_of_the_wrong_length(Estimator):
    X, y = _data(Estimator)
    estimator = _fitted(Estimator)

    with pytest.raises(ValueError, match=_names("samples", "[30, 30, 29]")):
        estimator.score(X, y, sample_weight=np.ones(len(y) - 1))


# Bad X at predict time ----------------------------------------------------------

PREDICT_METHODS = {
    SigmoidSSEClassifier: [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "score",
    ],
    TinyMLPRegressor: ["predict", "score"],
}
PREDICT_METHODS[LogisticCEClassifier] = PREDICT_METHODS[SigmoidSSEClassifier]
PREDICT_CASES = [
    (Estimator, method)
    for Estimator in ESTIMATORS
    for method in PREDICT_METHODS[Estimator]
]

BAD_PREDICT_X = {
    "nan_in_X": (lambda X: _with_value(X, NAN), _names("X", "NaN")),
    "inf_in_X": (lambda X: _with_value(X, INF), _names("X", "infinity")),
    "no_rows": (lambda X: X[:0], r"0 sample\(s\)"),
    "1d_X": (lambda X: X[0], _names("2D", "1D")),
    "3d_X": (lambda X: X[:, :, np.newaxis], r"dim 3"),
    "complex_X": (lambda X: X + 1j, _names("Complex")),
    "string_X": (
        lambda X: np.full(X.shape, "abc"),
        _names("string", "float"),
    ),
    "fewer_features": (
        lambda X: X[:, :2],
        _names("X", "2 features", "3 features"),
    ),
    "more_features": (
        lambda X: np.column_stack([X, X]),
        _names("X", "6 features", "3 features"),
    ),
}


def _call(estimator, method, X, y):
    if method == "score":
        return estimator.score(X, y)
    return getattr(estimator, method)(X)


@pytest.mark.parametrize("case", list(BAD_PREDICT_X))
@pytest.mark.parametrize(
    "Estimator, method",
    PREDICT_CASES,
    ids=[f"{E.__name__}-{m}" for E, m in PREDICT_CASES],
)
def test_prediction_methods_refuse_bad_X(Estimator, method, case):
    make_bad, message = BAD_PREDICT_X[case]
    X, y = _data(Estimator)
    estimator = _fitted(Estimator)
    before = fitted_state(estimator)
    bad = make_bad(X)
    y_for_score = y[: bad.shape[0]] if bad.ndim else y

    with pytest.raises(ValueError, match=message):
        _call(estimator, method, bad, y_for_score)

    assert_same_state(before, fitted_state(estimator))


@pytest.mark.parametrize(
    "Estimator, method",
    PREDICT_CASES,
    ids=[f"{E.__name__}-{m}" for E, m in PREDICT_CASES],
)
def test_prediction_methods_of_an_unfitted_estimator_say_fit_first(Estimator, method):
    X, y = _data(Estimator)

    with pytest.raises(NotFittedError, match=r"not fitted yet"):
        _call(Estimator(), method, X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_score_refuses_labels_of_another_length(Estimator):
    X, y = _data(Estimator)
    estimator = _fitted(Estimator)

    with pytest.raises(ValueError, match=_names("samples", "[25, 30]")):
        estimator.score(X, y[:-5])


# Hyperparameters out of range or of the wrong type -----------------------------

# (name, bad value): each must be refused with a message that names the parameter.
COMMON_BAD_PARAMS = [
    ("learning_rate", 0),
    ("learning_rate", -1.0),
    ("learning_rate", "a"),
    ("learning_rate", None),
    ("learning_rate", NAN),
    ("learning_rate", INF),
    ("learning_rate", True),
    ("max_iter", 0),
    ("max_iter", -1),
    ("max_iter", 1.5),
    ("max_iter", "10"),
    ("max_iter", True),
    ("tol", -1.0),
    ("tol", "a"),
    ("tol", NAN),
    ("tol", INF),
    ("alpha", -1.0),
    ("alpha", "a"),
    ("alpha", NAN),
    ("alpha", INF),
    ("batch_size", 0),
    ("batch_size", -3),
    ("batch_size", "x"),
    ("batch_size", 1.5),
    ("batch_size", None),
    ("batch_size", True),
    ("validation_fraction", 0.0),
    ("validation_fraction", 1.0),
    ("validation_fraction", -0.1),
    ("validation_fraction", NAN),
    ("validation_fraction", "a"),
    ("n_iter_no_change", 0),
    ("n_iter_no_change", 1.5),
    ("n_iter_no_change", NAN),
    ("n_iter_no_change", -INF),
    ("n_iter_no_change", True),
    ("solver", "newton"),
    ("solver", None),
    ("learning_rate_schedule", "x"),
    ("momentum", 2.0),
    ("momentum", -0.1),
    ("momentum", NAN),
    ("momentum", "a"),
    ("beta_1", 1.0),
    ("beta_1", -0.1),
    ("beta_1", NAN),
    ("beta_2", 1.0),
    ("beta_2", NAN),
    ("epsilon", 0.0),
    ("epsilon", -1.0),
    ("epsilon", NAN),
    ("epsilon", INF),
    ("power_t", -1.0),
    ("power_t", NAN),
    ("power_t", INF),
    ("verbose", -1),
    ("verbose", 0.5),
    ("verbose", "yes"),
    ("fit_intercept", "yes"),
    ("fit_intercept", 1),
    ("fit_intercept", None),
    ("early_stopping", "yes"),
    ("shuffle", 1),
    ("warm_start", "no"),
    ("nesterovs_momentum", 0),
    ("random_state", "x"),
    ("random_state", -1),
    ("random_state", 1.5),
]
CLASSIFIER_BAD_PARAMS = [
    ("class_weight", "x"),
    ("class_weight", 3),
    ("class_weight", {5: 1.0}),
    ("class_weight", {0: -1.0, 1: 1.0}),
]
REGRESSOR_BAD_PARAMS = [
    ("n_hidden", 0),
    ("n_hidden", -1),
    ("n_hidden", 1.5),
    ("n_hidden", "a"),
    ("n_hidden", None),
    ("n_hidden", True),
]
BAD_PARAM_CASES = [
    (Estimator, name, value)
    for Estimator in ESTIMATORS
    for name, value in COMMON_BAD_PARAMS
    + (REGRESSOR_BAD_PARAMS if Estimator is TinyMLPRegressor else CLASSIFIER_BAD_PARAMS)
]


@pytest.mark.parametrize(
    "Estimator, name, value",
    BAD_PARAM_CASES,
    ids=[f"{E.__name__}-{n}={v!r}" for E, n, v in BAD_PARAM_CASES],
)
def test_bad_hyperparameter_is_refused_by_name_before_any_work(
    Estimator, name, value, forbid_training
):
    X, y = _data(Estimator)
    fresh = Estimator(**{name: value})

    forbid_training()
    with pytest.raises((ValueError, TypeError), match=_names(name)):
        fresh.fit(X, y)
    assert_not_fitted(fresh)


@pytest.mark.parametrize(
    "Estimator, name, value",
    BAD_PARAM_CASES,
    ids=[f"{E.__name__}-{n}={v!r}" for E, n, v in BAD_PARAM_CASES],
)
def test_bad_hyperparameter_leaves_a_fitted_estimator_as_it_was(
    Estimator, name, value, forbid_training
):
    X, y = _data(Estimator)
    estimator = _fitted(Estimator, warm_start=True, **_streaming(Estimator))
    before = fitted_state(estimator)
    forbid_training()

    estimator.set_params(**{name: value})
    with pytest.raises((ValueError, TypeError), match=_names(name)):
        estimator.fit(X, y)

    assert_same_state(before, fitted_state(estimator))


@pytest.mark.parametrize(
    "name, value",
    [("learning_rate", 0), ("learning_rate", NAN), ("momentum", 2.0), ("tol", -1.0)],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_checks_hyperparameters_too(
    Estimator, name, value, forbid_training
):
    X, y = _data(Estimator)
    estimator = _fitted(Estimator, **_streaming(Estimator))
    before = fitted_state(estimator)

    estimator.set_params(**{name: value})
    forbid_training()
    with pytest.raises((ValueError, TypeError), match=_names(name)):
        estimator.partial_fit(X, y)

    assert_same_state(before, fitted_state(estimator))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_hyperparameters_on_the_edge_of_their_range_and_numpy_scalars_are_accepted(
    Estimator,
):
    X, y = _data(Estimator)
    accepted = [
        {"alpha": 0.0, "tol": 0.0, "momentum": 0.0, "beta_1": 0.0, "power_t": 0.0},
        {"momentum": 1.0, "learning_rate": 1e-3},
        {"learning_rate": np.float32(0.1), "max_iter": np.int64(3)},
        {"solver": "sgd", "batch_size": np.int32(4), "fit_intercept": np.bool_(False)},
        {"early_stopping": True, "validation_fraction": 0.5, "n_iter_no_change": 1},
        {"n_iter_no_change": INF, "verbose": False},
    ]
    if Estimator is TinyMLPRegressor:
        accepted.append({"n_hidden": np.int64(1)})
    else:
        accepted.append({"class_weight": {0: 2.0, 1: 0.5}})
    for params in accepted:
        estimator = Estimator(random_state=0, **{"max_iter": 3, **params})
        estimator.fit(X, y)
        check_is_fitted(estimator)


# The backprop functions ---------------------------------------------------------
#
# They are plain numpy: no scikit-learn validation stands in front of a direct
# call. A clear error there is a ValueError (TypeError for a non-numeric dtype)
# whose message names the argument at fault and, for a mismatch, the word
# "shape" with the shapes; a raw numpy broadcasting or matmul error names neither.

N, D, M = 5, 3, 4


def _sigmoid_args():
    rng = np.random.RandomState(0)
    return {"X": rng.randn(N, D), "y": rng.rand(N).round(), "W": rng.randn(D)}


def _mlp_args():
    rng = np.random.RandomState(0)
    return {
        "X": rng.randn(N, D),
        "y": rng.randn(N),
        "W1": rng.randn(D, M),
        "W2": rng.randn(M),
    }


def _call_backprop(function, args, **kwargs):
    if function is tiny_mlp_grad:
        return function(args["X"], args["y"], args["W1"], args["W2"], **kwargs)
    return function(args["X"], args["y"], args["W"], **kwargs)


def _replace(**changes):
    return lambda args: {**args, **changes}


def _edit(name, change):
    return lambda args: {**args, name: change(args[name])}


# name -> (how to spoil the arguments, extra keywords, names any of which the
# message must give, whether it must speak of a shape)
# Cases of every backprop function: weights that are all zero, and bad X or y.
COMMON_BACKPROP_CASES = {
    "sample_weight_all_zero": (
        lambda args: args,
        {"sample_weight": np.zeros(N)},
        ["sample_weight"],
        False,
    ),
    "3d_X": (_edit("X", lambda X: X[:, :, np.newaxis]), {}, ["X"], False),
    "string_X": (_edit("X", lambda X: np.full(X.shape, "a")), {}, ["X"], False),
    "complex_X": (_edit("X", lambda X: X + 1j), {}, ["X"], False),
    "nan_in_X": (_edit("X", lambda X: _with_value(X, NAN)), {}, ["X"], False),
    "inf_in_X": (_edit("X", lambda X: _with_value(X, INF)), {}, ["X"], False),
    "nan_in_y": (
        _edit("y", lambda y: np.where(np.arange(N) == 1, NAN, y)),
        {},
        ["y"],
        False,
    ),
}
LINEAR_BACKPROP_CASES = {
    "W_too_long": (_replace(W=np.zeros(D + 1)), {}, ["W"], True),
    "W_without_intercept_row": (
        _replace(W=np.zeros(D)),
        {"fit_intercept": True},
        ["W"],
        True,
    ),
    "W_2d_but_y_1d": (_replace(W=np.zeros((D, 2))), {}, ["W", "y"], True),
    "y_2d_other_width_than_W": (
        _replace(y=np.eye(N, 3), W=np.zeros((D, 2))),
        {},
        ["W", "y"],
        True,
    ),
    "y_too_short": (_edit("y", lambda y: y[:-1]), {}, ["y"], True),
    "sample_weight_too_short": (
        lambda args: args,
        {"sample_weight": np.ones(N - 1)},
        ["sample_weight"],
        True,
    ),
    "1d_X": (_replace(X=np.ones(N), W=np.zeros(1)), {}, ["X"], False),
    **COMMON_BACKPROP_CASES,
}
MLP_BACKPROP_CASES = {
    "W1_rows_not_n_features": (_replace(W1=np.zeros((D + 1, M))), {}, ["W1"], True),
    "W1_1d": (_replace(W1=np.zeros(D)), {}, ["W1"], True),
    "W2_rows_not_n_hidden": (_replace(W2=np.zeros(M + 1)), {}, ["W2"], True),
    "W1_without_intercept_row": (
        lambda args: args,
        {"fit_intercept": True},
        ["W1", "W2"],
        True,
    ),
    "y_2d_other_width_than_W2": (
        _replace(y=np.zeros((N, 3)), W2=np.zeros((M, 2))),
        {},
        ["W2", "y"],
        True,
    ),
    "y_too_short": (_edit("y", lambda y: y[:-1]), {}, ["y"], True),
    "sample_weight_too_short": (
        lambda args: args,
        {"sample_weight": np.ones(N + 2)},
        ["sample_weight"],
        True,
    ),
    "1d_X": (_replace(X=np.ones(N), W1=np.zeros((1, M))), {}, ["X"], False),
    **COMMON_BACKPROP_CASES,
}
BACKPROP_CASES = [
    (function, _sigmoid_args, case, spec)
    for function in (sigmoid_sse_grad, logistic_ce_grad)
    for case, spec in LINEAR_BACKPROP_CASES.items()
] + [
    (tiny_mlp_grad, _mlp_args, case, spec) for case, spec in MLP_BACKPROP_CASES.items()
]


@pytest.mark.parametrize(
    "function, make_args, case, spec",
    BACKPROP_CASES,
    ids=[f"{f.__name__}-{case}" for f, _, case, _ in BACKPROP_CASES],
)
def test_backprop_functions_refuse_bad_arguments_by_name(
    function, make_args, case, spec
):
    spoil, kwargs, names, speaks_of_shape = spec
    args = spoil(make_args())
    pattern = rf"(?s)^(?=.*(?<!\w)(?:{'|'.join(map(re.escape, names))})(?!\w))"
    if speaks_of_shape:
        pattern += r"(?=.*shape)"

    with pytest.raises((ValueError, TypeError), match=pattern):
        _call_backprop(function, args, **kwargs)


@pytest.mark.parametrize("function", [sigmoid_sse_grad, logistic_ce_grad])
def test_linear_backprop_accepts_every_documented_shape(function):
    rng = np.random.RandomState(0)
    X = rng.randn(N, D)
    for y, W, kwargs in [
        (rng.rand(N).round(), rng.randn(D), {}),
        (rng.rand(N).round(), rng.randn(D + 1), {"fit_intercept": True}),
        (np.eye(3)[rng.randint(3, size=N)], rng.randn(D, 3), {}),
        (
            np.eye(3)[rng.randint(3, size=N)],
            rng.randn(D + 1, 3),
            {"fit_intercept": True},
        ),
    ]:
        loss, grad = function(X, y, W, sample_weight=rng.rand(N) + 0.1, **kwargs)
        assert np.isfinite(loss)
        assert grad.shape == W.shape


def test_mlp_backprop_accepts_every_documented_shape():
    rng = np.random.RandomState(0)
    X = rng.randn(N, D)
    for y, W2_shape, kwargs, extra in [
        (rng.randn(N), (M,), {}, 0),
        (rng.randn(N), (M,), {"fit_intercept": True}, 1),
        (rng.randn(N, 2), (M, 2), {}, 0),
        (rng.randn(N, 2), (M, 2), {"fit_intercept": True}, 1),
    ]:
        W1 = rng.randn(D + extra, M)
        W2 = rng.randn(W2_shape[0] + extra, *W2_shape[1:])
        loss, (g1, g2) = tiny_mlp_grad(X, y, W1, W2, **kwargs)
        assert np.isfinite(loss)
        assert g1.shape == W1.shape and g2.shape == W2.shape


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("name", ["learning_rate", "alpha"])
def test_a_string_other_than_auto_is_refused_with_auto_named_as_accepted(
    Estimator, name
):
    # The issue's case: learning_rate="big" said only "must be an instance of
    # float, not str". scikit-learn's message lists every accepted value.
    X, y = _data(Estimator)
    with pytest.raises(TypeError, match=_names(name, "float", "'auto'", "'big'")):
        Estimator(**{name: "big"}).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "solver, params",
    [
        ("lbfgs", {"learning_rate_schedule": "invscaling"}),
        ("adam", {"learning_rate_schedule": "adaptive"}),
        ("lbfgs", {"momentum": 0.5}),
        ("gd", {"beta_1": 0.5}),
        ("gd", {"batch_size": 32}),
        ("sgd", {"power_t": 0.25}),
    ],
)
def test_a_parameter_the_solver_ignores_warns_once_naming_the_solvers_that_use_it(
    Estimator, solver, params
):
    X, y = _data(Estimator)
    ((name, value),) = params.items()
    model = Estimator(solver=solver, max_iter=5, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    ignored = [
        w
        for w in caught
        if issubclass(w.category, UserWarning) and "ignores" in str(w.message)
    ]
    assert len(ignored) == 1
    assert f"solver={solver!r} ignores {name}={value!r} (used by" in str(
        ignored[0].message
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_parameters_the_solver_uses_or_left_at_their_defaults_do_not_warn(Estimator):
    X, y = _data(Estimator)
    models = [
        Estimator(max_iter=5),
        Estimator(
            solver="sgd",
            learning_rate_schedule="invscaling",
            power_t=0.25,
            momentum=0.5,
            batch_size=32,
            max_iter=5,
        ),
        Estimator(solver="adam", beta_1=0.5, shuffle=False, max_iter=5),
        Estimator(solver="lbfgs", momentum="auto", epsilon=1e-08, max_iter=5),
    ]
    for model in models:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y)
        assert not [w for w in caught if "ignores" in str(w.message)], model
