r"""
Tuning the learning rate with GridSearchCV
==========================================

The learning rate :math:`\eta` of the update :math:`W \leftarrow W - \eta
\nabla E` is an ordinary hyperparameter, so
:class:`~sklearn.model_selection.GridSearchCV` can choose it. This example
searches a grid of rates for both linear classifiers at once, with the plain
gradient descent of the seed (a constant step, ``momentum=0``), and plots the
validation curve. (The default ``"gd"`` backtracks from ``learning_rate``, its
largest step, so it reaches the optimum from any rate large enough: the seed's
rule shows better what the rate itself does.)
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier

X, y = load_breast_cancer(return_X_y=True)
pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticCEClassifier())])

learning_rates = np.logspace(-4, 2, 7)
classifiers = [
    SigmoidSSEClassifier(learning_rate_schedule="constant", momentum=0.0, max_iter=200),
    LogisticCEClassifier(learning_rate_schedule="constant", momentum=0.0, max_iter=200),
]
grid = {"clf": classifiers, "clf__learning_rate": learning_rates}
search = GridSearchCV(pipe, grid, cv=5, return_train_score=True)

# The smallest rates do not converge in 200 epochs and say so with a
# ConvergenceWarning; that slowness is what the curve below shows.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)

best = search.best_params_
print(
    f"best: {type(best['clf']).__name__}, learning_rate={best['clf__learning_rate']:g}"
    f", accuracy {search.best_score_:.3f}"
)

# %%
# The validation curve
# --------------------
# Too small a rate underfits in the epochs it is given; too large a rate
# overshoots. Squared error (eq. (30)) has the extra factor
# :math:`\hat y(1 - \hat y) \le 1/4` in its gradient, so it wants larger rates
# than cross-entropy (eq. (69)) for the same progress.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for clf, color in zip(classifiers, ["C0", "C1"]):
    name = type(clf).__name__
    rows = np.array([type(c) is type(clf) for c in results["param_clf"]])
    test, std = results["mean_test_score"][rows], results["std_test_score"][rows]
    ax.semilogx(learning_rates, test, color=color, label=f"{name}, validation")
    ax.fill_between(learning_rates, test - std, test + std, color=color, alpha=0.2)
    train = results["mean_train_score"][rows]
    ax.semilogx(learning_rates, train, ":", color=color, label=f"{name}, training")
ax.set(xlabel="learning_rate", ylabel="accuracy (5-fold)")
ax.legend(fontsize="small")
fig.tight_layout()
