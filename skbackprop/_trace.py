"""Backprop you can watch: the seed's equations, with the numbers of given rows.

:func:`backprop_trace` runs one of the functions of :mod:`skbackprop.backprop`
on given rows and parameters (an estimator's fitted ones, or a reader's own),
asking it for the quantities it computes on the way (its private
``_intermediates`` keyword): the trace's numbers are those of the code that
trains, not of a second copy of the math. Each becomes a :class:`TraceStep`
that bears the seed's equation number, in the order the derivation computes
them.
"""

import html
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from skbackprop._linear import LogisticCEClassifier, SigmoidSSEClassifier
from skbackprop._mlp import TinyMLPRegressor
from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad
from skbackprop.gradcheck import gradcheck

__all__ = ["BackpropTrace", "TraceStep", "backprop_trace"]

SIGN_SLIP = (
    "The seed prints eqs. (26)-(30) without this minus sign: it drops the inner "
    "derivative d(y - y_hat)/d(y_hat) = -1 that eq. (76) keeps. The value here "
    "has it, so that W - learning_rate * gradient lowers the loss."
)


@dataclass(frozen=True)
class TraceStep:
    """One quantity of the derivation, with its value for the traced rows.

    Parameters
    ----------
    equation : str
        The seed's number of the equation that defines it, e.g. ``"(30)"``.
    symbol : str
        Its name in the derivation, e.g. ``"δ"`` or ``"∂E/∂W"``.
    formula : str
        The equation as plain text, for a terminal.
    latex : str
        The equation in LaTeX, for a notebook or a web page.
    meaning : str
        What the quantity is, in one line.
    value : ndarray
        Its value: one entry (or row of entries, one per output) per traced
        row for the forward values and deltas; the shape of the parameter for
        a gradient.
    note : str, default=""
        A caveat, such as the seed's sign slip in eqs. (26)-(30).
    """

    equation: str
    symbol: str
    formula: str
    latex: str
    meaning: str
    value: np.ndarray
    note: str = ""


class BackpropTrace:
    """The seed's derivation worked on given rows: each quantity, with its value.

    Made by :func:`backprop_trace`. Printed, it is a table of the steps for a
    terminal; in a notebook, the same table with each equation in LaTeX.

    Parameters
    ----------
    model : str
        What was traced: an estimator's class name, or a function's name.
    section : str
        The seed's section of that model.
    steps : list of TraceStep
        The derivation's quantities, in the order it computes them.
    loss : float
        The objective at these rows: the (weighted) mean of ``E`` over them,
        plus ``(alpha / 2) * ||W||^2``.
    gradients : tuple of ndarray
        The gradient of ``loss`` with respect to each parameter, in the layout
        of :mod:`skbackprop.backprop` (intercepts as the last row).
    function : callable
        The :mod:`skbackprop.backprop` function that computed them.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The traced rows.
    targets : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets as the loss sees them (encoded labels, standardised
        values).
    params : tuple of ndarray
        The parameters traced, in the layout of :mod:`skbackprop.backprop`.
    target_encoding : str
        How ``targets`` were made from the ``y`` given.
    sample_weight : ndarray of shape (n_samples,) or None
        The rows' weights in the mean; None weighs them equally.
    fit_intercept : bool
        Whether the last row of each parameter is an intercept.
    alpha : float
        Strength of the L2 term.

    Attributes
    ----------
    finite_difference_error : float
        The worst relative error of ``gradients`` against central differences
        of ``loss`` (:func:`skbackprop.gradcheck.gradcheck`, in float64),
        computed when first asked for.
    """

    def __init__(
        self,
        *,
        model,
        section,
        steps,
        loss,
        gradients,
        function,
        X,
        targets,
        params,
        target_encoding,
        sample_weight,
        fit_intercept,
        alpha,
    ):
        self.model = model
        self.section = section
        self.steps = steps
        self.loss = loss
        self.gradients = gradients
        self.function = function
        self.X = X
        self.targets = targets
        self.params = params
        self.target_encoding = target_encoding
        self.sample_weight = sample_weight
        self.fit_intercept = fit_intercept
        self.alpha = alpha

    @cached_property
    def finite_difference_error(self):
        X = self.X if self.X.dtype == np.float64 else self.X.astype(np.float64)
        return gradcheck(
            self.function,
            X,
            np.asarray(self.targets, dtype=np.float64),
            *self.params,
            fit_intercept=self.fit_intercept,
            sample_weight=self.sample_weight,
            alpha=self.alpha,
        )

    def _summary(self):
        """The lines above and below the steps: what was traced, and the checks."""
        n_rows = self.X.shape[0]
        head = [
            f"Backprop trace of {self.model} ({self.section}), "
            f"{n_rows} row{'s' if n_rows != 1 else ''}",
            f"targets: {self.target_encoding}",
            f"intercepts: {'last row of each W' if self.fit_intercept else 'none'}; "
            f"alpha = {self.alpha:g}; "
            + (
                "rows weighted by sample_weight"
                if self.sample_weight is not None
                else "rows weighted equally"
            ),
        ]
        tail = [
            f"loss = {self.loss:.10g}",
            f"finite-difference error of the gradient = "
            f"{self.finite_difference_error:.2g}",
        ]
        return head, tail

    def __str__(self):
        head, tail = self._summary()
        width = max(len(step.formula) for step in self.steps)
        lines = head + [""]
        for step in self.steps:
            lines.append(f"{step.equation:>6}  {step.formula:<{width}}  {step.meaning}")
            lines += ["        " + line for line in _format(step.value).splitlines()]
            if step.note:
                lines.append(f"        note: {step.note}")
        return "\n".join(lines + [""] + tail)

    def __repr__(self):
        return (
            f"<BackpropTrace of {self.model}: {len(self.steps)} steps on "
            f"{self.X.shape[0]} rows, loss={self.loss:.6g}>"
        )

    def _repr_html_(self):
        head, tail = self._summary()
        cell = '<td style="text-align: left; vertical-align: top">'
        rows = []
        for step in self.steps:
            rows.append(
                f"<tr>{cell}{html.escape(step.equation)}</td>"
                f'{cell}<span style="white-space: nowrap">'
                f"\\({html.escape(step.latex)}\\)</span></td>"
                f"{cell}{html.escape(step.meaning)}</td>"
                f'{cell}<code style="white-space: pre">'
                f"{html.escape(_format(step.value))}</code></td></tr>"
            )
            if step.note:
                rows.append(
                    f'<tr><td></td><td colspan="3" style="text-align: left">'
                    f"<em>Note: {html.escape(step.note)}</em></td></tr>"
                )
        header = "".join(
            f'<th style="text-align: left">{title}</th>'
            for title in ("eq.", "equation", "meaning", "value")
        )
        # mathjax_process: Sphinx's MathJax typesets only the elements of such
        # a class (a notebook typesets every output).
        return (
            '<div class="backprop-trace mathjax_process">'
            f"<p><strong>{html.escape(head[0])}</strong><br>"
            + "<br>".join(html.escape(line) for line in head[1:])
            + f"</p><table><thead><tr>{header}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p>{'<br>'.join(html.escape(line) for line in tail)}</p></div>"
        )


