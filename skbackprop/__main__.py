"""The demo behind ``make demo``: ``python -m skbackprop``.

On three datasets that ship with scikit-learn (no download), each model is
fitted in a :class:`~sklearn.preprocessing.StandardScaler` pipeline and
cross-validated on the same folds as its peers, and for each of ours a
:class:`~sklearn.model_selection.GridSearchCV` picks the learning rate. One
table compares them with scikit-learn's own models. ``--help`` lists the
options: a subset of the datasets, the number of folds.
"""

import argparse
import time
import warnings
from collections import Counter

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_validate,
)
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
    fastest_within_one_standard_error,
)

# The learning rates grid-searched, a decade either side of the default
# solver's learning_rate="auto": every model's "lbfgs" tries learning_rate
# times the quasi-Newton step first (1 for "auto"), and backtracks from it.
CLASSIFIER_LEARNING_RATES = [0.1, 1.0, 10.0]
NETWORK_LEARNING_RATES = [0.1, 1.0, 10.0]
COLUMNS = [
    "dataset",
    "model",
    "CV score",
    "fit time",
    "learning_rates tried",
    "CV score at each",
    "best",
]

INTRO = """\
Scores are accuracy (breast_cancer, wine) and R² (diabetes), from {n_splits}-fold
cross-validation on the same folds for every model of a dataset, each model after a
StandardScaler; fit time is the mean per fold. Ours are cross-validated at their
defaults, then GridSearchCV tries each of the row's learning_rates on the same folds
and keeps, of those within one standard error of the best score, the one that fits
fastest (refit=fastest_within_one_standard_error). scikit-learn's MLPRegressor is
fitted on standardised y, as TinyMLPRegressor is.
"""


def benchmarks():
    """The datasets, each with its fold splitter and its models, ours first.

    Returns
    -------
    benchmarks : list of tuple
        ``(name, loader, splitter, models)``: ``splitter`` is the class of the
        cross-validation folds (stratified for classification) and ``models`` a
        list of ``(name, estimator, learning_rates)``, the estimators unfitted
        and not yet in a pipeline, ``learning_rates`` the grid searched for ours
        and None for scikit-learn's.
    """

    def scaled_target(regressor):
        # TinyMLPRegressor standardises y inside fit; scikit-learn's network
        # gets the same help here. On raw y (mean 152, std 77) it does not
        # converge even in 20000 iterations.
        return TransformedTargetRegressor(regressor, transformer=StandardScaler())

    classifiers = [
        ("SigmoidSSEClassifier", SigmoidSSEClassifier(), CLASSIFIER_LEARNING_RATES),
        ("LogisticCEClassifier", LogisticCEClassifier(), CLASSIFIER_LEARNING_RATES),
        ("LogisticRegression", LogisticRegression(), None),
    ]
    regressors = [
        (
            "TinyMLPRegressor",
            TinyMLPRegressor(random_state=0),
            NETWORK_LEARNING_RATES,
        ),
        (
            "MLPRegressor(10, logistic)",
            scaled_target(
                MLPRegressor(
                    hidden_layer_sizes=(10,),
                    activation="logistic",
                    max_iter=2000,
                    random_state=0,
                )
            ),
            None,
        ),
        (
            "MLPRegressor(defaults)",
            scaled_target(MLPRegressor(max_iter=2000, random_state=0)),
            None,
        ),
    ]
    return [
        ("breast_cancer", load_breast_cancer, StratifiedKFold, classifiers),
        ("wine", load_wine, StratifiedKFold, classifiers),
        ("diabetes", load_diabetes, KFold, regressors),
    ]


def evaluate(estimator, X, y, folds, *, learning_rates=None):
    """Cross-validate one model and, if asked, grid-search its learning rate.

    Parameters
    ----------
    estimator : estimator instance
        The unfitted model; it is put after a ``StandardScaler``.
    X : ndarray of shape (n_samples, n_features)
        The data.
    y : ndarray of shape (n_samples,)
        The targets.
    folds : list of tuple of ndarray
        The ``(train, test)`` indices shared by every model of the dataset.
    learning_rates : list of float, default=None
        The ``learning_rate`` values to grid-search; None searches none.

    Returns
    -------
    result : dict
        ``scores`` and ``fit_times`` (seconds) per fold; ``best_learning_rate``
        and ``grid_scores``, the mean CV score of each of ``learning_rates``
        (None without them); and ``warnings``: the
        :class:`collections.Counter` of ``(stage, category, message)`` of every
        warning raised on the way.
    """
    pipeline = make_pipeline(StandardScaler(), estimator)
    caught = Counter()
    with warnings.catch_warnings(record=True) as records:
        # Count every fit that stopped early, not only the first one.
        warnings.simplefilter("always", ConvergenceWarning)
        cv = cross_validate(pipeline, X, y, cv=folds)
    caught.update(_describe(records, "cross-validation"))
    result = {
        "scores": cv["test_score"],
        "fit_times": cv["fit_time"],
        "best_learning_rate": None,
        "grid_scores": None,
    }
    if learning_rates is not None:
        step = pipeline.steps[-1][0]
        grid = GridSearchCV(
            pipeline,
            {f"{step}__learning_rate": learning_rates},
            cv=folds,
            # Rates often tie on score: keep the fastest fit among them, never
            # the slowest (a fit that stopped at max_iter) by the order of the
            # grid.
            refit=fastest_within_one_standard_error,
        )
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always", ConvergenceWarning)
            grid.fit(X, y)
        caught.update(_describe(records, "learning_rate grid"))
        result["best_learning_rate"] = grid.best_params_[f"{step}__learning_rate"]
        result["grid_scores"] = grid.cv_results_["mean_test_score"]
    result["warnings"] = caught
    return result


