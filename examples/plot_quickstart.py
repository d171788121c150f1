"""
Quickstart: a pipeline
======================

Each estimator of skbackprop is an ordinary scikit-learn estimator, so the
usual recipe applies: scale the features, fit, score on held-out rows. Here
:class:`~skbackprop.LogisticCEClassifier` (seed §2, cross-entropy) learns the
breast cancer data set that ships with scikit-learn.
"""

# %%
# Scale, then fit
# ---------------
# Gradient descent takes one step size for every weight, so features on very
# different scales (this data set's run from 0.001 to 4000) make it crawl or
# diverge. :class:`~sklearn.preprocessing.StandardScaler` in front fixes that.
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticCEClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

model = make_pipeline(StandardScaler(), LogisticCEClassifier())
model.fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# What was learned
# ----------------
# The fitted classifier is the last step of the pipeline. ``coef_`` is the
# seed's :math:`W` (one row for two classes), ``predict_proba`` is
# :math:`\hat y = \sigma(xW + b)`, and ``loss_curve_`` holds the mean
# cross-entropy (plus the small L2 term) after each epoch.
clf = model[-1]
print(f"coef_ {clf.coef_.shape}, intercept_ {clf.intercept_}, n_iter_ {clf.n_iter_}")
print("P(benign) of the first test rows:", model.predict_proba(X_test[:3])[:, 1])

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(clf.loss_curve_)
ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
ax.set_title("LogisticCEClassifier, solver='gd'")
fig.tight_layout()

# %%
# Cross-validation
# ----------------
# The default solver, full-batch gradient descent, is deterministic, so the
# scores below change only with the folds.
scores = cross_validate(model, X, y, cv=5)
accuracy = scores["test_score"]
print(f"5-fold accuracy: {accuracy.mean():.3f} ± {accuracy.std():.3f}")
