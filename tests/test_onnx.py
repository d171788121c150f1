"""ONNX export: skl2onnx converts the estimators, onnxruntime runs them."""

import numpy as np
import onnxruntime as ort
import pytest
import skl2onnx
from conftest import CLASSIFIERS
from sklearn.datasets import make_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbackprop.onnx  # noqa: E402, F401  (registers the converters)
from skbackprop import TinyMLPRegressor


def run_onnx(onx, X):
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def classification_data(n_classes, string_labels):
    X, y = make_classification(
        n_samples=150,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=0,
    )
    if string_labels:
        y = np.array(["ant", "bee", "cat"])[y]
    return X.astype(np.float32), y


def probabilities(outputs, zipmap, classes):
    """The probability matrix out of the ONNX outputs, whatever the zipmap."""
    if zipmap is False:
        return outputs[1]
    if zipmap == "columns":
        return np.column_stack(outputs[1:])
    return np.array([[row[label] for label in classes] for row in outputs[1]])


@pytest.mark.parametrize("zipmap", [True, False, "columns"])
@pytest.mark.parametrize("string_labels", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_classifier_pipeline_in_onnxruntime_matches_the_estimator(
    Classifier, n_classes, string_labels, zipmap
):
    X, y = classification_data(n_classes, string_labels)
    clf = Classifier()
    model = make_pipeline(StandardScaler(), clf).fit(X, y)
    options = None if zipmap is True else {id(clf): {"zipmap": zipmap}}

    outputs = run_onnx(skl2onnx.to_onnx(model, X[:1], options=options), X)

    np.testing.assert_array_equal(outputs[0], model.predict(X))
    proba = probabilities(outputs, zipmap, model.classes_)
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_nocl_option_labels_rows_with_the_index_into_classes(Classifier):
    X, y = classification_data(3, string_labels=True)
    clf = Classifier().fit(X, y)
    options = {id(clf): {"zipmap": False, "nocl": True}}

    labels, _ = run_onnx(skl2onnx.to_onnx(clf, X[:1], options=options), X)

    np.testing.assert_array_equal(clf.classes_[labels], clf.predict(X))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_float64_input_gives_a_float64_graph(Classifier, n_classes):
    X, y = classification_data(n_classes, string_labels=False)
    X = X.astype(np.float64)
    clf = Classifier().fit(X, y)
    options = {id(clf): {"zipmap": False}}

    labels, proba = run_onnx(skl2onnx.to_onnx(clf, X[:1], options=options), X)

    assert proba.dtype == np.float64
    np.testing.assert_array_equal(labels, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_extreme_scores_give_finite_probabilities(Classifier):
    # Scores of several hundred: every per-class sigmoid rounds to 0 or 1 in
    # float32, which a plain sigmoid-then-normalise would turn into 0 / 0.
    X, y = classification_data(3, string_labels=False)
    clf = Classifier().fit(X, y)
    X_far = 1e3 * X
    options = {id(clf): {"zipmap": False}}

    labels, proba = run_onnx(skl2onnx.to_onnx(clf, X[:1], options=options), X_far)

    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(proba, clf.predict_proba(X_far), atol=1e-4)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regressor_pipeline_in_onnxruntime_matches_the_estimator(n_outputs):
    X, y = make_regression(
        n_samples=150, n_features=5, n_targets=n_outputs, noise=1.0, random_state=0
    )
    X = X.astype(np.float32)
    # Targets far from 0 and 1: the target scaling folded into W2 and b2 counts.
    y = 50.0 + 10.0 * y / y.std()
    model = make_pipeline(StandardScaler(), TinyMLPRegressor(random_state=0))
    model.fit(X, y)

    (y_onnx,) = run_onnx(skl2onnx.to_onnx(model, X[:1]), X)

    # skl2onnx's convention: a regressor's output is 2-D, (n_samples, 1) for 1-D y.
    assert y_onnx.shape == (X.shape[0], n_outputs)
    np.testing.assert_allclose(
        y_onnx, model.predict(X).reshape(X.shape[0], -1), rtol=1e-4
    )


def test_regressor_without_intercepts_exports():
    X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    X = X.astype(np.float32)
    reg = TinyMLPRegressor(fit_intercept=False, random_state=0).fit(X, y)

    (y_onnx,) = run_onnx(skl2onnx.to_onnx(reg, X[:1]), X)

    np.testing.assert_allclose(y_onnx.ravel(), reg.predict(X), rtol=1e-4, atol=1e-3)
