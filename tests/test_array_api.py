"""Array-API inputs: the backprop functions compute where their arrays live.

torch on the CPU, in float64, must give numpy's losses and gradients to 1e-12,
and array-api-strict (which allows nothing but the standard) must run them at
all. Both are in the test extra; a GPU is never needed here.
"""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad

torch = pytest.importorskip("torch")
array_api_strict = pytest.importorskip("array_api_strict")

GRADIENT_TOL = 1e-12
N_SAMPLES, N_FEATURES, N_HIDDEN, N_CLASSES = 40, 4, 5, 3


def _problems(rng, fit_intercept):
    """(function, X, y, *weights) for every model and target shape."""
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    rows = N_FEATURES + fit_intercept
    y01 = rng.integers(0, 2, N_SAMPLES).astype(float)
    onehot = np.eye(N_CLASSES)[rng.integers(0, N_CLASSES, N_SAMPLES)]
    return [
        (sigmoid_sse_grad, X, y01, rng.normal(size=rows)),
        (sigmoid_sse_grad, X, onehot, rng.normal(size=(rows, N_CLASSES))),
        (logistic_ce_grad, X, y01, rng.normal(size=rows)),
        (logistic_ce_grad, X, onehot, rng.normal(size=(rows, N_CLASSES))),
        (
            tiny_mlp_grad,
            X,
            rng.normal(size=N_SAMPLES),
            rng.normal(size=(rows, N_HIDDEN)),
            rng.normal(size=N_HIDDEN + fit_intercept),
        ),
        (
            tiny_mlp_grad,
            X,
            rng.normal(size=(N_SAMPLES, 2)),
            rng.normal(size=(rows, N_HIDDEN)),
            rng.normal(size=(N_HIDDEN + fit_intercept, 2)),
        ),
    ]


def _as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_torch_cpu_gradients_equal_numpys(fit_intercept, weighted, alpha):
    rng = np.random.default_rng(0)
    sample_weight = rng.uniform(0.1, 2.0, N_SAMPLES) if weighted else None
    for func, *arrays in _problems(rng, fit_intercept):
        kwargs = dict(fit_intercept=fit_intercept, alpha=alpha)
        loss, grads = func(*arrays, sample_weight=sample_weight, **kwargs)
        tensors = [torch.asarray(a) for a in arrays]
        weight = None if sample_weight is None else torch.asarray(sample_weight)
        t_loss, t_grads = func(*tensors, sample_weight=weight, **kwargs)
        assert isinstance(t_loss, float)
        assert_allclose(t_loss, loss, rtol=GRADIENT_TOL, atol=GRADIENT_TOL)
        for t_grad, grad in zip(_as_tuple(t_grads), _as_tuple(grads)):
            assert isinstance(t_grad, torch.Tensor)
            assert t_grad.dtype == torch.float64
            assert tuple(t_grad.shape) == grad.shape
            assert_allclose(t_grad.numpy(), grad, rtol=GRADIENT_TOL, atol=GRADIENT_TOL)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_array_api_strict_gradients_equal_numpys(fit_intercept):
    xp = array_api_strict
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.1, 2.0, N_SAMPLES)
    for func, *arrays in _problems(rng, fit_intercept):
        kwargs = dict(fit_intercept=fit_intercept, alpha=0.3)
        loss, grads = func(*arrays, sample_weight=sample_weight, **kwargs)
        strict = [xp.asarray(a) for a in arrays]
        s_loss, s_grads = func(
            *strict, sample_weight=xp.asarray(sample_weight), **kwargs
        )
        assert_allclose(s_loss, loss, rtol=GRADIENT_TOL, atol=GRADIENT_TOL)
        for s_grad, grad in zip(_as_tuple(s_grads), _as_tuple(grads)):
            assert isinstance(s_grad, type(strict[0]))
            assert_allclose(
                np.asarray(s_grad), grad, rtol=GRADIENT_TOL, atol=GRADIENT_TOL
            )


def test_float32_tensors_compute_in_float32():
    rng = np.random.default_rng(2)
    X = torch.asarray(rng.normal(size=(10, 3)), dtype=torch.float32)
    y = torch.asarray(rng.integers(0, 2, 10), dtype=torch.float32)
    W = torch.zeros(4, dtype=torch.float32)
    _, grad = logistic_ce_grad(X, y, W, fit_intercept=True)
    assert grad.dtype == torch.float32


def test_checks_run_on_tensors_with_clear_errors():
    X = torch.asarray([[1.0, float("nan")]], dtype=torch.float64)
    with pytest.raises(ValueError, match="X contains NaN"):
        sigmoid_sse_grad(X, torch.asarray([1.0], dtype=torch.float64), torch.zeros(2))
    X = torch.ones((2, 2), dtype=torch.float64)
    with pytest.raises(ValueError, match="W must have 2 rows"):
        sigmoid_sse_grad(X, torch.ones(2, dtype=torch.float64), torch.zeros(3))


def test_numpy_users_never_import_array_api_compat():
    code = (
        "import sys, numpy as np\n"
        "from skbackprop import LogisticCEClassifier\n"
        "X = np.random.default_rng(0).normal(size=(30, 2))\n"
        "LogisticCEClassifier().fit(X, X[:, 0] > 0).predict(X)\n"
        "assert 'array_api_compat' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
