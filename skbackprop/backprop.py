"""The seed's derivations as code: forward pass, loss and gradient, one function each.

Every function here is the batched form of one section of the seed derivation
(written out, equation by equation, on the documentation's derivation page): for
a design matrix ``X`` of ``n`` rows it returns the mean over the rows of the
seed's per-sample loss ``E`` and the gradient of that mean with respect to each
parameter. Called with only its positional arguments, a function is the seed
exactly: no bias, no penalty, no weights. The keyword arguments add what the
estimators need:

``fit_intercept``
    The last row of each weight matrix is the weight of a constant input 1, the
    intercept. It gets the gradient ``sum_i delta_i`` and no penalty.
``sample_weight``
    The loss becomes the weighted mean ``sum_i s_i E_i / sum_i s_i``, or, with
    ``weight_sum``, ``sum_i s_i E_i / weight_sum``.
``alpha``
    Adds the L2 term ``(alpha / 2) * ||W||^2`` over the non-intercept weights.

Deltas are named as in the derivation: ``delta`` is dE/dz, the gradient of the
loss with respect to a layer's pre-activation ``z``. The backward pass of a
linear layer ``z = xW`` is then always ``dE/dW = x^T delta`` (eqs. (4)-(6)).

The sigmoid is ``(1 + tanh(z / 2)) / 2``, which never overflows, and losses
that involve a logarithm of it are computed from the logits (binary
cross-entropy from ``exp(-|z|)``, softmax by :func:`scipy.special.log_softmax`),
so no input, however extreme, produces a numpy warning.

Every function computes in the namespace and on the device of its arrays:
numpy arrays, or any array-API array (torch, CuPy, array-api-strict) through
``array_api_compat``. The formulas are the same lines for all of them; where
numpy has a faster spelling (``np.tanh(z, out=z)``, ``np.vdot``) it takes it,
and the others take the array API's own.

Speed comes from how the formulas are computed, never from a second copy of
them: fresh intermediate arrays are updated in place, the loss shares its
exponentials with the gradient, and the estimators' training loop evaluates a
full batch block of rows by block of rows (``skbackprop._training``).

The ``# eq. (N)`` comments, with a few other lines, anchor the excerpts that
``docs/derivations.rst`` shows under each equation (the ``:start-at:`` and
``:end-at:`` of its ``literalinclude`` directives): reword such a line and its
excerpt moves or breaks. ``tests/test_docs.py`` checks that every excerpt still
finds its anchors.
"""

import numpy as np
from scipy.special import expit, log_softmax

from ._namespace import device_of, xp_of

__all__ = ["logistic_ce_grad", "sigmoid_sse_grad", "tiny_mlp_grad"]


def linear_forward(X, W, *, fit_intercept=False):
    """Pre-activation of a linear layer, ``z = xW`` (eqs. (3), (33), (71)).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input rows.
    W : ndarray of shape (n_features,) or (n_features, n_outputs)
        Weights; with ``fit_intercept`` one more row, the intercept, at the end.
    fit_intercept : bool, default=False
        Whether the last row of ``W`` is an intercept.

    Returns
    -------
    z : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The pre-activation.
    """
    if fit_intercept:
        z = X @ W[:-1, ...]
        z += W[-1, ...]  # in place: the product is a fresh array
        return z
    return X @ W


def tiny_mlp_forward(X, W1, W2, *, fit_intercept=False):
    """Forward pass of the one-hidden-layer network (eqs. (70)-(73)).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input rows.
    W1 : ndarray of shape (n_features, n_hidden)
        Input-to-hidden weights (one more row with ``fit_intercept``).
    W2 : ndarray of shape (n_hidden,) or (n_hidden, n_outputs)
        Hidden-to-output weights (one more row with ``fit_intercept``).
    fit_intercept : bool, default=False
        Whether the last row of each weight matrix is an intercept.

    Returns
    -------
    h : ndarray of shape (n_samples, n_hidden)
        Hidden activations, ``h = sigma(x W1)``.
    y_hat : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Linear output, ``y_hat = h W2``.
    """
    h = _sigmoid(linear_forward(X, W1, fit_intercept=fit_intercept))  # eq. (70)
    return h, linear_forward(h, W2, fit_intercept=fit_intercept)  # eq. (72)


