r"""
A tiny network fits a curve
===========================

:class:`~skbackprop.TinyMLPRegressor` is the network of seed §3: a hidden
layer of sigmoids, :math:`h = \sigma(xW^1)` (eq. (70)), and a linear output,
:math:`\hat y = hW^2` (eq. (72)), both with intercepts. Its prediction is a
weighted sum of :math:`m` shifted, stretched sigmoids. Here six of them fit a
wiggly curve in one dimension, and we draw each hidden unit's activation.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit

from skbackprop import TinyMLPRegressor

rng = np.random.default_rng(0)
x = np.sort(rng.uniform(-3, 3, size=200))
y = np.sin(2 * x) + 0.5 * x + 0.1 * rng.normal(size=x.size)
X = x[:, np.newaxis]

# A smooth curve with little noise needs little L2 penalty; L-BFGS solves this
# small problem accurately.
model = TinyMLPRegressor(n_hidden=6, alpha=1e-4, solver="lbfgs", random_state=0)
model.fit(X, y)
print(f"R^2 = {model.score(X, y):.3f} after {model.n_iter_} L-BFGS iterations")

# %%
# The hidden units
# ----------------
# ``coefs_ = [W1, W2]`` and ``intercepts_`` are the fitted weights, so the
# forward pass can be redone by hand: each hidden activation
# :math:`h_k = \sigma(x W^1_k + b^1_k)` is a step, located at
# :math:`-b^1_k / W^1_k` and as steep as :math:`|W^1_k|`. The output adds them up
# with the weights :math:`W^2_k`. (The model learns on standardised targets;
# ``coefs_`` and ``intercepts_`` already fold that scaling back in, so this sum
# is the prediction in the units of ``y``.)
grid = np.linspace(-3.5, 3.5, 300)
(W1, W2), (b1, b2) = model.coefs_, model.intercepts_
hidden = expit(grid[:, np.newaxis] @ W1 + b1)  # eq. (70), shape (300, 6)
output = hidden @ W2 + b2  # eq. (72)
assert np.allclose(output, model.predict(grid[:, np.newaxis]))

fig, (ax_fit, ax_h, ax_c) = plt.subplots(3, 1, figsize=(6, 8), sharex=True)
ax_fit.scatter(x, y, s=6, color="gray", label="data")
ax_fit.plot(grid, output, color="k", label="prediction")
ax_fit.legend()
ax_fit.set(ylabel="y", title=f"TinyMLPRegressor(n_hidden={model.n_hidden})")

ax_h.plot(grid, hidden)
ax_h.set(ylabel=r"activation $h_k$")

ax_c.plot(grid, hidden * W2)
ax_c.axhline(b2, color="k", ls="--", lw=1, label="output intercept")
ax_c.legend()
ax_c.set(xlabel="x", ylabel=r"contribution $W^2_k h_k$")
fig.tight_layout()

# %%
# Each bend of the curve is made by units whose steps sit there. Beyond the
# data every unit saturates at 0 or 1, so the prediction flattens out: a network
# of sigmoids extrapolates with constants, not with the trend of the data.
