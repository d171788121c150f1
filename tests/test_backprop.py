"""Specification of skbackprop.backprop: the seed's formulas, their gradients, options.

The functions are checked three ways: against tiny cases worked by hand from the
derivations (``docs/derivations.rst``), against a per-sample transcription of the
seed's equations, and against central finite differences (``skbackprop.gradcheck``)
over shapes drawn by hypothesis, for every keyword option and their combinations.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import skbackprop.backprop
from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad
from skbackprop.gradcheck import gradcheck

GRADCHECK_TOL = 1e-7
# Step of the finite differences: near the cube root of machine epsilon, it balances
# truncation (~eps^2) against roundoff (~1e-16 * loss / eps) for O(1) losses.
GRADCHECK_EPS = 1e-5
# Rows can cancel in a gradient's sum; below this norm the relative error measures
# the roundoff of the finite differences, not the gradient, so such draws are skipped.
MIN_GRADIENT_NORM = 1e-2
LN3 = np.log(3.0)  # sigma(ln 3) = 1 / (1 + 1/3) = 3/4, so hand-worked values stay exact
FUNCTIONS = [sigmoid_sse_grad, logistic_ce_grad, tiny_mlp_grad]
FAST = settings(max_examples=30, deadline=None)
EACH_FUNCTION = pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)

# Shapes: n samples, d features, m hidden units, k outputs (None for 1-D y and W).
n_samples = st.integers(1, 8)
n_features = st.integers(1, 4)
n_hidden = st.integers(1, 3)
seeds = st.integers(0, 2**32 - 1)


def _signed_uniform(rng, shape, low, high):
    """Entries of magnitude in [low, high] with random signs."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def _problem(func, rng, n, d, k=None, m=2, fit_intercept=False):
    """Inputs, targets and parameters for ``func``, well conditioned for gradcheck.

    |x| in [0.5, 1.5] and |W| in [0.2, 0.6] keep |z| <= 4.2, so no sigmoid
    saturates and no row's gradient vanishes; only rows cancelling in the sum can
    make a gradient small (see ``MIN_GRADIENT_NORM``).
    """
    X = _signed_uniform(rng, (n, d), 0.5, 1.5)
    extra = int(fit_intercept)
    out = () if k is None else (k,)
    if func is tiny_mlp_grad:
        y = rng.normal(size=(n, *out))
        W1 = _signed_uniform(rng, (d + extra, m), 0.2, 0.6)
        W2 = _signed_uniform(rng, (m + extra, *out), 0.2, 0.6)
        return X, y, (W1, W2)
    if func is logistic_ce_grad and k is not None:
        y = np.eye(k)[rng.integers(k, size=n)]  # one-hot rows: softmax model
    else:
        y = rng.integers(0, 2, size=(n, *out)).astype(np.float64)
    return X, y, (_signed_uniform(rng, (d + extra, *out), 0.2, 0.6),)


def _grads(result):
    """The gradients of a backprop function's result, always as a tuple."""
    _, grads = result
    return grads if isinstance(grads, tuple) else (grads,)


def _assert_same_result(result, expected, rtol=1e-12, atol=1e-15):
    assert result[0] == pytest.approx(expected[0], rel=rtol, abs=atol)
    for grad, expected_grad in zip(_grads(result), _grads(expected), strict=True):
        assert_allclose(grad, expected_grad, rtol=rtol, atol=atol)


def _softplus(t):
    """log(1 + e^t), computed without overflow and without cancellation."""
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


# --- Gradients against central finite differences -------------------------------

OPTIONS = pytest.mark.parametrize(
    "fit_intercept, weighted, alpha",
    [(fi, w, a) for fi in (False, True) for w in (False, True) for a in (0.0, 0.5)],
)


def _gradcheck_error(func, n, d, k, m, seed, fit_intercept, weighted, alpha):
    rng = np.random.default_rng(seed)
    X, y, params = _problem(func, rng, n, d, k, m, fit_intercept)
    kwargs = {"fit_intercept": fit_intercept, "alpha": alpha}
    if weighted:
        kwargs["sample_weight"] = rng.uniform(0.5, 2.0, size=n)
    grads = _grads(func(X, y, *params, **kwargs))
    assume(min(np.linalg.norm(g) for g in grads) >= MIN_GRADIENT_NORM)
    return gradcheck(func, X, y, *params, eps=GRADCHECK_EPS, **kwargs)


