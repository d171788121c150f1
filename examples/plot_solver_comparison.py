"""
Comparing the solvers
=====================

Every estimator takes the same four solvers, all fed the same analytic
gradient:

* ``"gd"``: full-batch gradient descent with Nesterov's momentum that never
  keeps a step up the loss (it backtracks from ``learning_rate``, its largest
  step); deterministic, and with ``learning_rate_schedule="constant",
  momentum=0`` the seed's own update;
* ``"sgd"``: the same rule on shuffled mini-batches of ``batch_size`` rows;
* ``"adam"``: Adam on mini-batches;
* ``"lbfgs"``: limited-memory BFGS, a quasi-Newton method on the full batch
  that backtracks from ``learning_rate`` times its quasi-Newton step;
  deterministic, every estimator's default.

Here each trains :class:`~skbackprop.LogisticCEClassifier` (softmax
cross-entropy, ten classes) on the digits data set.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticCEClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# Adam's steps are normalised per weight, so it wants a smaller rate.
solvers = {
    "gd": LogisticCEClassifier(solver="gd"),
    "sgd": LogisticCEClassifier(solver="sgd", learning_rate=0.1, random_state=0),
    "adam": LogisticCEClassifier(solver="adam", learning_rate=0.01, random_state=0),
    "lbfgs": LogisticCEClassifier(solver="lbfgs"),
}
print(f"{'solver':6s} {'n_iter_':>7s} {'loss':>7s} {'test acc':>8s} {'time':>7s}")
for name, clf in solvers.items():
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(
        f"{name:6s} {clf.n_iter_:7d} {clf.loss_curve_[-1]:7.4f} "
        f"{clf.score(X_test, y_test):8.3f} {seconds:6.2f}s"
    )

# %%
# The loss curves
# ---------------
# One point per epoch: for ``"sgd"`` and ``"adam"``, the mean loss of the
# epoch's mini-batches; for ``"gd"`` and ``"lbfgs"``, one full-batch step
# tried, at the loss of the point kept.
fig, ax = plt.subplots(figsize=(6, 4))
for name, clf in solvers.items():
    epochs = range(1, len(clf.loss_curve_) + 1)
    ax.plot(epochs, clf.loss_curve_, label=f"{name} ({clf.n_iter_} epochs)")
ax.set(xlabel="epoch", ylabel="training loss")
ax.set(xscale="log", yscale="log")
ax.legend()
fig.tight_layout()

# %%
# Mini-batches take several steps per epoch, so ``"sgd"`` and ``"adam"`` need
# fewer epochs than ``"gd"``; L-BFGS uses curvature and needs the fewest
# epochs. On data this small all reach the same accuracy; which is
# fastest depends on the data. ``"gd"`` and ``"lbfgs"`` are deterministic,
# and only the mini-batch solvers (not L-BFGS) can learn with ``partial_fit``.
