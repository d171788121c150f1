"""Check an analytic gradient against central finite differences."""

import numpy as np

__all__ = ["gradcheck"]


def gradcheck(func, X, y, *params, eps=1e-6, **kwargs):
    r"""Worst relative error between ``func``'s gradient and finite differences.

    Each parameter entry :math:`\theta` is moved by :math:`\pm\varepsilon` and the
    loss difference gives the central estimate

    .. math::

        \frac{\partial L}{\partial\theta} \approx
        \frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2\varepsilon},

    whose error is :math:`O(\varepsilon^2)`. For each parameter array the error
    is :math:`\lVert g - \hat g\rVert / \max(\lVert g\rVert, \lVert\hat g\rVert)`
    for the analytic gradient :math:`g` and the estimate :math:`\hat g`, and the
    worst over the arrays is returned (0 where both are zero).

    Parameters
    ----------
    func : callable
        ``func(X, y, *params, **kwargs) -> (loss, grad)``, with ``grad`` one array
        for one parameter or a tuple of arrays for several, as the functions of
        :mod:`skbackprop.backprop` return them.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input rows.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    *params : ndarray
        The parameters at which to check; they are not modified.
    eps : float, default=1e-6
        Step of the finite differences.
    **kwargs : dict
        Passed on to ``func`` (``fit_intercept``, ``sample_weight``, ``alpha``).

    Returns
    -------
    error : float
        The worst relative error over the parameter arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.backprop import logistic_ce_grad
    >>> from skbackprop.gradcheck import gradcheck
    >>> rng = np.random.default_rng(0)
    >>> X, y, W = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1.0]), np.ones(3)
    >>> gradcheck(logistic_ce_grad, X, y, W) < 1e-7
    True
    """
    params = [np.array(p, dtype=np.float64) for p in params]
    _, grads = func(X, y, *params, **kwargs)
    grads = [grads] if len(params) == 1 else list(grads)

    def loss_at(index, flat_index, step):
        moved = [p.copy() for p in params]
        moved[index].flat[flat_index] += step
        return func(X, y, *moved, **kwargs)[0]

    worst = 0.0
    for index, (param, grad) in enumerate(zip(params, grads)):
        numeric = np.array(
            [
                (loss_at(index, j, eps) - loss_at(index, j, -eps)) / (2 * eps)
                for j in range(param.size)
            ]
        ).reshape(param.shape)
        scale = max(np.linalg.norm(grad), np.linalg.norm(numeric))
        if scale > 0:
            worst = max(worst, float(np.linalg.norm(grad - numeric) / scale))
    return worst