@OPTIONS
@FAST
@given(n=n_samples, d=n_features, k=st.sampled_from([None, 1, 2, 3]), seed=seeds)
@example(n=1, d=1, k=None, seed=0)
@example(n=1, d=1, k=3, seed=1)
@example(n=8, d=4, k=3, seed=2)
def test_sigmoid_sse_gradient_matches_finite_differences(
    fit_intercept, weighted, alpha, n, d, k, seed
):
    error = _gradcheck_error(
        sigmoid_sse_grad, n, d, k, None, seed, fit_intercept, weighted, alpha
    )
    assert error < GRADCHECK_TOL


@OPTIONS
@FAST
@given(n=n_samples, d=n_features, k=st.sampled_from([None, 2, 3]), seed=seeds)
@example(n=1, d=1, k=None, seed=0)
@example(n=1, d=1, k=3, seed=1)
@example(n=8, d=4, k=3, seed=2)
def test_logistic_ce_and_softmax_gradient_matches_finite_differences(
    fit_intercept, weighted, alpha, n, d, k, seed
):
    error = _gradcheck_error(
        logistic_ce_grad, n, d, k, None, seed, fit_intercept, weighted, alpha
    )
    assert error < GRADCHECK_TOL


@OPTIONS
@FAST
@given(
    n=n_samples,
    d=n_features,
    m=n_hidden,
    k=st.sampled_from([None, 1, 2, 3]),
    seed=seeds,
)
@example(n=1, d=1, m=1, k=None, seed=0)
@example(n=1, d=1, m=1, k=3, seed=1)
@example(n=8, d=4, m=3, k=3, seed=2)
def test_tiny_mlp_gradients_match_finite_differences(
    fit_intercept, weighted, alpha, n, d, m, k, seed
):
    error = _gradcheck_error(
        tiny_mlp_grad, n, d, k, m, seed, fit_intercept, weighted, alpha
    )
    assert error < GRADCHECK_TOL


# --- The seed's formulas on tiny cases worked by hand ----------------------------


def test_sigmoid_sse_two_samples_by_hand_mean_of_eq23_and_eq30():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    y = np.array([0.0, 1.0])
    W = np.array([LN3, 0.0])
    # Row 1: z = ln 3, y_hat = 3/4, E = (0 - 3/4)^2 / 2 = 9/32,
    #        grad = -(0 - 3/4) * 3/4 * 1/4 * [1, 0] = [9/64, 0].
    # Row 2: z = 0, y_hat = 1/2, E = (1 - 1/2)^2 / 2 = 1/8 = 4/32,
    #        grad = -(1 - 1/2) * 1/2 * 1/2 * [0, 2] = [0, -1/4].
    # Mean:  loss = (9/32 + 4/32) / 2 = 13/64, grad = [9/128, -1/8].
    loss, grad = sigmoid_sse_grad(X, y, W)
    assert loss == pytest.approx(13 / 64, rel=1e-14)
    assert_allclose(grad, [9 / 128, -1 / 8], rtol=1e-14, atol=1e-16)


def test_sigmoid_sse_intercept_by_hand_gets_delta_as_its_gradient():
    X = np.array([[2.0]])
    y = np.array([1.0])
    W = np.array([0.0, LN3])  # [coefficient, intercept]
    # z = 2 * 0 + ln 3, y_hat = 3/4, E = (1 - 3/4)^2 / 2 = 1/32.
    # delta = -(1 - 3/4) * 3/4 * 1/4 = -3/64; grad = [delta * 2, delta * 1].
    loss, grad = sigmoid_sse_grad(X, y, W, fit_intercept=True)
    assert loss == pytest.approx(1 / 32, rel=1e-14)
    assert_allclose(grad, [-3 / 32, -3 / 64], rtol=1e-14)


def test_sigmoid_sse_sample_weight_by_hand_is_weighted_mean():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    y = np.array([0.0, 1.0])
    W = np.array([LN3, 0.0])
    # Rows as in the two-sample case: E = [9/32, 4/32], grads [9/64, 0], [0, -1/4].
    # s = [3, 1]: loss = (3 * 9/32 + 1 * 4/32) / 4 = 31/128,
    #             grad = (3 * [9/64, 0] + [0, -1/4]) / 4 = [27/256, -1/16].
    loss, grad = sigmoid_sse_grad(X, y, W, sample_weight=np.array([3.0, 1.0]))
    assert loss == pytest.approx(31 / 128, rel=1e-14)
    assert_allclose(grad, [27 / 256, -1 / 16], rtol=1e-14, atol=1e-16)