def sigmoid_sse_grad(
    X,
    y,
    W,
    *,
    fit_intercept=False,
    sample_weight=None,
    weight_sum=None,
    alpha=0.0,
    check_input=True,
    _intermediates=None,
):
    r"""Squared error of a sigmoid unit and its gradient (seed §1).

    Per sample, with :math:`\hat y = \sigma(xW)` (eq. (15)),

    .. math::

        E = \tfrac12 \lVert y - \hat y \rVert^2, \qquad
        \frac{\partial E}{\partial W_j} = -(y - \hat y)\,\hat y\,(1 - \hat y)\,x_j .

    The seed's eqs. (26)-(30) drop the minus sign that the chain rule takes from
    :math:`\partial(y - \hat y)/\partial \hat y = -1` (compare eq. (76)); the
    gradient here has it, so that ``W - learning_rate * grad`` lowers the loss.
    Unlike cross-entropy (:func:`logistic_ce_grad`), squared error keeps the
    sigmoid's derivative :math:`\hat y(1 - \hat y)` (eqs. (14), (22)) in the
    delta, which is why it learns slowly where the sigmoid saturates.

    With 2-D ``y`` and ``W`` there is one independent sigmoid per column, and
    ``E`` sums the squared errors of the columns.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input rows ``x``.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets in [0, 1].
    W : ndarray of shape (n_features,) or (n_features, n_outputs)
        Weights; with ``fit_intercept`` one more row, the intercept, at the end.
    fit_intercept : bool, default=False
        Whether the last row of ``W`` is an intercept.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows in the mean; ``None`` weighs every row equally.
    weight_sum : float, default=None
        With ``sample_weight``, what divides the weighted sum of the losses,
        ``sum_i s_i E_i / weight_sum``; None is ``sum_i s_i``, the weighted
        mean. A mini-batch passes its rows times the mean weight of all the
        rows, so that its gradient is an unbiased estimate of theirs.
    alpha : float, default=0.0
        Strength of the L2 term ``(alpha / 2) * ||W||^2`` (intercept excluded).
    check_input : bool, default=True
        Whether to check the arguments' shapes and values first, for a clear
        error; the estimators, which have validated their data, pass False.
    _intermediates : dict, default=None
        Private, for :func:`skbackprop.backprop_trace`: a dict that the
        function fills with what it computed for these rows: ``z``, ``y_hat``,
        ``E`` (per row), ``sigma_prime`` (eq. (14)), ``row_weight`` (None for
        the plain mean), ``data_loss`` (before the L2 term) and ``delta`` (each
        row's share, as ``X.T`` multiplies it). None, the default, records
        nothing and costs nothing.

    Returns
    -------
    loss : float
        Mean of ``E`` over the rows (eq. (23)), plus the L2 term.
    grad : ndarray of the shape of ``W``
        Gradient of ``loss`` with respect to ``W`` (eq. (30), sign corrected).

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.backprop import sigmoid_sse_grad
    >>> X = np.array([[1.0, 2.0]])
    >>> loss, grad = sigmoid_sse_grad(X, np.array([1.0]), np.zeros(2))
    >>> float(loss)  # (1 - 0.5)^2 / 2
    0.125
    >>> grad  # -(1 - 0.5) * 0.5 * (1 - 0.5) * x
    array([-0.125, -0.25 ])
    """
    if check_input:
        _check_arguments(X, y, {"W": W}, sample_weight, weight_sum, fit_intercept)
    xp = xp_of(X, y, W, sample_weight)
    y_hat = _sigmoid(linear_forward(X, W, fit_intercept=fit_intercept))  # eq. (15)
    residual = y - y_hat
    row_weight = _row_weights(sample_weight, y_hat, weight_sum, xp)
    loss = 0.5 * _weighted_sum_of_squares(row_weight, residual, xp)  # eq. (23)
    # dE/dz = dE/dy_hat * sigma'(z): -(y - y_hat) times eq. (14) in terms of y_hat.
    delta = -residual * y_hat * (1 - y_hat)
    grad = _linear_backward(X, _weigh_rows(delta, row_weight), fit_intercept, xp)
    if _intermediates is not None:
        _intermediates.update(
            # z again (eq. (3)): _sigmoid overwrote it with y_hat.
            z=linear_forward(X, W, fit_intercept=fit_intercept),
            y_hat=y_hat,
            E=0.5 * _per_row(residual * residual, xp),  # of eq. (23), row by row
            sigma_prime=y_hat * (1 - y_hat),  # the factor of eq. (14) in delta
            row_weight=row_weight,
            data_loss=loss,
            delta=delta,
        )
    return _add_l2(loss, grad, W, alpha, fit_intercept, xp)


