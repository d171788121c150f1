"""Specification of skbackprop.gradcheck: central finite differences as a judge.

Most cases use small functions whose gradients are known in closed form, so that
what is tested is the checker itself and not skbackprop.backprop.
"""

import numpy as np
import pytest

from skbackprop.backprop import sigmoid_sse_grad, tiny_mlp_grad
from skbackprop.gradcheck import gradcheck


def _least_squares(X, y, W):
    """Mean of (xW - y)^2 / 2 and its gradient X^T (XW - y) / n."""
    r = X @ W - y
    return 0.5 * float(np.mean(r**2)), X.T @ r / X.shape[0]


def _two_quadratics(X, y, A, B):
    """sum(A^2) / 2 + sum(B^2) / 2 with gradients (A, B); X and y are unused."""
    return 0.5 * float(np.sum(A**2) + np.sum(B**2)), (A.copy(), B.copy())


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=6).astype(np.float64)
    W = 0.5 * rng.normal(size=3)
    return X, y, W


def test_gradcheck_is_near_zero_for_a_correct_gradient(problem):
    X, y, W = problem
    assert gradcheck(_least_squares, X, y, W) < 1e-8


def test_gradcheck_returns_a_python_float(problem):
    X, y, W = problem
    assert type(gradcheck(_least_squares, X, y, W)) is float


def test_gradcheck_gives_2_for_the_seeds_eq30_without_its_minus_sign(problem):
    # The seed's eqs. (26)-(30) drop the minus sign of d(y - y_hat)/d y_hat, so its
    # gradient is exactly -g: ||-g - g|| / ||g|| = 2, far above any tolerance.
    def seed_eq30_as_printed(X, y, W):
        loss, grad = sigmoid_sse_grad(X, y, W)
        return loss, -grad

    X, y, W = problem
    error = gradcheck(seed_eq30_as_printed, X, y, W)
    assert error > 1e-2
    assert error == pytest.approx(2.0, rel=1e-6)


def test_gradcheck_gives_one_half_for_a_gradient_twice_too_large(problem):
    # ||2g - g|| / max(||2g||, ||g||) = 1/2.
    def doubled(X, y, W):
        loss, grad = _least_squares(X, y, W)
        return loss, 2 * grad

    X, y, W = problem
    assert gradcheck(doubled, X, y, W) == pytest.approx(0.5, rel=1e-6)


def test_gradcheck_gives_1_for_a_zero_gradient_of_a_non_constant_loss(problem):
    def zero_gradient(X, y, W):
        loss, grad = _least_squares(X, y, W)
        return loss, np.zeros_like(grad)

    X, y, W = problem
    assert gradcheck(zero_gradient, X, y, W) == pytest.approx(1.0, rel=1e-12)


def test_gradcheck_gives_0_not_nan_when_both_gradients_are_zero(problem):
    def constant(X, y, W):
        return 1.0, np.zeros_like(W)

    X, y, W = problem
    assert gradcheck(constant, X, y, W) == 0.0


def test_gradcheck_uses_central_differences_with_step_eps():
    # For L = sum(W^3), (L(w + e) - L(w - e)) / 2e = 3w^2 + e^2 exactly, where a
    # forward difference would give 3w^2 + 3we + e^2. At w = 1, e = 0.1 the error
    # against the analytic 3w^2 = 3 is 0.01 / 3.01.
    def cubic(X, y, W):
        return float(np.sum(W**3)), 3 * W**2

    error = gradcheck(cubic, None, None, np.array([1.0]), eps=0.1)
    assert error == pytest.approx(0.01 / 3.01, rel=1e-9)


@pytest.mark.parametrize("wrong", [0, 1])
def test_gradcheck_checks_every_array_of_a_tuple_of_gradients(wrong):
    def one_sign_flipped(X, y, A, B):
        loss, grads = _two_quadratics(X, y, A, B)
        grads[wrong][...] *= -1
        return loss, grads

    A, B = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.7, -1.2, 2.0])
    assert gradcheck(_two_quadratics, None, None, A, B) < 1e-8
    assert gradcheck(one_sign_flipped, None, None, A, B) == pytest.approx(2, rel=1e-6)


def test_gradcheck_reports_the_worst_array_so_a_small_wrong_one_is_not_hidden():
    # L = 100 * sum(A) + sum(B^2) / 2 has gradients 100 (||.|| = 200) and B
    # (||.|| = 2e-3). With B's sign flipped, the error pooled over both arrays would
    # be 4e-3 / 200 = 2e-5; per array, and so reported, it is 2.
    def small_b_sign_flipped(X, y, A, B):
        loss = 100 * float(np.sum(A)) + 0.5 * float(np.sum(B**2))
        return loss, (np.full_like(A, 100.0), -B)

    A, B = np.zeros(4), np.full(4, 1e-3)
    error = gradcheck(small_b_sign_flipped, None, None, A, B)
    assert error == pytest.approx(2, rel=1e-6)


def test_gradcheck_accepts_the_tuple_of_tiny_mlp_grad():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=5)
    W1, W2 = 0.5 * rng.normal(size=(3, 2)), 0.5 * rng.normal(size=2)
    assert gradcheck(tiny_mlp_grad, X, y, W1, W2) < 1e-7


def test_gradcheck_does_not_modify_its_params(problem):
    X, y, W = problem
    W_before = W.copy()
    W.setflags(write=False)  # any write into W would raise
    gradcheck(_least_squares, X, y, W)
    assert np.array_equal(W, W_before)


def test_gradcheck_passes_kwargs_but_not_eps_to_every_call(problem):
    calls = []

    def spy(X, y, W, **kwargs):
        calls.append(kwargs)
        return sigmoid_sse_grad(X, y, W, **kwargs)

    X, y, W = problem
    kwargs = {"fit_intercept": True, "alpha": 0.5, "sample_weight": np.arange(1, 7)}
    W1 = np.append(W, 0.1)
    assert gradcheck(spy, X, y, W1, eps=1e-5, **kwargs) < 1e-7
    assert len(calls) == 1 + 2 * W1.size
    assert all(
        call.keys() == kwargs.keys() and all(call[k] is kwargs[k] for k in kwargs)
        for call in calls
    )


def test_gradcheck_differentiates_the_loss_the_kwargs_select(problem):
    # A gradient that ignores alpha is right at alpha = 0 and wrong at alpha = 1:
    # gradcheck sees the difference only because alpha reaches the loss.
    def drops_l2_gradient(X, y, W, alpha=0.0):
        loss, grad = sigmoid_sse_grad(X, y, W, alpha=alpha)
        return loss, grad - alpha * W

    X, y, W = problem
    assert gradcheck(drops_l2_gradient, X, y, W, alpha=0.0) < 1e-7
    assert gradcheck(drops_l2_gradient, X, y, W, alpha=1.0) > 1e-2