def test_sigmoid_sse_alpha_by_hand_penalises_coefficient_not_intercept():
    X = np.array([[2.0]])
    y = np.array([1.0])
    W = np.array([1.0, LN3 - 2.0])  # [coefficient, intercept]
    # z = 2 * 1 + ln 3 - 2 = ln 3, y_hat = 3/4, E = 1/32, delta = -3/64.
    # alpha = 1/2 adds (1/2) / 2 * 1^2 = 1/4 (not the intercept's (ln 3 - 2)^2):
    #   loss = 1/32 + 8/32 = 9/32,
    #   grad = [delta * 2 + 1/2 * 1, delta] = [-6/64 + 32/64, -3/64] = [13/32, -3/64].
    loss, grad = sigmoid_sse_grad(X, y, W, fit_intercept=True, alpha=0.5)
    assert loss == pytest.approx(9 / 32, rel=1e-14)
    assert_allclose(grad, [13 / 32, -3 / 64], rtol=1e-14)


def test_logistic_ce_two_samples_by_hand_mean_of_eq53_and_eq69():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    y = np.array([1.0, 0.0])
    W = np.array([LN3, 0.0])
    # Row 1: z = ln 3, y_hat = 3/4, E = -log(3/4) = log(4/3),
    #        grad = -(1 - 3/4) * [1, 0] = [-1/4, 0].
    # Row 2: z = 0, y_hat = 1/2, E = -log(1 - 1/2) = log 2,
    #        grad = -(0 - 1/2) * [0, 2] = [0, 1].
    # Mean:  loss = (log(4/3) + log 2) / 2 = log(8/3) / 2, grad = [-1/8, 1/2].
    loss, grad = logistic_ce_grad(X, y, W)
    assert loss == pytest.approx(np.log(8 / 3) / 2, rel=1e-14)
    assert_allclose(grad, [-1 / 8, 1 / 2], rtol=1e-14, atol=1e-16)


def test_logistic_ce_intercept_by_hand_gets_delta_as_its_gradient():
    X = np.array([[2.0]])
    y = np.array([0.0])
    W = np.array([0.0, LN3])  # [coefficient, intercept]
    # z = ln 3, y_hat = 3/4, E = -log(1 - 3/4) = log 4.
    # delta = y_hat - y = 3/4; grad = [3/4 * 2, 3/4] = [3/2, 3/4].
    loss, grad = logistic_ce_grad(X, y, W, fit_intercept=True)
    assert loss == pytest.approx(np.log(4.0), rel=1e-14)
    assert_allclose(grad, [3 / 2, 3 / 4], rtol=1e-14)


def test_logistic_ce_sample_weight_by_hand_is_weighted_mean():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    y = np.array([1.0, 0.0])
    W = np.array([LN3, 0.0])
    # Rows as in the two-sample case: E = [log(4/3), log 2], grads [-1/4, 0], [0, 1].
    # s = [3, 1]: loss = (3 log(4/3) + log 2) / 4,
    #             grad = (3 * [-1/4, 0] + [0, 1]) / 4 = [-3/16, 1/4].
    loss, grad = logistic_ce_grad(X, y, W, sample_weight=np.array([3.0, 1.0]))
    assert loss == pytest.approx((3 * np.log(4 / 3) + np.log(2)) / 4, rel=1e-14)
    assert_allclose(grad, [-3 / 16, 1 / 4], rtol=1e-14, atol=1e-16)


def test_logistic_ce_alpha_by_hand_penalises_coefficient_not_intercept():
    X = np.array([[2.0]])
    y = np.array([0.0])
    W = np.array([1.0, LN3 - 2.0])  # [coefficient, intercept]
    # z = ln 3, y_hat = 3/4, E = log 4, delta = 3/4.
    # alpha = 1/2 adds 1/4 * 1^2 to the loss and 1/2 * 1 to the coefficient only:
    #   loss = log 4 + 1/4, grad = [3/2 + 1/2, 3/4] = [2, 3/4].
    loss, grad = logistic_ce_grad(X, y, W, fit_intercept=True, alpha=0.5)
    assert loss == pytest.approx(np.log(4.0) + 0.25, rel=1e-14)
    assert_allclose(grad, [2.0, 3 / 4], rtol=1e-14)


