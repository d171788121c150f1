"""The refit rule for grid searches: the fastest fit within one standard error."""

import functools
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import LogisticCEClassifier, fastest_within_one_standard_error


def _results(means, stds, fit_times, n_splits=5, name="score"):
    """A ``cv_results_`` of these mean scores, deviations and fit times."""
    results = {
        f"mean_test_{name}": np.asarray(means, dtype=float),
        f"std_test_{name}": np.asarray(stds, dtype=float),
        "mean_fit_time": np.asarray(fit_times, dtype=float),
    }
    for split in range(n_splits):
        results[f"split{split}_test_{name}"] = np.asarray(means, dtype=float)
    return results


def test_of_tied_scores_the_fastest_fit_is_chosen_not_the_first():
    results = _results([0.85, 0.85, 0.85], [0.02] * 3, [0.232, 0.010, 0.007])
    assert fastest_within_one_standard_error(results) == 2


def test_a_faster_fit_more_than_one_standard_error_below_the_best_is_passed_over():
    # Best 0.90 with std 0.04 over 5 folds: standard error 0.04 / sqrt(4) = 0.02.
    results = _results([0.90, 0.885, 0.87], [0.04, 0.01, 0.01], [0.3, 0.2, 0.1])
    assert fastest_within_one_standard_error(results) == 1


def test_a_candidate_whose_fits_failed_is_never_chosen():
    results = _results([np.nan, 0.8, 0.8], [np.nan, 0.0, 0.0], [0.001, 0.2, 0.3])
    assert fastest_within_one_standard_error(results) == 1


def test_no_finite_score_says_every_fit_failed():
    results = _results([np.nan, np.nan], [np.nan, np.nan], [0.1, 0.2])
    with pytest.raises(ValueError, match="every one of their fits failed"):
        fastest_within_one_standard_error(results)


def test_with_several_metrics_the_one_to_choose_by_is_named():
    results = {
        **_results([0.9, 0.9], [0.0, 0.0], [0.2, 0.1], name="accuracy"),
        **_results([0.5, 0.9], [0.0, 0.0], [0.2, 0.1], name="roc_auc"),
    }
    with pytest.raises(ValueError, match=r"scoring='accuracy'"):
        fastest_within_one_standard_error(results)
    by_auc = functools.partial(fastest_within_one_standard_error, scoring="roc_auc")
    assert by_auc(results) == 1


def test_on_make_moons_the_grid_picks_a_rate_whose_fits_converged():
    # The case: under gd's backtracking every rate from 1e-3 to 1e2
    # scores the same on make_moons, and GridSearchCV alone kept 1e-3, the only
    # rate whose fits stop at max_iter (and the slowest by far).
    X, y = make_moons(n_samples=1000, noise=0.3, random_state=0)
    rates = [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(
            LogisticCEClassifier(solver="gd"),
            {"learning_rate": rates},
            refit=fastest_within_one_standard_error,
        ).fit(X, y)
        default = GridSearchCV(
            LogisticCEClassifier(solver="gd"), {"learning_rate": rates}
        ).fit(X, y)
    assert default.best_params_["learning_rate"] == 1e-3  # what the issue saw

    chosen = search.best_params_["learning_rate"]
    assert chosen != 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LogisticCEClassifier(solver="gd", learning_rate=chosen).fit(X, y)
    assert model.n_iter_ < model.max_iter
    assert search.best_estimator_.get_params()["learning_rate"] == chosen
