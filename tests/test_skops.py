"""skops persistence: an exact round trip that trusts only skbackprop's types."""

import numpy as np
import pytest
import skops.io as sio
from conftest import assert_same_state, ignore_convergence
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
)

HISTORY = "skbackprop._training.TrainingHistory"
CLASS_ENCODER = "skbackprop._targets.ClassEncoder"
TARGET_SCALER = "skbackprop._targets.TargetScaler"
SGD = "skbackprop._optim.SGDOptimizer"
GD = "skbackprop._optim.MonotoneGDOptimizer"
ADAM = "skbackprop._optim.AdamOptimizer"

CASES = [
    (
        SigmoidSSEClassifier(solver="gd"),
        2,
        {"skbackprop._linear.SigmoidSSEClassifier", GD},
    ),
    (
        SigmoidSSEClassifier(solver="adam", early_stopping=True, random_state=0),
        3,
        {"skbackprop._linear.SigmoidSSEClassifier", ADAM},
    ),
    (
        LogisticCEClassifier(solver="sgd", class_weight="balanced", random_state=0),
        3,
        {"skbackprop._linear.LogisticCEClassifier", SGD},
    ),
    # L-BFGS keeps no optimizer state.
    (
        LogisticCEClassifier(solver="lbfgs"),
        2,
        {"skbackprop._linear.LogisticCEClassifier"},
    ),
    (
        TinyMLPRegressor(random_state=0),
        None,
        {"skbackprop._mlp.TinyMLPRegressor"},
    ),
    (
        TinyMLPRegressor(solver="adam", random_state=0),
        None,
        {"skbackprop._mlp.TinyMLPRegressor", ADAM},
    ),
    (
        TinyMLPRegressor(solver="sgd", early_stopping=True, random_state=0),
        None,
        {"skbackprop._mlp.TinyMLPRegressor", SGD},
    ),
]
IDS = [f"{type(est).__name__}-{est.solver}" for est, _, _ in CASES]


def fit(estimator, n_classes, *, dtype=np.float64):
    if n_classes is None:
        X, y = make_regression(n_samples=120, n_features=5, noise=1, random_state=0)
    else:
        X, y = make_classification(
            n_samples=120, n_features=5, n_classes=n_classes, n_informative=3,
            random_state=0,
        )  # fmt: skip
    X = X.astype(dtype)
    return clone(estimator).fit(X, y), X, y


@pytest.mark.parametrize("estimator, n_classes, types", CASES, ids=IDS)
def test_dump_and_load_round_trip_exactly(estimator, n_classes, types, tmp_path):
    estimator, X, _ = fit(estimator, n_classes)
    path = tmp_path / "model.skops"
    sio.dump(estimator, path)

    untrusted = sio.get_untrusted_types(file=path)
    loaded = sio.load(path, trusted=untrusted)

    encoder = CLASS_ENCODER if n_classes is not None else TARGET_SCALER
    assert set(untrusted) == types | {HISTORY, encoder}
    assert_same_state(vars(loaded), vars(estimator))
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    if n_classes is not None:
        np.testing.assert_array_equal(
            loaded.predict_proba(X), estimator.predict_proba(X)
        )


def test_only_skbackprop_types_are_untrusted_in_a_float32_pipeline():
    pipeline = make_pipeline(StandardScaler(), LogisticCEClassifier(solver="adam"))
    pipeline, X, _ = fit(pipeline, 3, dtype=np.float32)
    data = sio.dumps(pipeline)

    untrusted = sio.get_untrusted_types(data=data)
    loaded = sio.loads(data, trusted=untrusted)

    assert all(name.startswith("skbackprop.") for name in untrusted)
    assert loaded[-1].coef_.dtype == np.float32
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_load_refuses_untrusted_types_unless_named():
    estimator, _, _ = fit(LogisticCEClassifier(), 2)
    data = sio.dumps(estimator)

    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(data)


@ignore_convergence
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_loaded_model_continues_training_as_the_original(solver):
    # The optimizer state (velocities, Adam's moments) and the history travel
    # too, so warm starts and partial_fit go on exactly as they would have.
    estimator = TinyMLPRegressor(
        solver=solver, warm_start=True, max_iter=5, random_state=0
    )
    estimator, X, y = fit(estimator, None)
    data = sio.dumps(estimator)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))

    estimator.partial_fit(X, y).fit(X, y)
    loaded.partial_fit(X, y).fit(X, y)

    assert_same_state(vars(loaded), vars(estimator))