def test_softmax_ce_by_hand_has_gradient_of_eq69_form():
    X = np.array([[2.0]])
    y = np.array([[0.0, 1.0]])
    W = np.array([[LN3 / 2, 0.0]])
    # z = 2 * [ln 3 / 2, 0] = [ln 3, 0], softmax = [3, 1] / 4 = [3/4, 1/4],
    # E = -log(1/4) = log 4.
    # grad = -x^T (y - y_hat) = -2 * [0 - 3/4, 1 - 1/4] = [[3/2, -3/2]].
    loss, grad = logistic_ce_grad(X, y, W)
    assert loss == pytest.approx(np.log(4.0), rel=1e-14)
    assert_allclose(grad, [[3 / 2, -3 / 2]], rtol=1e-14)


def test_tiny_mlp_by_hand_eq74_eq77_eq83():
    X = np.array([[1.0, 2.0]])
    y = np.array([1.0])
    W1 = np.array([[LN3], [0.0]])
    W2 = np.array([2.0])
    # z1 = ln 3, h = 3/4, y_hat = 3/4 * 2 = 3/2, E = (1 - 3/2)^2 / 2 = 1/8.
    # eq. (77): g2 = -(1 - 3/2) * h = 1/2 * 3/4 = 3/8.
    # eq. (83): g1 = -(1 - 3/2) * W2 * h (1 - h) * x = 1/2 * 2 * 3/16 * [1, 2]
    #              = [[3/16], [3/8]].
    loss, (g1, g2) = tiny_mlp_grad(X, y, W1, W2)
    assert loss == pytest.approx(1 / 8, rel=1e-14)
    assert_allclose(g2, [3 / 8], rtol=1e-14)
    assert_allclose(g1, [[3 / 16], [3 / 8]], rtol=1e-14)


def test_tiny_mlp_intercepts_by_hand_get_the_layer_deltas():
    X = np.array([[1.0]])
    y = np.array([1.0])
    W1 = np.array([[0.0], [LN3]])  # [[coefficient], [hidden intercept]]
    W2 = np.array([2.0, 0.5])  # [coefficient, output intercept]
    # z1 = 0 * 1 + ln 3, h = 3/4, y_hat = 3/4 * 2 + 1/2 = 2, E = (1 - 2)^2 / 2 = 1/2.
    # Output delta = -(1 - 2) = 1:          g2 = [1 * h, 1] = [3/4, 1].
    # Hidden delta = 1 * 2 * 3/4 * 1/4 = 3/8: g1 = [[3/8 * x], [3/8]] = [[3/8], [3/8]].
    loss, (g1, g2) = tiny_mlp_grad(X, y, W1, W2, fit_intercept=True)
    assert loss == pytest.approx(1 / 2, rel=1e-14)
    assert_allclose(g2, [3 / 4, 1.0], rtol=1e-14)
    assert_allclose(g1, [[3 / 8], [3 / 8]], rtol=1e-14)


def test_tiny_mlp_sample_weight_by_hand_is_weighted_mean():
    X = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([1.0, 0.0])
    W1 = np.array([[LN3], [0.0]])
    W2 = np.array([2.0])
    # Row 1 as in the one-sample case: E = 1/8, g2 = 3/8, g1 = [[3/16], [3/8]].
    # Row 2: z1 = 0, h = 1/2, y_hat = 1, E = (0 - 1)^2 / 2 = 1/2,
    #        g2 = -(0 - 1) * 1/2 = 1/2, g1 = 0 (x = 0).
    # s = [1, 3]: loss = (1/8 + 3 * 1/2) / 4 = 13/32,
    #             g2 = (3/8 + 3 * 1/2) / 4 = 15/32, g1 = [[3/16], [3/8]] / 4.
    loss, (g1, g2) = tiny_mlp_grad(X, y, W1, W2, sample_weight=np.array([1.0, 3.0]))
    assert loss == pytest.approx(13 / 32, rel=1e-14)
    assert_allclose(g2, [15 / 32], rtol=1e-14)
    assert_allclose(g1, [[3 / 64], [3 / 32]], rtol=1e-14)


