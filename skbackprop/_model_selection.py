"""Choosing among the candidates of a grid search: a ``refit`` callable.

Over a learning rate, the scores of a convex model often tie: under a line
search (``"gd"``'s backtracking, ``"lbfgs"``) every rate large enough reaches
the same optimum, and a rate too small reaches it too, late, if at all, with a
ConvergenceWarning. :class:`~sklearn.model_selection.GridSearchCV` keeps the
first of tied candidates, often the smallest rate and the slowest fit. The
rule here takes, among the candidates whose score is within one standard error
of the best, the one that fits fastest, as scikit-learn's example "Balance
model complexity and cross-validated score" takes the simplest.
"""

import numpy as np


def fastest_within_one_standard_error(cv_results, *, scoring=None):
    r"""The fastest-fitting candidate among those within one standard error of the best.

    A ``refit`` callable for :class:`~sklearn.model_selection.GridSearchCV`
    and :class:`~sklearn.model_selection.RandomizedSearchCV`: it takes their
    ``cv_results_`` and returns the index of the chosen candidate, which
    becomes ``best_index_`` (and ``best_params_``). The candidates kept are
    those whose mean test score is at least the best mean score less its
    standard error, :math:`s / \sqrt{k - 1}` for the ``std_test_score`` s
    (the standard deviation over the k folds, as numpy computes it); of
    those, the one of least ``mean_fit_time`` is chosen. A candidate whose
    fits failed (a NaN score, with ``error_score=np.nan``) is never chosen.

    Fit times depend on the machine and its load: where the times of the
    candidates kept are close, which of them is chosen may change from run to
    run, but it is always one whose score is within one standard error of the
    best. A fit that stops at ``max_iter`` short of its optimum takes the
    longest, so a rate whose fits did not converge loses to one whose fits
    did, where their scores tie.

    Parameters
    ----------
    cv_results : dict of str to ndarray
        The ``cv_results_`` of a search: ``mean_test_<scoring>``,
        ``std_test_<scoring>``, ``split<i>_test_<scoring>`` for each fold and
        ``mean_fit_time``.
    scoring : str, default=None
        With several metrics, the name of the one to choose by (bind it with
        :func:`functools.partial`); None uses the single metric, ``"score"``.

    Returns
    -------
    best_index : int
        The index of the chosen candidate in ``cv_results``.

    Raises
    ------
    ValueError
        If ``cv_results`` has no scores of ``scoring``, or no candidate has a
        finite score.

    See Also
    --------
    lr_range_test : Which learning rates to search.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skbackprop import LogisticCEClassifier, fastest_within_one_standard_error
    >>> X, y = make_moons(n_samples=200, noise=0.3, random_state=0)
    >>> search = GridSearchCV(
    ...     LogisticCEClassifier(solver="gd"),
    ...     {"learning_rate": [0.1, 1.0, 10.0]},
    ...     refit=fastest_within_one_standard_error,
    ... ).fit(X, y)
    >>> search.best_params_["learning_rate"] in (0.1, 1.0, 10.0)
    True
    """
    name = "score" if scoring is None else scoring
    key = f"mean_test_{name}"
    if key not in cv_results:
        metrics = sorted(
            k[len("mean_test_") :] for k in cv_results if k.startswith("mean_test_")
        )
        raise ValueError(
            f"cv_results has no {key!r}: its metrics are {metrics}. With several "
            "metrics, name the one to choose by: refit=functools.partial("
            f"fastest_within_one_standard_error, scoring={metrics[0]!r})."
            if metrics
            else f"cv_results has no {key!r}; pass the cv_results_ of a search."
        )
    means = np.asarray(cv_results[key], dtype=float)
    stds = np.asarray(cv_results[f"std_test_{name}"], dtype=float)
    n_splits = sum(
        1 for k in cv_results if k.startswith("split") and k.endswith(f"_test_{name}")
    )
    finite = np.isfinite(means)
    if not finite.any():
        raise ValueError(
            "No candidate has a finite score: every one of their fits failed. "
            "Look at the errors of the search (error_score='raise')."
        )
    best = int(np.nanargmax(np.where(finite, means, -np.inf)))
    standard_error = stds[best] / np.sqrt(max(n_splits - 1, 1))
    kept = np.flatnonzero(finite & (means >= means[best] - standard_error))
    fit_times = np.asarray(cv_results["mean_fit_time"], dtype=float)
    return int(kept[np.argmin(fit_times[kept])])
