r"""
Backprop by hand on one row
===========================

:func:`skbackprop.backprop_trace` works the seed's derivation on rows you
choose: every quantity, from the pre-activation :math:`z` to each gradient,
with its equation number and its value. Its numbers are those of the code that
trains the estimators, read from it as it runs.

Here each of the three models is fitted as the seed has it (no intercept, no
penalty), one row is traced, and one entry of its gradient is worked out again
by hand, in a few lines of numpy. Download this page as a notebook (below) to
hand it out: each trace renders there as it does here.
"""

# %%
# Squared error on a sigmoid (seed §1)
# ------------------------------------
# The classifier encodes its two labels as 0 and 1 (``classes_[1]`` is 1), and
# the trace of one row is the seed's per-sample derivation, eqs. (3) to (30).
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
    backprop_trace,
)

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X[:, :4])

sse = SigmoidSSEClassifier(fit_intercept=False, alpha=0.0).fit(X, y)
# The row the model is least sure of, whose numbers are not near 0 or 1.
row = int(np.argmin(np.abs(sse.decision_function(X))))
trace = backprop_trace(sse, X[[row]], y[[row]])
trace  # noqa: B018 (sphinx-gallery shows its HTML, as a notebook does)

# %%
# By hand, the gradient of the first weight, eq. (30) with its minus sign:
# :math:`\partial E / \partial W_1 = -(y - \hat y)\,\hat y(1 - \hat y)\,x_1`.
x, W = X[row], sse.coef_[0]
target = float(y[row] == sse.classes_[1])
y_hat = 1 / (1 + np.exp(-x @ W))
by_hand = -(target - y_hat) * y_hat * (1 - y_hat) * x[0]
print(f"by hand {by_hand:.12f}\ntraced  {trace.gradients[0][0]:.12f}")

# %%
# Cross-entropy on a sigmoid (seed §2)
# ------------------------------------
# The same row, the same model, another loss. The trace shows the two factors
# of eq. (65), :math:`\partial E / \partial \hat y` (57) and
# :math:`\sigma'(z)` (44), whose product the code never forms: they cancel to
# :math:`\hat y - y` (68).
ce = LogisticCEClassifier(fit_intercept=False, alpha=0.0).fit(X, y)
trace = backprop_trace(ce, X[[row]], y[[row]])
trace  # noqa: B018 (sphinx-gallery shows its HTML, as a notebook does)

# %%
# By hand, eq. (69): :math:`\partial E / \partial W_1 = -(y - \hat y)\,x_1`.
y_hat = 1 / (1 + np.exp(-x @ ce.coef_[0]))
by_hand = -(target - y_hat) * x[0]
print(f"by hand {by_hand:.12f}\ntraced  {trace.gradients[0][0]:.12f}")

# %%
# A network with one hidden layer (seed §3)
# -----------------------------------------
# The network learns standardised targets, :math:`(y - \bar y) / s`, and its
# trace is in those units: ``trace.targets`` and ``trace.params`` are what its
# loss saw. Printed, a trace is a table for a terminal.
X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X[:, :3])

mlp = TinyMLPRegressor(n_hidden=3, fit_intercept=False, alpha=0.0, random_state=0)
mlp.fit(X, y)
trace = backprop_trace(mlp, X[:1], y[:1])
print(trace)

# %%
# By hand, eq. (83) for the weight from input 1 to hidden unit 1:
# :math:`\partial E / \partial W^1_{11} = -(y - \hat y)\,W^2_1\,h_1(1 - h_1)\,x_1`.
x, target = X[0], trace.targets[0]
W1, W2 = trace.params
h = 1 / (1 + np.exp(-x @ W1))  # eq. (70)
y_hat = h @ W2  # eq. (72)
by_hand = -(target - y_hat) * W2[0] * h[0] * (1 - h[0]) * x[0]
print(f"by hand {by_hand:.12f}\ntraced  {trace.gradients[0][0, 0]:.12f}")

# %%
# Each trace also checks itself: its gradients against central finite
# differences of its loss (:func:`skbackprop.gradcheck.gradcheck`).
print(f"finite-difference error: {trace.finite_difference_error:.1e}")