def test_tiny_mlp_alpha_by_hand_penalises_both_layers_not_intercepts():
    X = np.array([[1.0]])
    y = np.array([1.0])
    W1 = np.array([[0.0], [LN3]])
    W2 = np.array([2.0, 0.5])
    # As in the intercept case: E = 1/2, g1 = [[3/8], [3/8]], g2 = [3/4, 1].
    # alpha = 1 adds (||[0]||^2 + ||[2]||^2) / 2 = 2 (intercepts ln 3 and 1/2 are
    # not penalised), and alpha * W to the coefficient rows only:
    #   loss = 1/2 + 2 = 5/2, g1 = [[3/8 + 0], [3/8]], g2 = [3/4 + 2, 1] = [11/4, 1].
    loss, (g1, g2) = tiny_mlp_grad(X, y, W1, W2, fit_intercept=True, alpha=1.0)
    assert loss == pytest.approx(5 / 2, rel=1e-14)
    assert_allclose(g1, [[3 / 8], [3 / 8]], rtol=1e-14)
    assert_allclose(g2, [11 / 4, 1.0], rtol=1e-14)


# --- The sign of eq. (30) ---------------------------------------------------------
#
# The seed's eqs. (26)-(30) drop the minus sign: d/dy_hat of (y - y_hat)^2 / 2 is
# -(y - y_hat), as eq. (76) has it. Taken literally, eq. (30) points uphill and
# W - eta * grad would raise the loss. The code restores the sign.


def test_sse_gradient_sign_is_opposite_to_x_when_y_is_1_correcting_eq30():
    X = np.array([[2.0, -1.0, 0.5]])
    y = np.array([1.0])
    W = np.zeros(3)  # y_hat = 1/2 < y
    _, grad = sigmoid_sse_grad(X, y, W)
    # -(1 - 1/2) * 1/4 * x = -x / 8: every entry has the sign of -x.
    assert_array_equal(np.sign(grad), -np.sign(X[0]))


def test_sse_gradient_step_raises_y_hat_toward_1_and_lowers_the_loss():
    X = np.array([[2.0, -1.0, 0.5]])
    y = np.array([1.0])
    W = np.array([0.1, 0.3, -0.2])
    loss, grad = sigmoid_sse_grad(X, y, W)
    W_next = W - 0.1 * grad
    assert X @ W_next > X @ W  # z, hence y_hat = sigma(z), goes up toward y = 1
    assert sigmoid_sse_grad(X, y, W_next)[0] < loss


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_small_gradient_step_lowers_the_loss(func, k):
    X, y, params = _problem(func, np.random.default_rng(0), 6, 3, k, fit_intercept=True)
    kwargs = {"fit_intercept": True, "alpha": 0.1}
    result = func(X, y, *params, **kwargs)
    stepped = [p - 1e-2 * g for p, g in zip(params, _grads(result), strict=True)]
    assert func(X, y, *stepped, **kwargs)[0] < result[0]


# --- The positional call is the seed exactly --------------------------------------


def _seed_sigmoid_sse(x, y, W):
    """Per-sample eqs. (15), (23) and (30), with eq. (30)'s minus sign restored."""
    y_hat = 1 / (1 + np.exp(-(x @ W)))
    return 0.5 * (y - y_hat) ** 2, -(y - y_hat) * y_hat * (1 - y_hat) * x


def _seed_logistic_ce(x, y, W):
    """Per-sample eqs. (45), (53) and (69)."""
    y_hat = 1 / (1 + np.exp(-(x @ W)))
    E = -y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat)
    return E, -(y - y_hat) * x


def _seed_tiny_mlp(x, y, W1, W2):
    """Per-sample eqs. (70), (72), (74), (77) and (83)."""
    h = 1 / (1 + np.exp(-(x @ W1)))
    y_hat = h @ W2
    g2 = -(y - y_hat) * h
    g1 = -(y - y_hat) * np.outer(x, W2 * h * (1 - h))
    return 0.5 * (y - y_hat) ** 2, (g1, g2)


SEED_FORMULAS = {
    sigmoid_sse_grad: _seed_sigmoid_sse,
    logistic_ce_grad: _seed_logistic_ce,
    tiny_mlp_grad: _seed_tiny_mlp,
}


