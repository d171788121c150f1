"""
Early stopping: loss and validation curves
==========================================

With ``early_stopping=True`` an estimator holds out ``validation_fraction`` of
the training rows (stratified for classifiers), scores them after every epoch,
stops once the score has not improved by ``tol`` for ``n_iter_no_change``
epochs, and keeps the weights of the best epoch. The fit records:

* ``loss_curve_``: the training objective per epoch;
* ``validation_loss_curve_``: the same objective on the held-out rows;
* ``validation_scores_``: the held-out accuracy (classifiers) or R²
  (regressors) per epoch;
* ``best_validation_score_``: the score whose weights were kept.

Few rows and many noisy features make overfitting easy to see.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

from skbackprop import LogisticCEClassifier

X, y = make_classification(
    n_samples=200, n_features=100, n_informative=5, random_state=0
)
clf = LogisticCEClassifier(
    alpha=0.0,  # no penalty: nothing but early stopping stands against overfitting
    early_stopping=True,
    validation_fraction=0.3,
    n_iter_no_change=50,
    max_iter=2000,
    random_state=0,
)
clf.fit(X, y)

best = int(np.argmax(clf.validation_scores_))
print(
    f"stopped after {clf.n_iter_} epochs; kept epoch {best + 1}, "
    f"validation accuracy {clf.best_validation_score_:.3f}"
)

# %%
# The training loss keeps falling while the validation loss turns up after a
# few epochs: from there on the model learns the noise of the training rows.
# The fit went on for ``n_iter_no_change`` more epochs to be sure, then put
# back the weights of the best epoch.
epochs = np.arange(1, clf.n_iter_ + 1)
fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(9, 3.5), sharex=True)
ax_loss.plot(epochs, clf.loss_curve_, label="training (loss_curve_)")
ax_loss.plot(epochs, clf.validation_loss_curve_, label="validation_loss_curve_")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
ax_loss.legend()
ax_score.plot(epochs, clf.validation_scores_, color="C1")
ax_score.set(xlabel="epoch", ylabel="validation_scores_ (accuracy)")
for ax in (ax_loss, ax_score):
    ax.axvline(best + 1, color="gray", ls="--", lw=1)
fig.tight_layout()