def logistic_ce_grad(
    X,
    y,
    W,
    *,
    fit_intercept=False,
    sample_weight=None,
    weight_sum=None,
    alpha=0.0,
    check_input=True,
    _intermediates=None,
):
    r"""Cross-entropy of a sigmoid unit (or a softmax) and its gradient (seed §2).

    Per sample, with :math:`\hat y = \sigma(xW)` (eq. (45)),

    .. math::

        E = -y \log \hat y - (1 - y) \log(1 - \hat y), \qquad
        \frac{\partial E}{\partial W_j} = -(y - \hat y)\,x_j .

    The sigmoid's derivative :math:`\hat y(1 - \hat y)` cancels against the
    derivative of the logarithms (eqs. (65)-(69)), so the delta is simply
    :math:`\hat y - y`. The logarithms are taken of the logits,
    :math:`-\log \hat y = \max(-z, 0) + \log(1 + e^{-|z|})` and
    :math:`-\log(1 - \hat y) = \max(z, 0) + \log(1 + e^{-|z|})`, which stay
    finite and accurate where :math:`\hat y` rounds to 0 or 1; the same
    :math:`\log(1 + e^{-|z|})` gives :math:`\hat y` itself, as
    :math:`\exp(\min(z, 0) - \log(1 + e^{-|z|}))`.

    With 2-D ``y`` (one-hot rows over ``k`` classes) and ``W``, the sigmoid
    becomes a softmax, :math:`E = -\sum_c y_c \log \hat y_c`, and the gradient
    keeps the same form, :math:`-(y - \hat y)^\top x`.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input rows ``x``.
    y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Targets in {0, 1}, or one-hot rows.
    W : ndarray of shape (n_features,) or (n_features, n_classes)
        Weights; with ``fit_intercept`` one more row, the intercept, at the end.
    fit_intercept : bool, default=False
        Whether the last row of ``W`` is an intercept.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows in the mean; ``None`` weighs every row equally.
    weight_sum : float, default=None
        With ``sample_weight``, what divides the weighted sum of the losses,
        ``sum_i s_i E_i / weight_sum``; None is ``sum_i s_i``, the weighted
        mean. A mini-batch passes its rows times the mean weight of all the
        rows, so that its gradient is an unbiased estimate of theirs.
    alpha : float, default=0.0
        Strength of the L2 term ``(alpha / 2) * ||W||^2`` (intercept excluded).
    check_input : bool, default=True
        Whether to check the arguments' shapes and values first, for a clear
        error; the estimators, which have validated their data, pass False.
    _intermediates : dict, default=None
        Private, for :func:`skbackprop.backprop_trace`: a dict that the
        function fills with what it computed for these rows: ``z``, ``y_hat``,
        ``E`` (per row), ``row_weight`` (None for the plain mean),
        ``data_loss`` (before the L2 term) and ``delta`` (each row's share, as
        ``X.T`` multiplies it); with one output also the factors that cancel,
        ``dE_dy_hat`` (eq. (57)) and ``sigma_prime`` (eq. (44)). None, the
        default, records nothing and costs nothing.

    Returns
    -------
    loss : float
        Mean of ``E`` over the rows (eq. (53)), plus the L2 term.
    grad : ndarray of the shape of ``W``
        Gradient of ``loss`` with respect to ``W`` (eq. (69)).

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.backprop import logistic_ce_grad
    >>> X = np.array([[1.0, 2.0]])
    >>> loss, grad = logistic_ce_grad(X, np.array([1.0]), np.zeros(2))
    >>> round(float(loss), 6)  # -log(0.5)
    0.693147
    >>> grad  # -(1 - 0.5) * x
    array([-0.5, -1. ])
    """
    if check_input:
        _check_arguments(X, y, {"W": W}, sample_weight, weight_sum, fit_intercept)
    xp = xp_of(X, y, W, sample_weight)
    z = linear_forward(X, W, fit_intercept=fit_intercept)  # eq. (33)
    row_weight = _row_weights(sample_weight, z, weight_sum, xp)
    if z.ndim == 1:
        # With e = exp(-|z|) <= 1, log(1 + e) is finite for any z, and so are
        # log sigma(z) = min(z, 0) - log(1 + e) and log(1 - sigma(z)) =
        # log sigma(-z) = min(-z, 0) - log(1 + e): the loss and the sigmoid share it.
        log1p_e = xp.log1p(xp.exp(-xp.abs(z)))
        # -y log sigma(z) - (1 - y) log sigma(-z) = max(z, 0) - y z + log(1 + e),
        # exact to rounding even where E is tiny (y = 1, z >> 0).
        E = xp.maximum(z, 0.0) - y * z + log1p_e  # eq. (53)
        y_hat = xp.exp(xp.minimum(z, 0.0) - log1p_e)  # exp(log sigma(z)), eq. (45)
    else:
        log_y_hat = log_softmax(z, axis=1)
        E = -y * log_y_hat
        y_hat = xp.exp(log_y_hat)
    loss = _weighted_sum(row_weight, E, xp)
    # Only for this matched pair (sigmoid or softmax output, cross-entropy loss)
    # is dE/dz simply y_hat - y: eq. (69).
    delta = y_hat - y
    grad = _linear_backward(X, _weigh_rows(delta, row_weight), fit_intercept, xp)
    if _intermediates is not None:
        _intermediates.update(
            z=z,
            y_hat=y_hat,
            E=_per_row(E, xp),
            row_weight=row_weight,
            data_loss=loss,
            delta=delta,
        )
        if z.ndim == 1:
            # The two factors of eq. (65) that cancel into y_hat - y, which the
            # lines above never need: dE/dy_hat (eq. (57)), infinite where
            # y_hat rounds to 0 or 1, and sigma'(z) (eq. (44)).
            with np.errstate(divide="ignore", invalid="ignore"):
                dE_dy_hat = -y / y_hat + (1 - y) / (1 - y_hat)
            _intermediates.update(dE_dy_hat=dE_dy_hat, sigma_prime=y_hat * (1 - y_hat))
    return _add_l2(loss, grad, W, alpha, fit_intercept, xp)