@EACH_FUNCTION
@FAST
@given(n=n_samples, d=n_features, m=n_hidden, seed=seeds)
def test_positional_call_is_mean_over_rows_of_seed_E_and_gradient(func, n, d, m, seed):
    X, y, params = _problem(func, np.random.default_rng(seed), n, d, m=m)
    per_row = [SEED_FORMULAS[func](X[i], y[i], *params) for i in range(n)]
    expected_loss = np.mean([E for E, _ in per_row])
    expected_grads = [
        np.mean(grads_i, axis=0)
        for grads_i in zip(*(_grads(row) for row in per_row), strict=True)
    ]
    _assert_same_result(func(X, y, *params), (expected_loss, tuple(expected_grads)))


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_explicit_default_keywords_give_the_positional_result(func, k):
    X, y, params = _problem(func, np.random.default_rng(1), 5, 3, k)
    defaults = {"fit_intercept": False, "sample_weight": None, "alpha": 0.0}
    _assert_same_result(func(X, y, *params, **defaults), func(X, y, *params), 0, 0)


# --- Keyword options --------------------------------------------------------------


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_unit_sample_weight_gives_the_unweighted_mean(func, k):
    X, y, params = _problem(func, np.random.default_rng(2), 5, 3, k)
    _assert_same_result(
        func(X, y, *params, sample_weight=np.ones(5)), func(X, y, *params)
    )


@EACH_FUNCTION
def test_sample_weight_scale_does_not_change_the_weighted_mean(func):
    rng = np.random.default_rng(3)
    X, y, params = _problem(func, rng, 5, 3, fit_intercept=True)
    s = rng.uniform(0.5, 2.0, size=5)
    _assert_same_result(
        func(X, y, *params, fit_intercept=True, sample_weight=100 * s),
        func(X, y, *params, fit_intercept=True, sample_weight=s),
    )


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_one_row_batches_with_weight_sum_average_to_the_full_weighted_gradient(func, k):
    # Each one-row batch divides by n_rows * mean weight = the mean weight:
    # the batches' mean is then the full weighted mean, data term and all.
    rng = np.random.default_rng(5)
    X, y, params = _problem(func, rng, 6, 3, k, fit_intercept=True)
    s = rng.uniform(0.1, 3.0, size=6)
    full = func(X, y, *params, fit_intercept=True, sample_weight=s)
    batches = [
        func(
            X[i : i + 1],
            y[i : i + 1],
            *params,
            fit_intercept=True,
            sample_weight=s[i : i + 1],
            weight_sum=s.mean(),
        )
        for i in range(6)
    ]
    assert np.mean([loss for loss, _ in batches]) == pytest.approx(full[0])
    for index, grad in enumerate(_grads(full)):
        mean = np.mean([_grads(batch)[index] for batch in batches], axis=0)
        assert_allclose(mean, grad, rtol=1e-12, atol=1e-15)


@EACH_FUNCTION
def test_weight_sum_divides_the_data_term_but_not_the_penalty(func):
    rng = np.random.default_rng(6)
    X, y, params = _problem(func, rng, 5, 3, fit_intercept=True)
    s = rng.uniform(0.5, 2.0, size=5)
    options = dict(fit_intercept=True, sample_weight=s)
    data = func(X, y, *params, **options)
    halved = func(X, y, *params, weight_sum=2 * s.sum(), **options)
    penalised = func(X, y, *params, weight_sum=2 * s.sum(), alpha=0.3, **options)
    penalty = func(X, y, *params, alpha=0.3, **options)
    assert halved[0] == pytest.approx(data[0] / 2)
    assert penalised[0] - halved[0] == pytest.approx(penalty[0] - data[0])
    for h, d, p, q in zip(*map(_grads, (halved, data, penalised, penalty))):
        assert_allclose(h, d / 2, rtol=1e-12, atol=1e-15)
        assert_allclose(p - h, q - d, rtol=1e-10, atol=1e-15)


@EACH_FUNCTION
def test_weight_sum_gradient_matches_finite_differences(func):
    rng = np.random.default_rng(7)
    X, y, params = _problem(func, rng, 5, 3, fit_intercept=True)
    options = dict(
        fit_intercept=True,
        sample_weight=rng.uniform(0.5, 2.0, size=5),
        weight_sum=1.7,
        alpha=0.2,
    )
    assert gradcheck(func, X, y, *params, eps=GRADCHECK_EPS, **options) < 1e-7