def backprop_trace(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    params=None,
    fit_intercept=False,
    alpha=0.0,
):
    """Trace the seed's derivation on given rows: each quantity, with its value.

    For a fitted estimator the trace is at its fitted parameters, with its
    penalty ``alpha_`` and with the targets its loss sees: labels encoded as
    0/1 or one-hot rows by the classifiers (times their ``class_weight``),
    ``y`` standardised by the network. For one of the functions of
    :mod:`skbackprop.backprop` it is at the ``params`` given, on ``y`` as
    given. Either way the numbers are the function's own, the ones training
    computes, read from it as it runs.

    Parameters
    ----------
    estimator : estimator or callable
        A fitted :class:`~skbackprop.SigmoidSSEClassifier`,
        :class:`~skbackprop.LogisticCEClassifier` or
        :class:`~skbackprop.TinyMLPRegressor`; or one of
        :func:`~skbackprop.backprop.sigmoid_sse_grad`,
        :func:`~skbackprop.backprop.logistic_ce_grad` and
        :func:`~skbackprop.backprop.tiny_mlp_grad`.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The rows to trace; one row is the seed's own per-sample derivation.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Their targets: labels or values for an estimator, the loss's targets
        for a function.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows in the mean; None weighs them equally.
    params : list of ndarray, default=None
        With a function only, and required then: its parameters (``[W]``, or
        ``[W1, W2]``), in the layout of :mod:`skbackprop.backprop`.
    fit_intercept : bool, default=False
        With a function only: whether the last row of each parameter is an
        intercept.
    alpha : float, default=0.0
        With a function only: the strength of the L2 term.

    Returns
    -------
    trace : BackpropTrace
        The steps, the loss, the gradients and their finite-difference check.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import backprop_trace
    >>> from skbackprop.backprop import logistic_ce_grad
    >>> X, y, W = np.array([[1.0, 2.0]]), np.array([1.0]), np.zeros(2)
    >>> trace = backprop_trace(logistic_ce_grad, X, y, params=[W])
    >>> [step.equation for step in trace.steps]
    ['(33)', '(45)', '(53)', '(57)', '(44)', '(68)', '(69)']
    >>> trace.gradients[0]  # -(1 - 0.5) * x, eq. (69)
    array([-0.5, -1. ])
    """
    if callable(estimator) and estimator in _SECTIONS:
        function = estimator
        if params is None:
            raise ValueError(
                f"backprop_trace of {function.__name__} needs its parameters: "
                "params=[W] (or [W1, W2] for tiny_mlp_grad)."
            )
        params = tuple(np.asarray(p) for p in params)
        X, targets = _as_rows(X), np.asarray(y)
        model = function.__name__
        encoding = "y as given"
    else:
        if params is not None or fit_intercept or alpha:
            raise ValueError(
                "params, fit_intercept and alpha are for a backprop function; an "
                "estimator's own are its fitted parameters, fit_intercept and "
                "alpha_."
            )
        function, X, targets, sample_weight, params, encoding = _fitted_problem(
            estimator, X, y, sample_weight
        )
        fit_intercept, alpha = estimator.fit_intercept, estimator.alpha_
        model = type(estimator).__name__
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
    intermediates = {}
    loss, gradients = function(
        X,
        targets,
        *params,
        fit_intercept=fit_intercept,
        sample_weight=sample_weight,
        alpha=alpha,
        _intermediates=intermediates,
    )
    gradients = tuple(gradients) if isinstance(gradients, tuple) else (gradients,)
    section, make_steps = _SECTIONS[function]
    weighting = _weighting(X.shape[0], sample_weight)
    return BackpropTrace(
        model=model,
        section=section,
        steps=make_steps(intermediates, gradients, weighting, fit_intercept, alpha),
        loss=float(loss),
        gradients=gradients,
        function=function,
        X=X,
        targets=targets,
        params=params,
        target_encoding=encoding,
        sample_weight=sample_weight,
        fit_intercept=fit_intercept,
        alpha=alpha,
    )