def tiny_mlp_grad(
    X,
    y,
    W1,
    W2,
    *,
    fit_intercept=False,
    sample_weight=None,
    weight_sum=None,
    alpha=0.0,
    check_input=True,
    _intermediates=None,
):
    r"""Squared error of a one-hidden-layer network and its gradients (seed §3).

    Per sample, with :math:`h = \sigma(xW^1)` (eq. (70)) and
    :math:`\hat y = hW^2` (eq. (72)),

    .. math::

        E &= \tfrac12 (y - \hat y)^2, \\
        \frac{\partial E}{\partial W^2_i} &= -(y - \hat y)\,h_i, \\
        \frac{\partial E}{\partial W^1_{ij}} &= -(y - \hat y)\,W^2_j\,h_j(1 - h_j)\,x_i.

    The output is linear, so its delta is the residual itself (eq. (76)); the
    hidden delta carries it back through :math:`W^2` and the sigmoid's derivative
    :math:`h(1 - h)` (eqs. (80)-(82)). With 2-D ``y`` and ``W2`` there is one
    linear output per column, and ``E`` sums their squared errors.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input rows ``x``.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    W1 : ndarray of shape (n_features, n_hidden)
        Input-to-hidden weights; with ``fit_intercept`` one more row at the end.
    W2 : ndarray of shape (n_hidden,) or (n_hidden, n_outputs)
        Hidden-to-output weights; with ``fit_intercept`` one more row at the end.
    fit_intercept : bool, default=False
        Whether the last row of each weight matrix is an intercept.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows in the mean; ``None`` weighs every row equally.
    weight_sum : float, default=None
        With ``sample_weight``, what divides the weighted sum of the losses,
        ``sum_i s_i E_i / weight_sum``; None is ``sum_i s_i``, the weighted
        mean. A mini-batch passes its rows times the mean weight of all the
        rows, so that its gradient is an unbiased estimate of theirs.
    alpha : float, default=0.0
        Strength of the L2 term ``(alpha / 2) * (||W1||^2 + ||W2||^2)``
        (intercepts excluded).
    check_input : bool, default=True
        Whether to check the arguments' shapes and values first, for a clear
        error; the estimators, which have validated their data, pass False.
    _intermediates : dict, default=None
        Private, for :func:`skbackprop.backprop_trace`: a dict that the
        function fills with what it computed for these rows: ``z1``, ``h``,
        ``y_hat``, ``E`` (per row), ``row_weight`` (None for the plain mean),
        ``data_loss`` (before the L2 term), the deltas ``delta2`` and
        ``delta1`` (each row's share, as the transposed inputs multiply them)
        and the two factors of ``delta1``, ``dE_dh`` and ``h_prime``. None,
        the default, records nothing and costs nothing.

    Returns
    -------
    loss : float
        Mean of ``E`` over the rows (eq. (74)), plus the L2 term.
    grads : tuple of (ndarray, ndarray)
        Gradients with respect to ``W1`` (eq. (83)) and ``W2`` (eq. (77)), each
        of the shape of its parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.backprop import tiny_mlp_grad
    >>> X, y = np.array([[1.0, 2.0]]), np.array([1.0])
    >>> loss, (g1, g2) = tiny_mlp_grad(X, y, np.zeros((2, 1)), np.ones(1))
    >>> float(loss)  # h = 0.5, y_hat = 0.5
    0.125
    >>> g2  # -(1 - 0.5) * h
    array([-0.25])
    >>> g1  # -(1 - 0.5) * W2 * h * (1 - h) * x
    array([[-0.125],
           [-0.25 ]])
    """
    if check_input:
        _check_arguments(
            X, y, {"W1": W1, "W2": W2}, sample_weight, weight_sum, fit_intercept
        )
    xp = xp_of(X, y, W1, W2, sample_weight)
    h, y_hat = tiny_mlp_forward(X, W1, W2, fit_intercept=fit_intercept)
    # The output is linear, so its delta is dE/dy_hat = -(y - y_hat), eq. (76).
    delta2 = y_hat - y
    row_weight = _row_weights(sample_weight, y_hat, weight_sum, xp)
    loss = 0.5 * _weighted_sum_of_squares(row_weight, delta2, xp)  # eq. (74)
    delta2 = _weigh_rows(delta2, row_weight)
    grad2 = _linear_backward(h, delta2, fit_intercept, xp)  # eq. (77)
    W2_out = W2[:-1, ...] if fit_intercept else W2
    # eqs. (80)-(82): back through W2, then through the sigmoid, eq. (14).
    delta1 = delta2[:, None] * W2_out if W2.ndim == 1 else delta2 @ W2_out.T
    delta1 *= h * (1 - h)
    grad1 = _linear_backward(X, delta1, fit_intercept, xp)  # eq. (83)
    if _intermediates is not None:
        residual = y - y_hat
        _intermediates.update(
            # z1 again (eq. (71)): _sigmoid overwrote it with h.
            z1=linear_forward(X, W1, fit_intercept=fit_intercept),
            h=h,
            y_hat=y_hat,
            E=0.5 * _per_row(residual * residual, xp),  # of eq. (74), row by row
            row_weight=row_weight,
            data_loss=loss,
            delta2=delta2,
            # The two factors of delta1, each as computed above, eqs. (81), (82).
            dE_dh=delta2[:, None] * W2_out if W2.ndim == 1 else delta2 @ W2_out.T,
            h_prime=h * (1 - h),
            delta1=delta1,
        )
    loss, grad1 = _add_l2(loss, grad1, W1, alpha, fit_intercept, xp)
    loss, grad2 = _add_l2(loss, grad2, W2, alpha, fit_intercept, xp)
    return loss, (grad1, grad2)


