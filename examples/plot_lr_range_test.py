r"""
Choosing the learning rate with a range test
============================================

Which rates should a :class:`~sklearn.model_selection.GridSearchCV` try?
The learning rate range test (Smith, 2017; fastai's ``lr_find``) answers in
about the time of one fit: it trains once with the rate raised epoch by epoch
and watches the loss fall, then blow up. :func:`~skbackprop.lr_range_test`
suggests the rate where the loss falls fastest, and a grid around it that
goes straight into the search. This example runs the test on the network,
searches its grid, and checks the result against a validation curve over a
range of rates. It runs in a few seconds.
"""

# %%
# The range test
# --------------
# On Friedman's first function, with the network's defaults (L-BFGS, whose
# ``learning_rate`` scales its quasi-Newton step, and ``alpha="auto"``) after a
# scaler. The test takes L-BFGS's steps without their backtracking, so that
# the loss can blow up. The display runs the test and draws it: the loss of
# each epoch against its rate, the suggestion, and the grid's rates.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    LearningRateRangeDisplay,
    TinyMLPRegressor,
    fastest_within_one_standard_error,
)

X, y = make_friedman1(n_samples=300, noise=0.5, random_state=0)
model = make_pipeline(StandardScaler(), TinyMLPRegressor(random_state=0))

display = LearningRateRangeDisplay.from_estimator(model, X, y)
result = display.result_
print(f"suggested learning_rate: {result.suggested_learning_rate:.3g}")

# %%
# The suggested grid, searched
# ----------------------------
# ``suggested_grid(5)`` is five rates half a decade apart, centred on the
# suggestion (moved down if its top would pass the largest rate before the
# loss diverged), under the Pipeline's name for the parameter. Of the rates
# within one standard error of the best score, the search keeps the one that
# fits fastest.
grid = result.suggested_grid(5)
print(grid)

folds = KFold(3, shuffle=True, random_state=0)
search = GridSearchCV(model, grid, cv=folds, refit=fastest_within_one_standard_error)
# Rates far from the best leave some fits short of converging, and they say so
# with a ConvergenceWarning: that is what the search is there to see.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
best_rate = search.best_params_[result.param_name]
best_score = search.cv_results_["mean_test_score"][search.best_index_]
print(f"chosen from the grid: {best_rate:.3g}, R² {best_score:.3f}")

# %%
# The validation curve
# --------------------
# A wider range, 7 rates from 1e-4 to 1e2, shows what the grid saw and what
# it left out. The smallest rates stop at ``max_iter`` before they fit; the
# largest are halved at every step, which costs epochs and changes the path
# the fit takes.
dense = np.logspace(-4, 2, 7)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    train, test = validation_curve(
        model,
        X,
        y,
        param_name=result.param_name,
        param_range=dense,
        cv=folds,
    )

fig, ax = plt.subplots(figsize=(6, 4))
mean, std = test.mean(axis=1), test.std(axis=1)
ax.semilogx(dense, mean, "o-", label="validation R² (3-fold)")
ax.fill_between(dense, mean - std, mean + std, alpha=0.2)
ax.axvspan(
    grid[result.param_name][0],
    grid[result.param_name][-1],
    color="C3",
    alpha=0.1,
    label="suggested grid",
)
ax.axvline(best_rate, color="C3", linestyle="--", label="chosen from the grid")
ax.set(xlabel="learning_rate", ylabel="R²", ylim=(max(0, np.nanmin(mean)), 1))
ax.legend()
fig.tight_layout()

best_dense = dense[np.nanargmax(mean)]
print(f"best of the wider range: {best_dense:.3g}, R² {np.nanmax(mean):.3f}")

# %%
# The grid's five rates, found by a test that costs about one fit, land next
# to the best of the wider range's seven; the printed scores say how close.
# The benchmark ``benchmarks/lr_range.py`` measures the same on more datasets
# and models, and reports where the rule misses.
