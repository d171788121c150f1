"""ONNX export: skl2onnx converts the estimators, onnxruntime runs them."""

import importlib
import subprocess
import sys
import textwrap

import numpy as np
import onnxruntime as ort
import pytest
import skl2onnx
from conftest import CLASSIFIERS, classification, ignore_convergence
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
    X, y = classification(150, n_classes)
    if string_labels:
        y = np.array(["ant", "bee", "cat"])[y]
    return X.astype(np.float32), y


def assert_same_labels(labels, model, X):
    """onnxruntime's labels are the model's, on every row not within rounding of a tie.

    onnxruntime computes in X's dtype and may sum in another order than
    numpy's BLAS: a row whose best two scores lie within a thousand roundings
    of each other may go either way, on one machine or another.
    """
    scores = model.decision_function(X)
    if scores.ndim == 1:
        margin = np.abs(scores)
    else:
        top_two = np.sort(scores, axis=1)[:, -2:]
        margin = top_two[:, 1] - top_two[:, 0]
    clear = margin > 1000 * np.finfo(X.dtype).eps * max(1.0, np.abs(scores).max())
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(np.asarray(labels)[clear], model.predict(X)[clear])


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

    assert_same_labels(outputs[0], model, X)
    proba = probabilities(outputs, zipmap, model.classes_)
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_nocl_option_labels_rows_with_the_index_into_classes(Classifier):
    X, y = classification_data(3, string_labels=True)
    clf = Classifier().fit(X, y)
    options = {id(clf): {"zipmap": False, "nocl": True}}

    labels, _ = run_onnx(skl2onnx.to_onnx(clf, X[:1], options=options), X)

    assert_same_labels(clf.classes_[labels], clf, X)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_float64_input_gives_a_float64_graph(Classifier, n_classes):
    X, y = classification_data(n_classes, string_labels=False)
    X = X.astype(np.float64)
    clf = Classifier().fit(X, y)
    options = {id(clf): {"zipmap": False}}

    labels, proba = run_onnx(skl2onnx.to_onnx(clf, X[:1], options=options), X)

    assert proba.dtype == np.float64
    assert_same_labels(labels, clf, X)
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


# A fresh interpreter: this module has imported skbackprop.onnx, and its
# registrations last for the rest of the session.
CONVERT_BEFORE_IMPORT = textwrap.dedent(
    """
    import numpy as np
    from skl2onnx import convert_sklearn, to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skbackprop

    X = np.random.RandomState(0).normal(size=(40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    for name in ["SigmoidSSEClassifier", "LogisticCEClassifier", "TinyMLPRegressor"]:
        model = getattr(skbackprop, name)().fit(X, y)
        for how, convert in [
            ("to_onnx", lambda m: to_onnx(m, X[:1])),
            (
                "convert_sklearn in a pipeline",
                lambda m: convert_sklearn(
                    make_pipeline(StandardScaler(), m).fit(X, y),
                    initial_types=[("X", FloatTensorType([None, 3]))],
                ),
            ),
        ]:
            try:
                convert(model)
            except Exception as e:
                print(name, how, type(e).__name__, " ".join(str(e).split()), sep="|")
    """
)


def test_converting_before_import_skbackprop_onnx_says_to_import_it():
    # Where skl2onnx would say MissingShapeCalculator and ask for an issue on
    # sklearn-onnx, the error names the missing import.
    result = subprocess.run(
        [sys.executable, "-c", CONVERT_BEFORE_IMPORT],
        capture_output=True,
        text=True,
        check=True,
    )

    lines = result.stdout.splitlines()
    assert len(lines) == 6, result.stdout
    for line in lines:
        name, how, error, message = line.split("|")
        assert error == "RuntimeError", line
        assert f"skl2onnx has no converter for {name}" in message, line
        assert "`import skbackprop.onnx`" in message, line
        assert "sklearn-onnx/issues" not in message, line


@pytest.mark.parametrize("missing", ["onnx", "skl2onnx"])
def test_import_without_the_onnx_extra_names_the_pip_install_as_displays_do(
    monkeypatch, missing
):
    # As scikit-learn's displays (and LossCurveDisplay) say how to install
    # matplotlib, rather than a bare ModuleNotFoundError.
    monkeypatch.setitem(sys.modules, missing, None)
    monkeypatch.delitem(sys.modules, "skbackprop.onnx")

    with pytest.raises(ImportError) as excinfo:
        importlib.import_module("skbackprop.onnx")

    message = str(excinfo.value)
    assert message.startswith("skbackprop.onnx requires skl2onnx and onnx")
    # skbackprop is not on the package index: the install is from a clone.
    assert 'pip install -e ".[onnx]"' in message
    assert "skbackprop[onnx]" not in message
    assert isinstance(excinfo.value.__cause__, ModuleNotFoundError)


@pytest.mark.parametrize("release", ["1.9 on", "before 1.9"])
def test_a_model_off_numpy_is_told_how_to_reach_it_on_its_release(release, monkeypatch):
    """Only scikit-learn 1.9 has move_estimator_to: before, fit on numpy."""
    if release == "before 1.9":
        monkeypatch.setattr(skbackprop.onnx, "move_estimator_to", None)
    else:
        monkeypatch.setattr(skbackprop.onnx, "move_estimator_to", lambda *a: None)

    class Tensor:  # the weights of a model fitted on another namespace
        pass

    with pytest.raises(TypeError, match="ONNX export takes numpy weights") as excinfo:
        skbackprop.onnx._check_fitted_on_numpy(TinyMLPRegressor(), Tensor())
    message = str(excinfo.value)
    if release == "before 1.9":
        assert message.endswith(
            "Fit it on numpy arrays (scikit-learn 1.9 or newer can move a fitted "
            "model there: sklearn.utils._array_api.move_estimator_to)."
        )
    else:
        assert "model = move_estimator_to(model, numpy, 'cpu')" in message


@ignore_convergence
@pytest.mark.parametrize("Estimator", [*CLASSIFIERS, TinyMLPRegressor])
def test_a_model_fitted_on_tensors_is_refused_until_moved_to_numpy(Estimator):
    torch = pytest.importorskip("torch")
    from sklearn import config_context
    from sklearn.utils._array_api import move_estimator_to

    X, y = make_classification(40, 3, n_informative=2, n_redundant=0, random_state=0)
    X = X.astype(np.float32)
    with config_context(array_api_dispatch=True):
        model = Estimator(max_iter=20).fit(torch.asarray(X), torch.asarray(y))
    with pytest.raises(TypeError, match="fitted on torch arrays"):
        skl2onnx.to_onnx(model, X[:1])
    moved = move_estimator_to(model, np, "cpu")
    session = ort.InferenceSession(skl2onnx.to_onnx(moved, X[:1]).SerializeToString())
    output = session.run(None, {session.get_inputs()[0].name: X})[0]
    np.testing.assert_allclose(np.ravel(output), moved.predict(X), rtol=1e-4, atol=1e-4)