def _check_arguments(X, y, layers, sample_weight, weight_sum, fit_intercept):
    """Raise a clear error for arguments the functions cannot use.

    ``layers`` maps each weight matrix's name to it, input layer first: each
    has one row per input (plus the intercept's), and the last one as many
    columns as ``y``.
    """
    sparse = hasattr(X, "tocsr")
    xp = xp_of(X, y, sample_weight, *layers.values())
    # On numpy any array-like is welcome; array-API arrays are checked where
    # they live, by their namespace's own functions.
    asarray = np.asarray if xp is np else xp.asarray
    values = X.data if sparse else asarray(X)  # of a sparse matrix, its entries
    shape = tuple(X.shape if sparse else values.shape)
    if len(shape) != 2:
        raise ValueError(f"X must be 2-D, (n_samples, n_features); got shape {shape}.")
    n_samples, n_inputs = shape
    named = {"X": values, "y": asarray(y)}
    if sample_weight is not None:
        named["sample_weight"] = asarray(sample_weight)
    for name, array in named.items():
        if not _is_real(array, xp):
            raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}.")
        if not bool(xp.all(xp.isfinite(array))):
            raise ValueError(f"{name} contains NaN or infinity.")
    y = named["y"]
    if y.ndim not in (1, 2) or y.shape[0] != n_samples:
        raise ValueError(
            f"y must have shape ({n_samples},) or ({n_samples}, n_outputs) to match "
            f"X of shape {shape}; got shape {y.shape}."
        )
    if sample_weight is not None:
        if named["sample_weight"].shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape ({n_samples},); got shape "
                f"{named['sample_weight'].shape}."
            )
        weights = named["sample_weight"]
        if bool(xp.any(weights < 0)) or not float(xp.sum(weights)) > 0:
            raise ValueError("sample_weight must be non-negative with a positive sum.")
    if weight_sum is not None and not (np.isfinite(weight_sum) and weight_sum > 0):
        raise ValueError(f"weight_sum must be a positive number; got {weight_sum!r}.")
    intercept = " plus the intercept's" if fit_intercept else ""
    for index, (name, W) in enumerate(layers.items()):
        last = index == len(layers) - 1
        W = asarray(W)
        if (
            W.ndim not in ((1, 2) if last else (2,))
            or W.shape[0] != n_inputs + fit_intercept
        ):
            raise ValueError(
                f"{name} must have {n_inputs + fit_intercept} rows (one per input"
                f"{intercept}); got shape {W.shape}."
            )
        n_inputs = W.shape[1] if W.ndim == 2 else 1
    if W.shape[1:] != y.shape[1:]:
        raise ValueError(
            f"{name} of shape {W.shape} and y of shape {y.shape} disagree: both 1-D "
            f"or both with the same number of columns."
        )