def _describe(records, stage):
    """``(stage, category, first non-empty line of the message)`` of each warning."""
    return [
        (stage, record.category.__name__, _first_line(str(record.message)))
        for record in records
    ]


def _first_line(message):
    """The first line of a message that says something."""
    return next((line for line in message.splitlines() if line.strip()), "")


def _format_grid(learning_rates, scores):
    """The learning rates and their scores (3 decimals; "diverged" if a fit raised)."""
    return (
        " / ".join(f"{rate:g}" for rate in learning_rates),
        " / ".join("diverged" if np.isnan(s) else f"{s:.3f}" for s in scores),
    )


def format_table(rows):
    """Lay out rows of strings under ``COLUMNS``, each column left-aligned.

    Parameters
    ----------
    rows : list of list of str
        One list of cells per row, in the order of ``COLUMNS``.

    Returns
    -------
    table : str
        The header, a rule and the rows, one per line.
    """
    widths = [max(len(cell) for cell in column) for column in zip(COLUMNS, *rows)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(COLUMNS), rule, *(line(row) for row in rows)])


def main(n_splits=5, datasets=None):
    """Print the table of cross-validated scores, fit times and learning rates.

    Parameters
    ----------
    n_splits : int, default=5
        Number of cross-validation folds; fewer make a faster demo.
    datasets : list of str, default=None
        The names of the datasets to run, among those of :func:`benchmarks`;
        None runs them all. They run in the order of :func:`benchmarks`.

    Returns
    -------
    table : str
        The table that was printed (without the notes under it).
    """
    start = time.perf_counter()
    chosen = benchmarks()
    if datasets is not None:
        unknown = set(datasets) - {dataset for dataset, *_ in chosen}
        if unknown:
            raise ValueError(
                f"Unknown datasets {sorted(unknown)}; the demo has "
                f"{[dataset for dataset, *_ in chosen]}."
            )
        chosen = [benchmark for benchmark in chosen if benchmark[0] in datasets]
    # The table comes only when every model has run: say at once what runs.
    n_models = sum(len(models) for *_, models in chosen)
    print(
        f"Cross-validating {n_models} models on "
        f"{', '.join(dataset for dataset, *_ in chosen)} with {n_splits} folds; "
        "the table comes at the end.\n",
        flush=True,
    )
    rows, notes = [], []
    for dataset, loader, splitter, models in chosen:
        X, y = loader(return_X_y=True)
        folds = list(
            splitter(n_splits=n_splits, shuffle=True, random_state=0).split(X, y)
        )
        for name, estimator, learning_rates in models:
            result = evaluate(estimator, X, y, folds, learning_rates=learning_rates)
            scores = result["scores"]
            grid = ["", "", ""]
            if learning_rates is not None:
                grid = [
                    *_format_grid(learning_rates, result["grid_scores"]),
                    f"{result['best_learning_rate']:g}",
                ]
            rows.append(
                [
                    dataset,
                    name,
                    f"{scores.mean():.3f} ± {scores.std():.3f}",
                    f"{1000 * np.mean(result['fit_times']):.1f} ms",
                    *grid,
                ]
            )
            for (stage, category, message), count in result["warnings"].items():
                notes.append(
                    f"{dataset}, {name}, {stage}: {count} x {category}:\n    {message}"
                )

    table = format_table(rows)
    print(INTRO.format(n_splits=n_splits))
    print(table)
    if notes:
        print("\nWarnings raised on the way:")
        print("\n".join(f"  {note}" for note in notes))
    print(f"\nDone in {time.perf_counter() - start:.1f} s.")
    return table


def parse_args(argv=None):
    """The command line's options, as ``main``'s keyword arguments.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; None reads ``sys.argv``.

    Returns
    -------
    kwargs : dict
        ``n_splits`` and ``datasets``, for :func:`main`.
    """
    names = [dataset for dataset, *_ in benchmarks()]
    parser = argparse.ArgumentParser(
        prog="python -m skbackprop",
        description=(
            "Cross-validate skbackprop's three estimators beside scikit-learn's "
            "own models on datasets that ship with scikit-learn, grid-search the "
            "learning rate of ours, and print one table."
        ),
    )
    parser.add_argument(
        "--dataset",
        action="append",
        choices=names,
        dest="datasets",
        help="run this dataset; repeat for several (default: all of them)",
    )
    parser.add_argument(
        "--n-splits",
        type=_at_least_two,
        default=5,
        metavar="N",
        help="number of cross-validation folds, at least 2 (default: 5)",
    )
    return vars(parser.parse_args(argv))


def _at_least_two(text):
    """An integer of at least 2, for ``--n-splits``."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 2:
        raise argparse.ArgumentTypeError(
            f"needs an integer of at least 2, not {text!r}"
        )
    return value


if __name__ == "__main__":
    main(**parse_args())
