"""backprop_trace: the seed's equations with the numbers of the code that trains."""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import ESTIMATORS, ignore_convergence
from scipy.special import expit
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.utils.class_weight import compute_sample_weight

from skbackprop import (
    BackpropTrace,
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
    backprop_trace,
)
from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad

# The fits are short: the traces need fitted parameters, not optimal ones.
pytestmark = [pytest.mark.usefixtures("one_blas_thread"), ignore_convergence]

# The equations of each model that the issue asks a one-row trace to cite.
SEED_EQUATIONS = {
    SigmoidSSEClassifier: ["(15)", "(23)", "(30)"],
    LogisticCEClassifier: ["(45)", "(53)", "(69)"],
    TinyMLPRegressor: ["(70)", "(72)", "(74)", "(76)", "(77)", "(83)"],
}


def _data(Estimator, n_classes=2, n_outputs=1, n_samples=40):
    if Estimator is TinyMLPRegressor:
        X, y = make_regression(
            n_samples=n_samples, n_features=4, n_targets=n_outputs, random_state=0
        )
        return X / X.std(axis=0), y
    X, y = make_classification(
        n_samples=n_samples,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        random_state=0,
    )
    return X, np.array(["ant", "bee", "cat", "dog"])[y]


def _fit(Estimator, X, y, **params):
    if Estimator is TinyMLPRegressor:
        params = {"n_hidden": 3, "random_state": 0, **params}
    return Estimator(max_iter=50, **params).fit(X, y)


@pytest.fixture(scope="module", params=ESTIMATORS, ids=lambda e: e.__name__)
def seed_fit(request):
    """Each model as the seed has it: no intercept, no penalty."""
    X, y = _data(request.param)
    return _fit(request.param, X, y, fit_intercept=False, alpha=0.0), X, y


def test_a_one_row_trace_cites_the_seeds_equations_in_text_and_html(seed_fit):
    estimator, X, y = seed_fit
    trace = backprop_trace(estimator, X[:1], y[:1])
    text, page = str(trace), trace._repr_html_()
    for equation in SEED_EQUATIONS[type(estimator)]:
        assert equation in [step.equation for step in trace.steps]
        assert re.search(rf"^ *{re.escape(equation)}  ", text, re.M), equation
        assert f">{equation}</td>" in page, equation
    # Every equation is LaTeX for MathJax, in an element it typesets.
    assert page.count(r"\(") == len(trace.steps)
    assert 'class="backprop-trace mathjax_process"' in page


def test_a_one_row_trace_passes_the_finite_difference_check(seed_fit):
    estimator, X, y = seed_fit
    trace = backprop_trace(estimator, X[:1], y[:1])
    assert trace.finite_difference_error <= 1e-6
    assert f"{trace.finite_difference_error:.2g}" in str(trace)


@pytest.mark.parametrize("Estimator", [SigmoidSSEClassifier, LogisticCEClassifier])
def test_a_classifiers_one_row_gradient_is_the_hand_formula(Estimator):
    X, y = _data(Estimator)
    estimator = _fit(Estimator, X, y, fit_intercept=False, alpha=0.0)
    for row in range(3):
        x = X[row]
        # By hand: the label's 0/1 code, y_hat = sigma(x W) from coef_.
        target = float(y[row] == estimator.classes_[1])
        y_hat = expit(x @ estimator.coef_[0])
        if Estimator is LogisticCEClassifier:
            expected = x * (y_hat - target)  # eq. (69)
        else:
            expected = -x * (target - y_hat) * y_hat * (1 - y_hat)  # eq. (30)
        trace = backprop_trace(estimator, X[row : row + 1], y[row : row + 1])
        np.testing.assert_allclose(trace.gradients[0], expected, rtol=0, atol=1e-10)


def test_only_the_sigmoid_squared_error_trace_notes_the_seeds_sign_slip(seed_fit):
    estimator, X, y = seed_fit
    trace = backprop_trace(estimator, X[:1], y[:1])
    slip = "eqs. (26)-(30)"
    noted = [step.equation for step in trace.steps if slip in step.note]
    if isinstance(estimator, SigmoidSSEClassifier):
        assert noted == ["(30)"]
        assert slip in str(trace) and slip in trace._repr_html_()
    else:
        assert noted == [] and slip not in str(trace)