def _is_real(array, xp):
    """Whether ``array`` holds booleans, integers or real floating numbers."""
    if xp is np:
        return array.dtype.kind in "biuf"
    return xp.isdtype(array.dtype, ("bool", "integral", "real floating"))


def _sigmoid(z):
    """sigma(z) = (1 + tanh(z / 2)) / 2, in place on ``z`` when it can be.

    The identity is exact, and numpy's vectorised tanh computes it in about
    half the time of :func:`scipy.special.expit` (12 against 6 microseconds on
    a 180 x 10 layer, and on 1.6 million values alike); like ``expit`` it never
    overflows. It rounds sigma(z) below about 1e-16 to 0, which no gradient
    here can tell from ``expit``'s tiny values. ``z`` is a pre-activation just
    computed by :func:`linear_forward`, held nowhere else, so overwriting it
    saves an array as large as the layer. Other namespaces compute the same
    identity with the array API's ``tanh``, a fresh array once.
    """
    if not isinstance(z, np.ndarray):
        xp = xp_of(z)
        z = xp.tanh(z * 0.5)
        z *= 0.5
        z += 0.5
        return z
    if z.dtype.kind != "f":  # an integer product: sigma needs a float array
        return expit(z)
    z *= 0.5
    np.tanh(z, out=z)
    z *= 0.5
    z += 0.5
    return z


