"""The estimators on array-API inputs: they fit and predict where X lives.

With ``array_api_dispatch`` on, a float64 fit on torch tensors on the CPU must
give the numpy fit's fitted attributes and predictions to 1e-10 (relative to
the largest entry of each array), for every estimator and every solver;
scikit-learn's own array-API checks (tests/test_common.py) check namespaces,
devices, shapes and dtypes. A GPU is never needed here.
"""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import ESTIMATORS, ONE_EPOCH_APART, SOLVERS, same_epochs
from sklearn import config_context
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier, TinyMLPRegressor
from skbackprop._linear import _accuracy
from skbackprop._lr_range import lr_range_test
from skbackprop._mlp import _r2

torch = pytest.importorskip("torch")
array_api_strict = pytest.importorskip("array_api_strict")

FIT_TOL = 1e-10
FITTED_ARRAYS = ("coef_", "intercept_", "coefs_", "intercepts_")


def _data(Estimator, n_classes=3, seed=0):
    if Estimator is TinyMLPRegressor:
        X, y = make_regression(80, 5, n_targets=1, noise=5.0, random_state=seed)
        return X, y
    X, y = make_classification(
        120, 5, n_informative=4, n_redundant=0, n_classes=n_classes, random_state=seed
    )
    return X, y


def _estimator(Estimator, solver, **params):
    params.setdefault("max_iter", 60)
    if Estimator is TinyMLPRegressor:
        params = {"n_hidden": 5, "alpha": 1e-2, **params}
    return Estimator(solver=solver, random_state=0, **params)