# Intercepts, a penalty, sample weights (and class weights), several rows,
# several classes and several outputs: the configurations training meets.
TRAINING_CASES = {
    "sse-3-classes-class-weight": (
        SigmoidSSEClassifier,
        {"n_classes": 3},
        {"class_weight": {"ant": 2.0, "bee": 1.0, "cat": 0.5}},
    ),
    "sse-2-classes": (SigmoidSSEClassifier, {}, {}),
    "ce-4-classes": (LogisticCEClassifier, {"n_classes": 4}, {}),
    "ce-2-classes": (LogisticCEClassifier, {}, {}),
    "mlp-3-outputs": (TinyMLPRegressor, {"n_outputs": 3}, {}),
    "mlp-1-output": (TinyMLPRegressor, {}, {}),
}


@pytest.mark.parametrize("case", TRAINING_CASES)
def test_the_traces_gradient_is_the_training_gradient_bit_for_bit(case, monkeypatch):
    Estimator, data, params = TRAINING_CASES[case]
    X, y = _data(Estimator, **data)
    sample_weight = np.random.default_rng(0).uniform(0.5, 2.0, size=X.shape[0])
    estimator = _fit(
        Estimator,
        X,
        y,
        solver="gd",
        fit_intercept=True,
        alpha=0.05,
        early_stopping=False,
        **params,
    )
    trace = backprop_trace(estimator, X, y, sample_weight)

    # The training gradient: the first evaluation of a partial_fit that
    # continues from the fitted model, on the same rows and weights.
    calls = []
    loss_grad = type(estimator)._loss_grad

    def spy(self, X, targets, sample_weight, params, *, alpha, weight_sum=None):
        copies = [p.copy() for p in params]
        loss, grads = loss_grad(
            self, X, targets, sample_weight, params, alpha=alpha, weight_sum=weight_sum
        )
        calls.append((targets, sample_weight, copies, loss, [g.copy() for g in grads]))
        return loss, grads

    monkeypatch.setattr(type(estimator), "_loss_grad", spy)
    estimator.partial_fit(X, y, sample_weight=sample_weight)
    targets, weights, params_trained, loss, grads = calls[0]

    np.testing.assert_array_equal(trace.targets, targets)
    np.testing.assert_array_equal(trace.sample_weight, weights)
    assert len(trace.params) == len(params_trained) == len(grads)
    for traced, trained in zip(trace.params, params_trained):
        np.testing.assert_array_equal(traced, trained)
    assert trace.loss == loss
    for traced, trained in zip(trace.gradients, grads):
        assert traced.dtype == trained.dtype
        np.testing.assert_array_equal(traced, trained)


@pytest.mark.parametrize(
    "function, params",
    [
        (sigmoid_sse_grad, [(5, 3)]),
        (logistic_ce_grad, [(5,)]),
        (logistic_ce_grad, [(5, 3)]),
        (tiny_mlp_grad, [(5, 4), (5, 2)]),
    ],
    ids=["sse", "ce", "softmax", "mlp"],
)
def test_recording_the_intermediates_changes_no_bit_of_loss_or_gradient(
    function, params
):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    shapes = params
    params = [rng.normal(size=shape) for shape in shapes]
    outputs = shapes[-1][1:]
    y = np.eye(outputs[0])[rng.integers(0, outputs[0], 30)] if outputs else None
    y = rng.integers(0, 2, 30).astype(float) if y is None else y
    options = dict(fit_intercept=True, sample_weight=rng.uniform(size=30), alpha=0.1)
    loss, grads = function(X, y, *[p.copy() for p in params], **options)
    recorded = {}
    loss_traced, grads_traced = function(
        X, y, *params, **options, _intermediates=recorded
    )
    assert loss_traced == loss
    if function is not tiny_mlp_grad:
        grads, grads_traced = [grads], [grads_traced]
    for traced, plain in zip(grads_traced, grads, strict=True):
        np.testing.assert_array_equal(traced, plain)
    assert recorded["E"].shape == (30,)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_steps_multiply_out_to_the_deltas_and_average_to_the_loss(Estimator):
    n_outputs = {"n_outputs": 2} if Estimator is TinyMLPRegressor else {}
    X, y = _data(Estimator, **n_outputs)
    estimator = _fit(Estimator, X, y, alpha=0.1)
    sample_weight = np.linspace(1.0, 3.0, 5)
    trace = backprop_trace(estimator, X[:5], y[:5], sample_weight)
    steps = {step.symbol: step.value for step in trace.steps}
    share = sample_weight / sample_weight.sum()
    coefs = [p[:-1] for p in trace.params]
    penalty = 0.1 / 2 * sum(float(np.sum(c * c)) for c in coefs)
    assert trace.loss == pytest.approx(share @ steps["E"] + penalty, rel=1e-12)
    if Estimator is TinyMLPRegressor:
        np.testing.assert_allclose(steps["δ¹"], steps["∂E/∂h"] * steps["h(1 − h)"])
        np.testing.assert_allclose(
            steps["δ²"], -(trace.targets - steps["ŷ"]) * share[:, None]
        )
    elif Estimator is LogisticCEClassifier:
        np.testing.assert_allclose(
            steps["δ"], steps["∂E/∂ŷ"] * steps["σ'(z)"] * share, rtol=1e-10
        )
    else:
        np.testing.assert_allclose(
            steps["δ"], -(trace.targets - steps["ŷ"]) * steps["σ'(z)"] * share
        )


