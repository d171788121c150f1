"""Does the learning rate range test suggest the rate a dense search finds?

Run by hand, from the repository root::

    python benchmarks/lr_range.py

For each dataset, estimator and solver (the estimator's default, and "sgd"),
after a ``StandardScaler`` and with ``random_state=0``:

* a dense :class:`~sklearn.model_selection.GridSearchCV` over 13 learning
  rates from 1e-4 to 1e2 (half a decade apart), 5-fold, on the same folds as
  everything else (``StratifiedKFold`` or ``KFold(5, shuffle=True,
  random_state=0)``); a rate whose fit diverges scores NaN there, the worst;
* :func:`skbackprop.lr_range_test` on all the rows, and the 5-fold score of
  its suggested rate;
* the time of the range test against one default fit on all the rows, and
  the epochs of each.

Each row of the table says whether the suggestion's score is within 0.01 of
the dense search's best (``score ok``), whether the best rate lies within
``suggested_grid(5)``, from its smallest rate to its largest (``in grid``),
whether any of the dense rates that score within 0.01 of the best lies
within it (``near``: the classifiers' scores are flat over decades of rates,
and the best among them is often the smallest, a fit that stopped short of
the optimum), and whether the test took no longer than the fit (``cost ok``). Every case
is printed, the misses included. Scores are accuracy for the classifiers and
R² for the network. One BLAS thread throughout.
"""

import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_wine,
    make_friedman1,
    make_friedman3,
)
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skbackprop import (
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
    lr_range_test,
)

DENSE_RATES = np.logspace(-4, 2, 13)


def datasets():
    """Three classification and three regression datasets, from scikit-learn."""
    classification = [
        (loader.__name__[5:], *loader(return_X_y=True))
        for loader in (load_breast_cancer, load_wine, load_iris)
    ]
    regression = [
        ("diabetes", *load_diabetes(return_X_y=True)),
        ("friedman1", *make_friedman1(n_samples=500, noise=0.5, random_state=0)),
        ("friedman3", *make_friedman3(n_samples=500, noise=0.05, random_state=0)),
    ]
    return classification, regression


def cases():
    """(dataset, X, y, estimator, solver, folds) for every case of the table."""
    classification, regression = datasets()
    stratified = StratifiedKFold(5, shuffle=True, random_state=0)
    plain = KFold(5, shuffle=True, random_state=0)
    for name, X, y in classification:
        for cls in (SigmoidSSEClassifier, LogisticCEClassifier):
            for solver in (cls().solver, "sgd"):
                yield name, X, y, cls(solver=solver, random_state=0), stratified
    for name, X, y in regression:
        for solver in (TinyMLPRegressor().solver, "sgd"):
            yield name, X, y, TinyMLPRegressor(solver=solver, random_state=0), plain


def run_case(X, y, estimator, folds):
    """The measures of one case, as a dict."""
    model = make_pipeline(StandardScaler(), estimator)
    param = f"{model.steps[-1][0]}__learning_rate"

    start = time.perf_counter()
    default_fit = clone(model).fit(X, y)
    fit_time = time.perf_counter() - start

    start = time.perf_counter()
    result = lr_range_test(model, X, y)
    test_time = time.perf_counter() - start

    search = GridSearchCV(
        model, {param: list(DENSE_RATES)}, cv=folds, error_score=np.nan
    ).fit(X, y)
    best_rate = search.best_params_[param]
    suggested = result.suggested_learning_rate
    suggested_score = cross_val_score(
        clone(model).set_params(**{param: suggested}), X, y, cv=folds
    ).mean()
    grid = result.suggested_grid(5)[param]
    scores = np.nan_to_num(search.cv_results_["mean_test_score"], nan=-np.inf)
    near_best = DENSE_RATES[scores >= search.best_score_ - 0.01]
    inside = (grid[0] * (1 - 1e-9) <= near_best) & (near_best <= grid[-1] * (1 + 1e-9))
    return {
        "best rate": best_rate,
        "best score": search.best_score_,
        "suggested": suggested,
        "its score": suggested_score,
        "grid": (grid[0], grid[-1]),
        "score ok": suggested_score >= search.best_score_ - 0.01,
        "in grid": grid[0] * (1 - 1e-9) <= best_rate <= grid[-1] * (1 + 1e-9),
        "test s": test_time,
        "fit s": fit_time,
        "test epochs": len(result.learning_rates),
        "fit epochs": default_fit[-1].n_iter_,
        "near in grid": bool(inside.any()),
        "cost ok": test_time <= fit_time,
    }


def main():
    header = (
        f"{'dataset':<14}{'estimator':<22}{'solver':<7}{'best rate':>10}"
        f"{'best':>7}{'suggested':>11}{'score':>7}{'grid(5)':>19}"
        f"{'score ok':>9}{'in grid':>8}{'near':>6}{'test ms':>8}{'fit ms':>7}"
        f"{'epochs':>10}{'cost ok':>8}"
    )
    print(header)
    print("-" * len(header))
    totals = {"score ok": 0, "in grid": 0, "near in grid": 0, "cost ok": 0}
    n_cases = 0
    with threadpool_limits(1), warnings.catch_warnings():
        # The dense grid's smallest rates stop at max_iter, its largest diverge
        # (FitFailedWarning, scored NaN): both on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", "One or more of the test scores")
        for name, X, y, estimator, folds in cases():
            row = run_case(X, y, estimator, folds)
            n_cases += 1
            for key in totals:
                totals[key] += row[key]
            low, high = row["grid"]
            epochs = f"{row['test epochs']}/{row['fit epochs']}"
            print(
                f"{name:<14}{type(estimator).__name__:<22}{estimator.solver:<7}"
                f"{row['best rate']:>10.3g}{row['best score']:>7.3f}"
                f"{row['suggested']:>11.3g}{row['its score']:>7.3f}"
                f"{f'{low:.2g}-{high:.2g}':>19}"
                f"{'yes' if row['score ok'] else 'MISS':>9}"
                f"{'yes' if row['in grid'] else 'MISS':>8}"
                f"{'yes' if row['near in grid'] else 'MISS':>6}"
                f"{1000 * row['test s']:>8.1f}{1000 * row['fit s']:>7.1f}"
                f"{epochs:>10}"
                f"{'yes' if row['cost ok'] else 'MISS':>8}",
                flush=True,
            )
    print(
        f"\n{n_cases} cases: score within 0.01 in {totals['score ok']}, best rate "
        f"in suggested_grid(5) in {totals['in grid']}, a rate within 0.01 of the "
        f"best in it in {totals['near in grid']}, range test no slower than "
        f"one default fit in {totals['cost ok']}. epochs: range test / default fit."
    )


if __name__ == "__main__":
    main()