def _as_rows(X):
    """``X`` as an array, or as the sparse matrix it is."""
    return X if hasattr(X, "tocsr") else np.asarray(X)


def _fitted_problem(estimator, X, y, sample_weight):
    """The function, rows, targets, weights and parameters a fit trained with.

    The seams into the estimators: the parameters they trained (``_params``,
    in the units of the loss: the network's fitted attributes fold the target
    scaling in) and the fitted encoder of their targets
    (``_target_encoder``, which also multiplies in the class weights the fit
    used, "balanced" ones included). It is asked for as ``partial_fit`` asks:
    no more than that the rows' labels be among ``classes_``, since a fit's
    other checks compare the classes of all its rows.
    """
    functions = {
        SigmoidSSEClassifier: sigmoid_sse_grad,
        LogisticCEClassifier: logistic_ce_grad,
        TinyMLPRegressor: tiny_mlp_grad,
    }
    function = next(
        (f for cls, f in functions.items() if isinstance(estimator, cls)), None
    )
    if function is None:
        raise TypeError(
            "backprop_trace traces SigmoidSSEClassifier, LogisticCEClassifier, "
            "TinyMLPRegressor or one of the functions of skbackprop.backprop; got "
            f"{estimator!r}."
        )
    check_is_fitted(estimator)
    params = tuple(np.asarray(p) for p in estimator._params)
    dtype = params[0].dtype
    X = _as_rows(X)
    X = X.astype(dtype, copy=False)
    if X.ndim != 2 or X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has shape {X.shape}, but {type(estimator).__name__} was fitted on "
            f"{estimator.n_features_in_} features."
        )
    y = np.asarray(y)
    check_consistent_length(X, y, sample_weight)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)
    encoder = estimator._fitted_target_encoder(
        y, sample_weight, dtype, continuing=True, partial=True
    )
    targets, sample_weight = encoder.transform(y, sample_weight, dtype)
    return function, X, targets, sample_weight, params, _encoding(estimator)


def _encoding(estimator):
    """How an estimator's loss sees ``y``, in words."""
    if isinstance(estimator, TinyMLPRegressor):
        mean = estimator._target_encoder.mean_.tolist()
        scale = estimator._target_encoder.scale_.tolist()
        return (
            f"y standardised as (y - {_short(mean)}) / {_short(scale)}, the fit's "
            "(weighted) mean and spread; the network trains on these units"
        )
    classes = np.asarray(estimator.classes_).tolist()
    if len(classes) == 2:
        text = f"1 for label {classes[1]!r}, 0 for label {classes[0]!r} (classes_)"
    else:
        text = f"one-hot rows over classes_ {classes}"
    if estimator._target_encoder.class_weight_ is not None:
        text += ", rows weighted by the fit's class_weight"
    return text