@EACH_FUNCTION
@pytest.mark.parametrize("weight_sum", [0.0, -1.0, np.nan, np.inf])
def test_a_weight_sum_that_is_no_positive_number_is_refused(func, weight_sum):
    X, y, params = _problem(func, np.random.default_rng(8), 4, 2)
    with pytest.raises(ValueError, match="weight_sum"):
        func(X, y, *params, sample_weight=np.ones(4), weight_sum=weight_sum)


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_integer_sample_weight_equals_repeating_rows(func, k):
    X, y, params = _problem(func, np.random.default_rng(4), 4, 3, k)
    s = np.array([2, 0, 1, 3])
    _assert_same_result(
        func(X, y, *params, sample_weight=s),
        func(np.repeat(X, s, axis=0), np.repeat(y, s, axis=0), *params),
    )


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_alpha_adds_half_alpha_squared_norm_and_alpha_times_weights(func, k):
    X, y, params = _problem(func, np.random.default_rng(5), 5, 3, k)
    alpha = 0.7
    unpenalised = func(X, y, *params)
    loss, grads = unpenalised[0], _grads(unpenalised)
    result = func(X, y, *params, alpha=alpha)
    norm2 = sum(float(np.sum(p**2)) for p in params)
    assert result[0] == pytest.approx(loss + alpha / 2 * norm2, rel=1e-13)
    for g_alpha, g, p in zip(_grads(result), grads, params, strict=True):
        assert_allclose(g_alpha, g + alpha * p, rtol=1e-13, atol=1e-15)


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_alpha_leaves_the_intercept_rows_unpenalised(func, k):
    X, y, params = _problem(func, np.random.default_rng(6), 5, 3, k, fit_intercept=True)
    alpha = 0.7
    unpenalised = func(X, y, *params, fit_intercept=True)
    loss, grads = unpenalised[0], _grads(unpenalised)
    result = func(X, y, *params, fit_intercept=True, alpha=alpha)
    norm2 = sum(float(np.sum(p[:-1] ** 2)) for p in params)
    assert result[0] == pytest.approx(loss + alpha / 2 * norm2, rel=1e-13)
    for g_alpha, g, p in zip(_grads(result), grads, params, strict=True):
        assert_allclose(g_alpha[:-1], g[:-1] + alpha * p[:-1], rtol=1e-13, atol=1e-15)
        assert_allclose(g_alpha[-1], g[-1], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("func", [sigmoid_sse_grad, logistic_ce_grad])
@pytest.mark.parametrize("k", [None, 2])
def test_linear_intercept_equals_a_trailing_column_of_ones(func, k):
    X, y, params = _problem(func, np.random.default_rng(7), 5, 3, k, fit_intercept=True)
    X1 = np.hstack([X, np.ones((5, 1))])
    _assert_same_result(func(X, y, *params, fit_intercept=True), func(X1, y, *params))


# --- Shapes, dtypes, sparse input ---------------------------------------------------


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 1, 3])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_each_gradient_has_the_shape_of_its_parameter(func, k, fit_intercept):
    X, y, params = _problem(func, np.random.default_rng(8), 5, 4, k, 3, fit_intercept)
    grads = _grads(func(X, y, *params, fit_intercept=fit_intercept))
    assert [g.shape for g in grads] == [p.shape for p in params]


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
def test_loss_is_a_python_float(func, k):
    X, y, params = _problem(func, np.random.default_rng(9), 5, 3, k)
    assert type(func(X, y, *params)[0]) is float


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_sparse_csr_X_gives_the_dense_loss_and_gradient(
    func, k, fit_intercept, container
):
    rng = np.random.default_rng(10)
    X, y, params = _problem(func, rng, 6, 4, k, fit_intercept=fit_intercept)
    X[rng.random(X.shape) < 0.5] = 0.0
    kwargs = {
        "fit_intercept": fit_intercept,
        "sample_weight": rng.uniform(0.5, 2.0, size=6),
        "alpha": 0.3,
    }
    sparse_result = func(container(X), y, *params, **kwargs)
    for g in _grads(sparse_result):
        assert isinstance(g, np.ndarray)
    _assert_same_result(sparse_result, func(X, y, *params, **kwargs))


