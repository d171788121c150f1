r"""
Checking the gradients with finite differences
==============================================

:func:`skbackprop.gradcheck.gradcheck` compares the analytic gradient of a
function of :mod:`skbackprop.backprop` with central finite differences,

.. math::

    \frac{\partial L}{\partial \theta} \approx
    \frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2\varepsilon},

and returns the worst relative error over the parameter arrays. A correct
gradient gives an error near :math:`10^{-9}`; a wrong one gives an error of
order 1. This is how the derivations are proved in the tests.
"""

# %%
# All three gradients, with every option
# --------------------------------------
# Random data, random parameters, an intercept, sample weights and the L2 term:
# each backprop function agrees with the finite differences.
import matplotlib.pyplot as plt
import numpy as np

from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad, tiny_mlp_grad
from skbackprop.gradcheck import gradcheck

rng = np.random.default_rng(0)
n, d, m, k = 20, 4, 3, 3
X = rng.normal(size=(n, d))
options = dict(fit_intercept=True, sample_weight=rng.uniform(size=n), alpha=0.1)

binary = rng.integers(0, 2, size=n).astype(float)
one_hot = np.eye(k)[rng.integers(0, k, size=n)]
checks = {
    "sigmoid_sse_grad, eq. (30)": (sigmoid_sse_grad, binary, [(d + 1,)]),
    "logistic_ce_grad, eq. (69)": (logistic_ce_grad, binary, [(d + 1,)]),
    "logistic_ce_grad, softmax": (logistic_ce_grad, one_hot, [(d + 1, k)]),
    "tiny_mlp_grad, eqs. (77), (83)": (
        tiny_mlp_grad,
        rng.normal(size=n),
        [(d + 1, m), (m + 1,)],
    ),
}
for name, (function, y, shapes) in checks.items():
    params = [rng.normal(size=shape) for shape in shapes]
    print(f"{name:32s} {gradcheck(function, X, y, *params, **options):.1e}")

# %%
# The seed's sign slip, caught
# ----------------------------
# Eqs. (26)-(30) of the seed drop the minus sign of
# :math:`\partial (y - \hat y) / \partial \hat y = -1`. A gradient written as
# the seed prints it is the correct one negated, and the check reports a
# relative error of exactly 2: :math:`\lVert g - (-g)\rVert / \lVert g\rVert`.


def seed_as_printed(X, y, W):
    """Eq. (30) as printed: (y - y_hat) y_hat (1 - y_hat) x, without the minus."""
    loss, grad = sigmoid_sse_grad(X, y, W)
    return loss, -grad


W = rng.normal(size=d)
print(f"seed's eq. (30) as printed: {gradcheck(seed_as_printed, X, binary, W):.3f}")

# %%
# Choosing the step
# -----------------
# The central difference has a truncation error of order
# :math:`\varepsilon^2` and a rounding error of order
# :math:`\epsilon_{\text{machine}} / \varepsilon`. Their sum is smallest near
# :math:`\varepsilon \approx 10^{-5}`, which is why the default is
# ``eps=1e-6``, and why a float64 check cannot go much below :math:`10^{-10}`.
steps = np.logspace(-12, -1, 23)
params = [rng.normal(size=(d, m)), rng.normal(size=m)]
y = rng.normal(size=n)
errors = [gradcheck(tiny_mlp_grad, X, y, *params, eps=eps) for eps in steps]

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(steps, errors, "o-")
ax.set(xlabel=r"step $\varepsilon$", ylabel="relative error of tiny_mlp_grad")
fig.tight_layout()