def _short(values):
    """A float or a list of floats, to 6 significant digits."""
    if isinstance(values, list):
        return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"
    return f"{values:.6g}"


def _weighting(n_rows, sample_weight):
    """What a delta is multiplied by before ``X.T``: each row's share of the mean."""
    if sample_weight is None:
        return "times 1/n, the row's share of the mean" if n_rows > 1 else ""
    return "times s_i/sum(s), the row's share of the weighted mean"


def _format(value):
    """A value as numpy prints it, at 6 digits."""
    return np.array2string(
        np.asarray(value), precision=6, suppress_small=False, threshold=60
    )


def _delta_meaning(what, weighting):
    return f"per row: {what}" + (f"; {weighting}" if weighting else "")


def _gradient_meaning(inputs, delta, fit_intercept, alpha):
    text = f"the gradient, {inputs}ᵀ{delta} summed over the rows"
    if fit_intercept:
        text += "; last row: the intercept's, sum of " + delta
    if alpha:
        text += "; plus alpha W"
    return text


def _squared_error_step(equation, record):
    """The loss E = ½(y − ŷ)² of each row, which the seed writes as ``equation``.

    §1 and §3 share it: both models are fitted by squared error.
    """
    return TraceStep(
        equation,
        "E",
        "E = ½(y − ŷ)²",
        r"E = \tfrac12 (y - \hat y)^2",
        "the loss of each row",
        record["E"],
    )


def _sigmoid_sse_steps(record, gradients, weighting, fit_intercept, alpha):
    """Seed §1: squared error on a sigmoid, eqs. (3)-(30)."""
    return [
        TraceStep("(3)", "z", "z = xW", "z = xW", "the pre-activation", record["z"]),
        TraceStep(
            "(15)",
            "ŷ",
            "ŷ = σ(xW)",
            r"\hat y = \sigma(xW)",
            "the prediction, the sigmoid of z",
            record["y_hat"],
        ),
        _squared_error_step("(23)", record),
        TraceStep(
            "(14)",
            "σ'(z)",
            "σ'(z) = ŷ(1 − ŷ)",
            r"\sigma'(z) = \hat y\,(1 - \hat y)",
            "the sigmoid's slope, from its output",
            record["sigma_prime"],
        ),
        TraceStep(
            "(29)",
            "δ",
            "δ = ∂E/∂z = −(y − ŷ)ŷ(1 − ŷ)",
            r"\delta = \frac{\partial E}{\partial z}"
            r" = -(y - \hat y)\,\hat y(1 - \hat y)",
            _delta_meaning("the delta, dE/dz", weighting),
            record["delta"],
            "with the minus sign that the seed drops in eqs. (26)-(29); see (30)",
        ),
        TraceStep(
            "(30)",
            "∂E/∂W",
            "∂E/∂Wⱼ = −(y − ŷ)ŷ(1 − ŷ)xⱼ",
            r"\frac{\partial E}{\partial W_j} = -(y - \hat y)\,\hat y(1 - \hat y)\,x_j",
            _gradient_meaning("x", "δ", fit_intercept, alpha),
            gradients[0],
            SIGN_SLIP,
        ),
    ]


def _logistic_ce_steps(record, gradients, weighting, fit_intercept, alpha):
    """Seed §2: cross-entropy on a sigmoid (a softmax for k classes), to eq. (69)."""
    softmax = record["z"].ndim == 2
    steps = [
        TraceStep("(33)", "z", "z = xW", "z = xW", "the pre-activation", record["z"]),
        TraceStep(
            "(45)",
            "ŷ",
            "ŷ = softmax(xW)" if softmax else "ŷ = σ(xW)",
            r"\hat y = \operatorname{softmax}(xW)"
            if softmax
            else r"\hat y = \sigma(xW)",
            "the predicted probabilities: for k classes a softmax, the seed's "
            "sigmoid for more than two"
            if softmax
            else "the predicted probability, the sigmoid of z",
            record["y_hat"],
        ),
        TraceStep(
            "(53)",
            "E",
            "E = −Σ y log ŷ" if softmax else "E = −y log ŷ − (1 − y) log(1 − ŷ)",
            r"E = -\textstyle\sum_c y_c \log \hat y_c"
            if softmax
            else r"E = -y \log \hat y - (1 - y) \log(1 - \hat y)",
            "the loss of each row, computed from z",
            record["E"],
        ),
    ]
    if not softmax:
        steps += [
            TraceStep(
                "(57)",
                "∂E/∂ŷ",
                "∂E/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)",
                r"\frac{\partial E}{\partial \hat y} = -\frac{y}{\hat y}"
                r" + \frac{1 - y}{1 - \hat y}",
                "the loss's slope in ŷ, which the code never needs",
                record["dE_dy_hat"],
            ),
            TraceStep(
                "(44)",
                "σ'(z)",
                "σ'(z) = ŷ(1 − ŷ)",
                r"\sigma'(z) = \hat y\,(1 - \hat y)",
                "the sigmoid's slope, which cancels against (57)",
                record["sigma_prime"],
            ),
        ]
    steps += [
        TraceStep(
            "(68)",
            "δ",
            "δ = ∂E/∂z = ŷ − y",
            r"\delta = \frac{\partial E}{\partial z} = \hat y - y",
            _delta_meaning(
                "the delta, dE/dz: (57) times (44), simplified by eqs. (65)-(68)",
                weighting,
            ),
            record["delta"],
        ),
        TraceStep(
            "(69)",
            "∂E/∂W",
            "∂E/∂Wⱼ = −(y − ŷ)xⱼ",
            r"\frac{\partial E}{\partial W_j} = -(y - \hat y)\,x_j",
            _gradient_meaning("x", "δ", fit_intercept, alpha),
            gradients[0],
        ),
    ]
    return steps


