"""
Plotting loss curves with LossCurveDisplay
==========================================

Every fit records its training objective per epoch in ``loss_curve_``, and,
with ``early_stopping=True``, the objective and the score of the held-out rows
in ``validation_loss_curve_`` and ``validation_scores_``.
:class:`~skbackprop.LossCurveDisplay` draws them in one figure, in the manner
of scikit-learn's displays: :meth:`~skbackprop.LossCurveDisplay.from_estimator`
takes a fitted estimator, or a pipeline whose last step is one, and the display
keeps the matplotlib objects it drew (``ax_``, ``ax_score_``, ``figure_``,
``lines_``) for further styling.
"""

# %%
# One fit with early stopping
# ---------------------------
# Few rows and many noisy features: the training loss keeps falling while the
# validation loss turns up. The validation accuracy, on the axis at the right,
# is what early stopping watches.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes, make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticCEClassifier, LossCurveDisplay, TinyMLPRegressor

X, y = make_classification(
    n_samples=200, n_features=100, n_informative=5, random_state=0
)
clf = LogisticCEClassifier(
    alpha=0.0,
    early_stopping=True,
    validation_fraction=0.3,
    n_iter_no_change=50,
    max_iter=2000,
    random_state=0,
)
model = make_pipeline(StandardScaler(), clf).fit(X, y)

display = LossCurveDisplay.from_estimator(model)
display.ax_.set_yscale("log")
display.figure_.tight_layout()

# %%
# Several fits on one axes
# ------------------------
# Passing ``ax`` draws on existing axes; ``loss_kw`` styles the line. Here the
# solvers of :class:`~skbackprop.TinyMLPRegressor`, without early stopping, so
# only the training losses.
X, y = load_diabetes(return_X_y=True)
fig, ax = plt.subplots()
for i, solver in enumerate(["gd", "sgd", "adam"]):
    reg = TinyMLPRegressor(
        solver=solver, max_iter=200, early_stopping=False, random_state=0
    )
    reg = make_pipeline(StandardScaler(), reg).fit(X, y)
    LossCurveDisplay.from_estimator(
        reg,
        ax=ax,
        name="TinyMLPRegressor on the diabetes data",
        loss_kw={"label": solver, "color": f"C{i}"},
    )
ax.set_ylabel("loss (standardised targets)")
fig.tight_layout()

# %%
# The display without an estimator
# --------------------------------
# The curves can come from anywhere. Trained chunk by chunk with
# ``partial_fit``, a model records one loss per call, that of the chunk it was
# given: chunks differ, so the curve repeats a saw-tooth with every pass. The
# mean over the chunks of each pass is the loss of an epoch.
reg = TinyMLPRegressor(solver="adam", random_state=0)
X_scaled = StandardScaler().fit_transform(X)
n_passes, chunks = 30, np.array_split(np.arange(X.shape[0]), 5)
for _ in range(n_passes):
    for rows in chunks:
        reg.partial_fit(X_scaled[rows], y[rows])
per_epoch = np.reshape(reg.loss_curve_, (n_passes, len(chunks))).mean(axis=1)

display = LossCurveDisplay(
    loss_curve=per_epoch, estimator_name="partial_fit over 5 chunks, 30 passes"
)
display.plot()
plt.show()