@OPTIONS
@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_inputs_give_float32_gradients(
    func, k, sparse, fit_intercept, weighted, alpha
):
    rng = np.random.default_rng(11)
    X, y, params = _problem(func, rng, 5, 3, k, fit_intercept=fit_intercept)
    X32 = X.astype(np.float32)
    X32 = sp.csr_array(X32) if sparse else X32
    params32 = [p.astype(np.float32) for p in params]
    kwargs = {"fit_intercept": fit_intercept, "alpha": alpha}
    if weighted:
        kwargs["sample_weight"] = rng.uniform(0.5, 2.0, size=5).astype(np.float32)
    grads = _grads(func(X32, y.astype(np.float32), *params32, **kwargs))
    assert [g.dtype for g in grads] == [np.float32] * len(params)


# --- Numerical stability ------------------------------------------------------------


def _extreme_problem(func, k):
    """Rows with z = +1000 and z = -1000, each against both labels."""
    X = np.array([[1000.0], [1000.0], [-1000.0], [-1000.0]])
    if func is logistic_ce_grad and k is not None:
        y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    else:
        y = np.array([1.0, 0.0, 1.0, 0.0])
        y = y if k is None else np.column_stack([y, 1 - y])
    W = np.array([1.0]) if k is None else np.array([[1.0, -1.0]])
    if func is tiny_mlp_grad:
        return X, y, (np.array([[1.0, -1.0]]), np.ones((2, *W.shape[1:])))
    return X, y, (W,)


@EACH_FUNCTION
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_extreme_logits_give_finite_loss_and_gradient_without_warnings(
    func, k, fit_intercept
):
    X, y, params = _extreme_problem(func, k)
    if fit_intercept:
        params = tuple(np.concatenate([p, np.zeros_like(p[:1])]) for p in params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = func(X, y, *params, fit_intercept=fit_intercept, alpha=0.1)
    assert np.isfinite(result[0])
    for g in _grads(result):
        assert np.all(np.isfinite(g))


@pytest.mark.parametrize(
    "z", [-1000.0, -40.0, -30.0, -5.0, 0.0, 5.0, 30.0, 40.0, 1000.0]
)
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_binary_ce_loss_equals_softplus_of_the_signed_logit(z, label):
    # E = -log sigma(z) = log(1 + e^{-z}) for y = 1, and
    # E = -log(1 - sigma(z)) = -log sigma(-z) = log(1 + e^{z}) for y = 0:
    # exact to rounding even where it is tiny (z far on the right side of 0).
    loss, _ = logistic_ce_grad(np.array([[z]]), np.array([label]), np.array([1.0]))
    exact = _softplus(-z) if label == 1.0 else _softplus(z)
    assert loss == pytest.approx(exact, rel=1e-12, abs=0.0)


@pytest.mark.parametrize("z", [-1000.0, -30.0, 0.0, 30.0, 1000.0])
def test_softmax_ce_loss_equals_log_sum_exp_at_extreme_logits(z):
    # Two classes with logits [z, 0]: E for class 0 is log(1 + e^{-z}), for class 1
    # it is log(1 + e^{z}); the mean of the two rows is their average.
    X = np.array([[z], [z]])
    y = np.eye(2)
    loss, _ = logistic_ce_grad(X, y, np.array([[1.0, 0.0]]))
    exact = (_softplus(-z) + _softplus(z)) / 2
    assert loss == pytest.approx(exact, rel=1e-12)


def test_the_math_imports_numpy_and_scipy_alone():
    """backprop.py, and the skbackprop modules it imports, import no scikit-learn.

    The seed as code stands on numpy and scipy.special (DESIGN.md): what it
    needs of scikit-learn's array-API helpers is imported on first use.
    """
    import ast
    from pathlib import Path

    package = Path(skbackprop.backprop.__file__).parent
    todo, seen = ["backprop"], set()
    while todo:
        module = todo.pop()
        seen.add(module)
        tree = ast.parse((package / f"{module}.py").read_text("utf-8"))
        for node in tree.body:  # module level only: not inside functions
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # from ._namespace import ...
                    base = f"skbackprop.{base}"
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("sklearn"), (module, name)
                if name.startswith("skbackprop."):
                    local = name.split(".")[1]
                    if (package / f"{local}.py").exists() and local not in seen:
                        todo.append(local)