def _tiny_mlp_steps(record, gradients, weighting, fit_intercept, alpha):
    """Seed §3: the network with one hidden layer, eqs. (70)-(83)."""
    return [
        TraceStep(
            "(71)",
            "z¹",
            "z¹ = xW¹",
            "z^1 = xW^1",
            "the hidden units' pre-activations",
            record["z1"],
        ),
        TraceStep(
            "(70)",
            "h",
            "h = σ(xW¹)",
            r"h = \sigma(xW^1)",
            "the hidden activations",
            record["h"],
        ),
        TraceStep(
            "(72)",
            "ŷ",
            "ŷ = hW²",
            r"\hat y = hW^2",
            "the prediction, linear in h",
            record["y_hat"],
        ),
        _squared_error_step("(74)", record),
        TraceStep(
            "(76)",
            "δ²",
            "δ² = ∂E/∂ŷ = −(y − ŷ)",
            r"\delta^2 = \frac{\partial E}{\partial \hat y} = -(y - \hat y)",
            _delta_meaning("the output delta", weighting),
            record["delta2"],
        ),
        TraceStep(
            "(77)",
            "∂E/∂W²",
            "∂E/∂W²ᵢ = −(y − ŷ)hᵢ",
            r"\frac{\partial E}{\partial W^2_i} = -(y - \hat y)\,h_i",
            _gradient_meaning("h", "δ²", fit_intercept, alpha),
            gradients[1],
        ),
        TraceStep(
            "(81)",
            "∂E/∂h",
            "∂E/∂hⱼ = δ²W²ⱼ",
            r"\frac{\partial E}{\partial h_j} = \delta^2\,W^2_j",
            _delta_meaning(
                "dE/dh, the output delta carried back through W²", weighting
            ),
            record["dE_dh"],
        ),
        TraceStep(
            "(82)",
            "h(1 − h)",
            "σ'(z¹) = h(1 − h)",
            r"\sigma'(z^1) = h\,(1 - h)",
            "the hidden sigmoids' slopes, eq. (14)",
            record["h_prime"],
        ),
        TraceStep(
            "(82)",
            "δ¹",
            "δ¹ⱼ = δ²W²ⱼhⱼ(1 − hⱼ)",
            r"\delta^1_j = \delta^2\,W^2_j\,h_j(1 - h_j)",
            _delta_meaning("the hidden delta dE/dz¹, (81) times (82)", weighting),
            record["delta1"],
        ),
        TraceStep(
            "(83)",
            "∂E/∂W¹",
            "∂E/∂W¹ᵢⱼ = −(y − ŷ)W²ⱼhⱼ(1 − hⱼ)xᵢ",
            r"\frac{\partial E}{\partial W^1_{ij}} = -(y - \hat y)\,W^2_j\,"
            r"h_j(1 - h_j)\,x_i",
            _gradient_meaning("x", "δ¹", fit_intercept, alpha),
            gradients[0],
        ),
    ]


# Each function of skbackprop.backprop -> its seed section and its steps.
_SECTIONS = {
    sigmoid_sse_grad: ("seed §1, squared error on a sigmoid", _sigmoid_sse_steps),
    logistic_ce_grad: ("seed §2, cross-entropy on a sigmoid", _logistic_ce_steps),
    tiny_mlp_grad: ("seed §3, a network with one hidden layer", _tiny_mlp_steps),
}