def _row_weights(sample_weight, like, weight_sum=None, xp=np):
    """Weights that turn a sum over rows into the (weighted) mean.

    They take the dtype (and device) of ``like``, an array of the model's output.
    """
    if sample_weight is None:
        return None
    if xp is np:
        sample_weight = np.asarray(sample_weight, dtype=like.dtype)
        total = sample_weight.sum() if weight_sum is None else weight_sum
    else:
        sample_weight = xp.astype(sample_weight, like.dtype)
        total = xp.sum(sample_weight) if weight_sum is None else weight_sum
    return sample_weight / total


def _per_row(E, xp=np):
    """The loss of each row: ``E`` summed over its outputs, if it has several."""
    return E if E.ndim == 1 else _sum(E, xp, axis=1)


def _weighted_sum(row_weight, E, xp=np):
    """Mean of the per-row loss ``E`` (summed over its outputs), weighted if asked."""
    if row_weight is None:
        return float(_sum(E, xp)) / E.shape[0]
    if E.ndim == 2:
        E = _sum(E, xp, axis=1)
    return float(row_weight @ E)


def _weighted_sum_of_squares(row_weight, residual, xp=np):
    """``_weighted_sum(row_weight, residual ** 2)``; unweighted, one dot product."""
    if row_weight is None:
        if xp is np:
            return float(np.vdot(residual, residual)) / residual.shape[0]
        return float(xp.sum(residual * residual)) / residual.shape[0]
    return _weighted_sum(row_weight, residual * residual, xp)


def _weigh_rows(delta, row_weight):
    """Scale each row's delta by its share of the mean, in place.

    Every caller passes a delta it has just computed and holds nowhere else.
    """
    if row_weight is None:
        delta /= delta.shape[0]
    elif delta.ndim == 2:
        delta *= row_weight[:, None]
    else:
        delta *= row_weight
    return delta


def _linear_backward(X, delta, fit_intercept, xp=np):
    """Gradient of a linear layer ``z = xW`` given ``delta = dE/dz``: ``x^T delta``."""
    grad = X.T @ delta  # eq. (6): dz/dW_j = x_j
    if not fit_intercept:
        return grad
    # The intercept's input is the constant 1: its gradient is 1^T delta. Over
    # several columns a matrix-vector product sums faster than delta.sum(axis=0);
    # one column sums as a vector does, so that a y of shape (n, 1) trains
    # exactly as one of shape (n,).
    if delta.ndim == 1 or delta.shape[1] == 1:
        delta_sum = _sum(delta, xp, axis=0)
    elif xp is np:
        delta_sum = np.ones(delta.shape[0], dtype=delta.dtype) @ delta
    else:
        ones = xp.ones(delta.shape[0], dtype=delta.dtype, device=device_of(delta))
        delta_sum = ones @ delta
    if xp is np:
        return np.concatenate([grad, delta_sum[np.newaxis]])
    return xp.concat([grad, xp.expand_dims(delta_sum, axis=0)])


def _add_l2(loss, grad, W, alpha, fit_intercept, xp=np):
    """Add ``(alpha / 2) * ||W||^2`` and its gradient ``alpha * W`` (no intercept)."""
    if not alpha:
        return loss, grad
    coef = W[:-1, ...] if fit_intercept else W
    if xp is not np:
        loss += 0.5 * alpha * float(xp.sum(coef * coef))
        if fit_intercept:  # no views to update in place in the array API
            return loss, xp.concat([grad[:-1, ...] + alpha * coef, grad[-1:, ...]])
        return loss, grad + alpha * coef
    loss += 0.5 * alpha * float(np.vdot(coef, coef))
    grad_coef = grad[:-1] if fit_intercept else grad
    grad_coef += alpha * coef  # a view: updates grad in place
    return loss, grad


def _sum(array, xp, axis=None):
    """``xp.sum``; on numpy the method, which skips the function's dispatch."""
    return array.sum(axis=axis) if xp is np else xp.sum(array, axis=axis)