def _fit_both(estimator, X, y, **fit_params):
    """The same estimator fitted on numpy arrays, and on torch tensors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        on_numpy = estimator.__class__(**estimator.get_params()).fit(X, y, **fit_params)
        tensors = {k: _tensor(v) for k, v in fit_params.items()}
        with config_context(array_api_dispatch=True):
            on_torch = estimator.fit(_tensor(X), _tensor(y), **tensors)
    return on_numpy, on_torch


def _tensor(array):
    return None if array is None else torch.asarray(array)


def _assert_same(numpy_value, torch_value, name, tol=FIT_TOL):
    """Equal to ``tol`` relative to the largest entry (1 at least)."""
    assert isinstance(torch_value, torch.Tensor), name
    torch_value = torch_value.numpy()
    assert torch_value.shape == numpy_value.shape, name
    assert torch_value.dtype == numpy_value.dtype, name
    scale = max(1.0, float(np.max(np.abs(numpy_value), initial=0.0)))
    error = float(np.max(np.abs(torch_value - numpy_value), initial=0.0))
    assert error <= tol * scale, f"{name}: {error:.3g} apart"


def _assert_same_fit(on_numpy, on_torch, X):
    # torch's products round differently from numpy's in the last bit.
    tol = FIT_TOL if same_epochs(on_torch, on_numpy, FIT_TOL) else ONE_EPOCH_APART
    for name in FITTED_ARRAYS:
        if not hasattr(on_numpy, name):
            continue
        ours, theirs = getattr(on_numpy, name), getattr(on_torch, name)
        if isinstance(ours, list):
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
                _assert_same(a, b, f"{name}[{i}]", tol)
        else:
            _assert_same(ours, theirs, name, tol)
    assert on_torch.t_ // on_torch.n_iter_ == on_numpy.t_ // on_numpy.n_iter_
    assert all(type(loss) is float for loss in on_torch.loss_curve_)
    methods = ["predict", "decision_function", "predict_proba", "predict_log_proba"]
    with config_context(array_api_dispatch=True):
        X_torch = _tensor(X)
        for method in methods:
            if hasattr(on_numpy, method):
                _assert_same(
                    getattr(on_numpy, method)(X),
                    getattr(on_torch, method)(X_torch),
                    method,
                    tol,
                )


def _assert_same_scores(on_numpy, on_torch):
    """The held-out scores agree over the epochs both ran (see same_epochs)."""
    n = min(len(on_numpy.validation_scores_), len(on_torch.validation_scores_))
    np.testing.assert_allclose(
        on_torch.validation_scores_[:n], on_numpy.validation_scores_[:n], rtol=FIT_TOL
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_torch_cpu_fit_equals_numpy_fit(Estimator, solver):
    X, y = _data(Estimator)
    on_numpy, on_torch = _fit_both(_estimator(Estimator, solver), X, y)
    _assert_same_fit(on_numpy, on_torch, X)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", [SigmoidSSEClassifier, LogisticCEClassifier])
def test_torch_cpu_binary_fit_with_weights_equals_numpy_fit(Estimator, solver):
    X, y = _data(Estimator, n_classes=2)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    estimator = _estimator(Estimator, solver, class_weight="balanced")
    on_numpy, on_torch = _fit_both(estimator, X, y, sample_weight=weights)
    _assert_same_fit(on_numpy, on_torch, X)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_torch_cpu_early_stopping_and_shuffles_equal_numpys(Estimator, solver):
    # numpy's random state draws the split and the shuffles for both fits.
    X, y = _data(Estimator)
    estimator = _estimator(
        Estimator, solver, early_stopping=True, batch_size=16, n_iter_no_change=5
    )
    on_numpy, on_torch = _fit_both(estimator, X, y)
    _assert_same_fit(on_numpy, on_torch, X)
    _assert_same_scores(on_numpy, on_torch)


def test_torch_cpu_fit_at_the_networks_defaults_equals_numpys():
    # solver="lbfgs", alpha="auto", early_stopping="auto": 20 rows held out
    # choose alpha_ along the path, then stop the fit. max_iter is cut short:
    # rounding, which differs between torch's and numpy's products by an ulp,
    # grows along a long L-BFGS fit of a network past FIT_TOL.
    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    on_numpy, on_torch = _fit_both(TinyMLPRegressor(max_iter=30, random_state=0), X, y)
    assert on_numpy.validation_scores_ is not None
    assert on_torch.alpha_ == on_numpy.alpha_
    _assert_same_fit(on_numpy, on_torch, X)
    _assert_same_scores(on_numpy, on_torch)


@pytest.mark.parametrize("Estimator", [SigmoidSSEClassifier, LogisticCEClassifier])
def test_torch_cpu_alpha_auto_chooses_as_numpys(Estimator):
    X, y = make_classification(
        200, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=0
    )
    estimator = _estimator(Estimator, "lbfgs", alpha="auto", early_stopping=False)
    on_numpy, on_torch = _fit_both(estimator, X, y)
    assert type(on_torch.alpha_) is float
    assert on_torch.alpha_ == on_numpy.alpha_
    _assert_same_fit(on_numpy, on_torch, X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_torch_cpu_partial_fit_and_warm_start_continue_as_numpys(Estimator):
    X, y = _data(Estimator)
    classes = {} if Estimator is TinyMLPRegressor else {"classes": np.unique(y)}
    torch_classes = {k: torch.asarray(v) for k, v in classes.items()}
    numpy_fit = _estimator(Estimator, "adam", warm_start=True, max_iter=5)
    torch_fit = _estimator(Estimator, "adam", warm_start=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(2):
            numpy_fit.partial_fit(X, y, **classes)
            numpy_fit.fit(X, y)
            with config_context(array_api_dispatch=True):
                torch_fit.partial_fit(_tensor(X), _tensor(y), **torch_classes)
                torch_fit.fit(_tensor(X), _tensor(y))
    _assert_same_fit(numpy_fit, torch_fit, X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_float32_tensors_fit_in_float32(Estimator):
    X, y = _data(Estimator)
    X = torch.asarray(X, dtype=torch.float32)
    with config_context(array_api_dispatch=True):
        model = _estimator(Estimator, "lbfgs").fit(X, _tensor(y))
        prediction = model.predict(X)
    arrays = [getattr(model, name) for name in FITTED_ARRAYS if hasattr(model, name)]
    for array in arrays:
        for part in array if isinstance(array, list) else [array]:
            assert part.dtype == torch.float32
    if Estimator is TinyMLPRegressor:
        assert prediction.dtype == torch.float32


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("namespace", ["torch", "array_api_strict"])
def test_early_stopping_scores_compute_where_the_rows_live_as_numpys(
    namespace, weighted
):
    rng = np.random.default_rng(0)
    y = np.column_stack([rng.normal(size=60), np.full(60, 2.0)])
    y_pred = y + np.column_stack([rng.normal(scale=0.5, size=60), np.zeros(60)])
    scores = rng.normal(size=(60, 3))
    onehot = np.eye(3)[rng.integers(0, 3, 60)]
    weights = rng.uniform(0, 2, 60) if weighted else None
    xp = {"torch": torch, "array_api_strict": array_api_strict}[namespace]
    there = [None if a is None else xp.asarray(a) for a in (y, y_pred, weights)]
    assert _r2(*there) == pytest.approx(_r2(y, y_pred, weights), rel=FIT_TOL)
    for s, t in ((scores, onehot), (scores[:, 0], onehot[:, 0])):
        assert _accuracy(xp.asarray(s), xp.asarray(t), there[2]) == pytest.approx(
            _accuracy(s, t, weights), rel=FIT_TOL
        )


def test_classes_follow_the_labels_namespace():
    X, y = _data(LogisticCEClassifier)
    with config_context(array_api_dispatch=True):
        on_tensors = LogisticCEClassifier().fit(_tensor(X), _tensor(y))
        numpy_labels = LogisticCEClassifier().fit(_tensor(X), y.astype(str))
        prediction = numpy_labels.predict(_tensor(X))
    assert isinstance(on_tensors.classes_, torch.Tensor)
    assert isinstance(numpy_labels.classes_, np.ndarray)
    assert prediction.dtype.kind == "U"  # strings stay numpy's


def test_predict_or_warm_start_on_another_namespace_than_fit_raises():
    X, y = _data(TinyMLPRegressor)
    with config_context(array_api_dispatch=True):
        model = TinyMLPRegressor(solver="lbfgs").fit(_tensor(X), _tensor(y))
        with pytest.raises(ValueError, match=r"TinyMLPRegressor.predict\(\)"):
            model.predict(X)
        with pytest.raises(ValueError, match=r"TinyMLPRegressor.fit\(\)"):
            model.set_params(warm_start=True).fit(X, y)


def test_sparse_input_takes_numpys_path_with_dispatch_on():
    X, y = _data(LogisticCEClassifier)
    with config_context(array_api_dispatch=True):
        model = LogisticCEClassifier().fit(sp.csr_matrix(X), y)
    assert isinstance(model.coef_, np.ndarray)


def test_divergence_on_tensors_names_the_learning_rate():
    X, y = _data(TinyMLPRegressor)
    model = TinyMLPRegressor(solver="sgd", learning_rate=1e6, momentum=0.0)
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="learning_rate=1e\\+06"):
            model.fit(_tensor(X * 1e3), _tensor(y))
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_array_api_strict_fit_predicts_in_its_namespace(solver):
    X, y = _data(LogisticCEClassifier)
    xp = array_api_strict
    with config_context(array_api_dispatch=True):
        model = LogisticCEClassifier(solver=solver, early_stopping=True)
        model.fit(xp.asarray(X), xp.asarray(y))
        proba = model.predict_proba(xp.asarray(X))
    assert isinstance(model.coef_, type(xp.asarray(X)))
    assert isinstance(proba, type(xp.asarray(X)))


def test_array_api_strict_fit_at_the_networks_defaults_stays_in_its_namespace():
    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    xp = array_api_strict
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = TinyMLPRegressor(max_iter=20, random_state=0)
        model.fit(xp.asarray(X), xp.asarray(y))
        prediction = model.predict(xp.asarray(X))
    assert type(model.alpha_) is float
    assert all(isinstance(W, type(xp.asarray(X))) for W in model.coefs_)
    assert isinstance(prediction, type(xp.asarray(X)))


def test_lr_range_test_refuses_tensors_clearly():
    X, y = _data(LogisticCEClassifier)
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="lr_range_test takes numpy arrays"):
            lr_range_test(LogisticCEClassifier(), _tensor(X), _tensor(y))


def test_numpy_fit_with_dispatch_on_never_imports_array_api_compat():
    code = (
        "import os; os.environ['SCIPY_ARRAY_API'] = '1'\n"
        "import sys, numpy as np, sklearn\n"
        "from skbackprop import TinyMLPRegressor\n"
        "X = np.random.default_rng(0).normal(size=(30, 2))\n"
        "with sklearn.config_context(array_api_dispatch=True):\n"
        "    TinyMLPRegressor(max_iter=3).fit(X, X[:, 0]).predict(X)\n"
        "assert 'array_api_compat' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)


def test_gpu_benchmark_runs_on_the_cpu_as_a_smoke_test():
    script = Path(__file__).parents[1] / "benchmarks" / "gpu.py"
    result = subprocess.run(
        [sys.executable, str(script), "--device", "cpu", "--quick"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert result.stdout.count("lbfgs fit") == 4
    assert result.stdout.count("gd epoch") == 2