def test_the_networks_trace_is_in_its_standardised_units():
    X, y = _data(TinyMLPRegressor, n_outputs=2)
    y = 100 * y + 7
    estimator = _fit(TinyMLPRegressor, X, y, alpha=0.01)
    trace = backprop_trace(estimator, X[:4], y[:4])
    y_hat = next(step.value for step in trace.steps if step.equation == "(72)")
    mean, scale = estimator._target_encoder.mean_, estimator._target_encoder.scale_
    np.testing.assert_allclose(y_hat * scale + mean, estimator.predict(X[:4]))
    np.testing.assert_allclose(trace.targets * scale + mean, y[:4])
    assert "standardised" in trace.target_encoding
    assert "standardised" in str(trace)


def test_a_function_is_traced_at_the_parameters_given():
    X, y = np.array([[1.0, 2.0]]), np.array([1.0])
    W1, W2 = np.zeros((2, 1)), np.ones(1)
    trace = backprop_trace(tiny_mlp_grad, X, y, params=[W1, W2])
    assert isinstance(trace, BackpropTrace)
    # The docstring's worked case: h = 0.5, y_hat = 0.5.
    assert trace.loss == 0.125
    np.testing.assert_array_equal(trace.gradients[1], [-0.25])
    np.testing.assert_array_equal(trace.gradients[0], [[-0.125], [-0.25]])
    assert trace.target_encoding == "y as given"


def test_a_sparse_trace_has_the_dense_traces_numbers():
    X, y = _data(LogisticCEClassifier, n_classes=3)
    X[np.abs(X) < 0.5] = 0.0
    estimator = _fit(LogisticCEClassifier, X, y)
    dense = backprop_trace(estimator, X[:6], y[:6])
    sparse = backprop_trace(estimator, sp.csr_matrix(X[:6]), y[:6])
    np.testing.assert_allclose(sparse.gradients[0], dense.gradients[0], rtol=1e-12)
    assert sparse.finite_difference_error <= 1e-6


def test_misuse_gets_a_clear_error():
    X, y = _data(SigmoidSSEClassifier)
    with pytest.raises(NotFittedError):
        backprop_trace(SigmoidSSEClassifier(), X, y)
    with pytest.raises(ValueError, match="needs its parameters"):
        backprop_trace(sigmoid_sse_grad, X, (y == "bee").astype(float))
    fitted = _fit(SigmoidSSEClassifier, X, y)
    with pytest.raises(ValueError, match="for a backprop function"):
        backprop_trace(fitted, X, y, params=[np.zeros(5)])
    with pytest.raises(ValueError, match="fitted on 4 features"):
        backprop_trace(fitted, X[:, :3], y)
    with pytest.raises(ValueError, match="not in classes_"):
        backprop_trace(fitted, X[:1], ["eel"])
    with pytest.raises(TypeError, match="traces SigmoidSSEClassifier"):
        backprop_trace(np.mean, X, y)


def test_a_balanced_fit_is_traced_with_the_class_weights_it_trained_with():
    X, y = _data(LogisticCEClassifier, n_classes=3)
    X, y = X[6:], y[6:]  # unequal classes
    estimator = _fit(LogisticCEClassifier, X, y, class_weight="balanced")
    sample_weight = np.linspace(0.5, 1.5, 4)
    trace = backprop_trace(estimator, X[:4], y[:4], sample_weight)

    balanced = compute_sample_weight("balanced", y)
    assert len(set(balanced.tolist())) > 1
    np.testing.assert_allclose(trace.sample_weight, balanced[:4] * sample_weight)
    assert "class_weight" in trace.target_encoding
