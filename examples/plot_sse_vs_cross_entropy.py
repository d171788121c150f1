r"""
Squared error or cross-entropy on a sigmoid
===========================================

Both losses of the seed train the same model, :math:`\hat y = \sigma(xW)`.
Their gradients differ by one factor: squared error keeps the sigmoid's
derivative,

.. math::

    \frac{\partial E_{\mathrm{SSE}}}{\partial W_j}
    = -(y - \hat y)\,\hat y(1 - \hat y)\,x_j \qquad \text{(eq. (30))},

while in cross-entropy that factor cancels against the derivative of the
logarithm,

.. math::

    \frac{\partial E_{\mathrm{CE}}}{\partial W_j} = -(y - \hat y)\,x_j
    \qquad \text{(eq. (69))}.

Where the sigmoid saturates, :math:`\hat y(1 - \hat y) \approx 0`: a row that is
confidently *wrong* then gives squared error almost no gradient, and it learns
slowly. This example shows that twice: the deltas :math:`\partial E / \partial
z` as functions of :math:`z`, and training from a saturated, wrong start.
"""

# %%
# The deltas
# ----------
# For a row with :math:`y = 1`, the delta of each loss as a function of the
# pre-activation :math:`z = xW`. A large negative :math:`z` is a confident
# mistake: cross-entropy pushes with its full weight, squared error hardly.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit

from skbackprop.backprop import logistic_ce_grad, sigmoid_sse_grad

z = np.linspace(-8, 8, 401)
y_hat = expit(z)
delta_sse = -(1 - y_hat) * y_hat * (1 - y_hat)  # eq. (30) without x_j
delta_ce = -(1 - y_hat)  # eq. (69) without x_j

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(z, delta_ce, label=r"cross-entropy: $\hat y - y$")
ax.plot(z, delta_sse, label=r"squared error: $-(y - \hat y)\,\hat y(1 - \hat y)$")
ax.axhline(0, color="gray", lw=0.5)
ax.set(xlabel=r"$z = xW$", ylabel=r"$\partial E / \partial z$ for $y = 1$")
ax.legend()
fig.tight_layout()

# %%
# Training from a saturated start
# -------------------------------
# One feature, labels that follow its sign, and a start :math:`W = -6` that
# gets nearly every row confidently wrong. Both losses then take the seed's
# update, :math:`W \leftarrow W - \eta \nabla E` with :math:`\eta = 1`, with
# the gradient functions of :mod:`skbackprop.backprop` (the same ones the
# estimators train with).
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 1))
y = (X[:, 0] + 0.3 * rng.normal(size=200) > 0).astype(float)


def train(grad_function, n_steps=300, learning_rate=1.0):
    """Plain gradient descent from W = -6; accuracy and W after each step."""
    W = np.array([-6.0, 0.0])  # weight, then intercept
    accuracy, weight = [], []
    for _ in range(n_steps):
        _, grad = grad_function(X, y, W, fit_intercept=True)
        W -= learning_rate * grad
        accuracy.append(np.mean((X[:, 0] * W[0] + W[1] > 0) == y))
        weight.append(W[0])
    return accuracy, weight


fig, (ax_acc, ax_w) = plt.subplots(1, 2, figsize=(9, 3.5))
for name, function in [
    ("cross-entropy", logistic_ce_grad),
    ("squared error", sigmoid_sse_grad),
]:
    accuracy, weight = train(function)
    print(f"{name}: W_1 turns positive at step {np.argmax(np.array(weight) > 0) + 1}")
    ax_acc.plot(accuracy, label=name)
    ax_w.plot(weight, label=name)
ax_acc.set(xlabel="step", ylabel="training accuracy")
ax_w.set(xlabel="step", ylabel="weight $W_1$")
ax_w.axhline(0, color="gray", lw=0.5)
ax_acc.legend()
fig.tight_layout()

# %%
# Cross-entropy crosses :math:`W_1 = 0` within ten steps. Squared error spends
# more than two hundred steps on the plateau where the misclassified rows sit
# in the flat tail of the sigmoid; once they leave it, both reach the same
# accuracy. This is why :class:`~skbackprop.LogisticCEClassifier` is the
# usual choice, and why :class:`~skbackprop.SigmoidSSEClassifier` prefers
# larger learning rates (see the learning-rate example).
