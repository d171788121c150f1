"""
Decision boundaries of the two classifiers
==========================================

Both classifiers are linear: their boundaries are straight lines. They differ
in the loss they minimise and, for more than two classes, in how the classes
compete.

* :class:`~skbackprop.SigmoidSSEClassifier` (seed §1) gives each class its own
  sigmoid, trained on squared error against one-hot targets;
  ``predict_proba`` normalises the sigmoids to sum to one.
* :class:`~skbackprop.LogisticCEClassifier` (seed §2) uses one sigmoid for two
  classes and a softmax for more (multinomial logistic regression).

The shading is the predicted probability: of the second class for two
classes, of the most probable class for three.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import make_blobs
from sklearn.inspection import DecisionBoundaryDisplay

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier

datasets = {
    "two classes": make_blobs(
        n_samples=200, centers=2, cluster_std=2.0, random_state=0
    ),
    "three classes": make_blobs(
        n_samples=300, centers=3, cluster_std=1.5, random_state=1
    ),
}
classifiers = [SigmoidSSEClassifier(), LogisticCEClassifier()]
COLORS = ["tab:blue", "tab:orange", "tab:green"]

fig, axes = plt.subplots(2, 2, figsize=(8, 7), sharex="row", sharey="row")
for row, (data_name, (X, y)) in zip(axes, datasets.items()):
    for ax, clf in zip(row, classifiers):
        clf.fit(X, y)
        if len(clf.classes_) == 2:
            shading = {"cmap": "RdBu"}
            points = plt.get_cmap("RdBu")(y.astype(float))
        else:
            shading = {"multiclass_colors": COLORS}
            points = [COLORS[label] for label in y]
        DecisionBoundaryDisplay.from_estimator(
            clf, X, response_method="predict_proba", alpha=0.5, ax=ax, **shading
        )
        ax.scatter(X[:, 0], X[:, 1], c=points, edgecolors="k", s=15)
        ax.set_title(
            f"{type(clf).__name__}, {data_name}\n"
            f"accuracy {clf.score(X, y):.2f} after {clf.n_iter_} epochs",
            fontsize="small",
        )
fig.tight_layout()

# %%
# On these well-separated blobs both losses find nearly the same boundaries.
# Where they differ is how fast they get there (squared error needs more
# epochs: its gradient carries the factor :math:`\hat y(1 - \hat y) \le 1/4`)
# and how they treat confidently misclassified points, which squared error
# all but ignores (see the example comparing the two losses).
