"""The learning rate range test (Smith, 2017), for skbackprop's estimators.

One short run of the estimator's own update rule, with the learning rate raised
geometrically from one epoch to the next, records the training loss at each
rate; the suggestion is read off that curve, and a geometric grid around it is
ready for :class:`~sklearn.model_selection.GridSearchCV`.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from skbackprop._base import BaseBackprop
from skbackprop._namespace import namespace_of
from skbackprop._training import LARGEST_TESTED_LEARNING_RATE, TrainingHistory

# The smoothing of the loss curve: an exponential moving average with this
# weight on the past, bias-corrected as fastai's. Each point is a whole epoch,
# far less noisy than fastai's single batches, so it weighs the past less.
SMOOTHING = 0.6
# For a rate that bounds the steps, the suggestion's margin below the rate of
# the lowest loss: half a decade. At the lowest loss itself the network's fits
# were unstable (R² 0.82 to 0.87 on Friedman's functions against 0.94 to
# 0.97 half a decade lower, benchmarks/lr_range.py).
BOUND_MARGIN = 10**0.5


@dataclass
class LearningRateRangeResult:
    """What :func:`lr_range_test` measured, and what it suggests.

    Attributes
    ----------
    learning_rates : ndarray of shape (n_rates,)
        The rates tried, in increasing order, one epoch each, up to the one
        where the loss diverged.
    losses : ndarray of shape (n_rates,)
        The training loss of each epoch (``loss_curve_`` of the estimator):
        the objective, penalty included, on the estimator's own scale.
    smoothed_losses : ndarray of shape (n_rates,)
        ``losses`` smoothed by a bias-corrected exponential moving average.
    suggested_learning_rate : float
        The suggested rate, by the rule of the estimator's solver (see
        :func:`lr_range_test`).
    param_name : str
        The name of the learning rate in ``get_params``, with the Pipeline's
        step prefix (``"step__learning_rate"``) when given a Pipeline.
    diverged : bool
        Whether the loss diverged before ``max_lr``.
    estimator_name : str
        The class name of the estimator trained.
    largest_stable_learning_rate : float or None
        The largest rate tried before the loss diverged: the last of
        ``learning_rates`` where the test ran to ``max_lr``, the one before
        the last where the last diverged. None reads it off
        ``learning_rates`` and ``diverged`` that way.
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggested_learning_rate: float
    param_name: str = "learning_rate"
    diverged: bool = False
    estimator_name: str = field(default="")
    largest_stable_learning_rate: float | None = None

    def __post_init__(self):
        if self.largest_stable_learning_rate is None:
            rates = np.asarray(self.learning_rates, dtype=float)
            last_stable = -2 if self.diverged and rates.shape[0] > 1 else -1
            self.largest_stable_learning_rate = float(rates[last_stable])

    def suggested_grid(self, n=5, *, step=10**0.5):
        """A geometric grid of ``n`` rates around the suggestion, all of them stable.

        The grid is centred on the suggestion, unless its top would exceed
        ``largest_stable_learning_rate``: the whole grid then moves down until
        its top is that rate, so that no rate of it is one where the test saw
        the loss diverge (such a rate's fits would fail in a grid search).

        Parameters
        ----------
        n : int, default=5
            The number of rates.
        step : float, default=10**0.5
            The ratio of neighbouring rates: half a decade by default, so that
            five rates span a decade on either side of the suggestion.

        Returns
        -------
        param_grid : dict of str to list of float
            ``{param_name: rates}``, a ``param_grid`` for
            :class:`~sklearn.model_selection.GridSearchCV`.
        """
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise ValueError(f"n must be an int >= 1; got {n!r}.")
        if not step > 1:
            raise ValueError(f"step must be greater than 1; got {step!r}.")
        offsets = np.arange(n) - (n - 1) / 2
        rates = self.suggested_learning_rate * float(step) ** offsets
        if rates[-1] > self.largest_stable_learning_rate:
            rates *= self.largest_stable_learning_rate / rates[-1]
        return {self.param_name: [float(rate) for rate in rates]}


def lr_range_test(
    estimator,
    X,
    y,
    *,
    min_lr=1e-4,
    max_lr=LARGEST_TESTED_LEARNING_RATE,
    num=50,
    diverge_factor=4.0,
):
    r"""The learning rate range test: the loss as the learning rate grows.

    A clone of the estimator trains for at most ``num`` epochs, one at each
    learning rate from ``min_lr`` up to ``max_lr``, each a constant factor more
    than the last; its update rule's state (momentum, Adam's moments) carries
    from epoch to epoch, as in one fit. The test stops once the loss diverges:
    it became non-finite (the training loop's own guard), or its smoothed
    value exceeds ``diverge_factor`` times its lowest. This is the range test
    of Smith, "Cyclical Learning Rates for Training Neural Networks" (2017),
    as fastai's ``lr_find``, with an epoch per rate rather than a batch.

    What runs is the estimator's own training loop and update rule, on its
    own validation and encoding of the data (as ``fit``'s: the classes and
    class weights of all of ``y``), as ``partial_fit`` runs them:
    ``"sgd"`` and ``"adam"`` over mini-batches of ``batch_size`` rows, and
    ``"gd"`` one full-batch step per epoch with the constant steps (and
    momentum) of ``partial_fit``, ``"lbfgs"`` one quasi-Newton step per epoch
    times the rate. Their backtracking is left out on purpose: it halves any
    step too long, so their loss never diverges and a range test would see no
    curvature. Under backtracking ``learning_rate`` is only the largest step:
    for the convex classifiers, every rate large enough reaches the same
    optimum, the larger in fewer epochs.

    **The suggestion** depends on how the update rule uses the rate:

    * ``"sgd"``, and ``"gd"`` under a schedule other than ``"auto"``, take
      the rate as their step (the first one, under a schedule): the suggestion is
      where the smoothed loss falls fastest per decade of rate, before its
      minimum (fastai's ``steep``), long enough to make progress and short
      enough to stay stable amid the noise of mini-batches.
    * ``"gd"`` and ``"lbfgs"`` (whose backtracking halves any step too long)
      and ``"adam"`` (which moves each weight by about the rate at most, and
      keeps the best epoch under early stopping) take it as a bound: the
      suggestion is half a decade below the rate where the smoothed loss is
      lowest, the edge past which it turns up (as fastai's ``minimum`` rule, a
      decade below, keeps a margin from it).

    These rules were chosen by measurement on the six datasets of
    ``benchmarks/lr_range.py``, which reports where they miss.

    Parameters
    ----------
    estimator : estimator instance
        One of skbackprop's estimators, or a
        :class:`~sklearn.pipeline.Pipeline` whose last step is one; its steps
        before the last are fitted once, on all of ``X``. It is not changed:
        the test trains a clone.
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
        Training data. On a dask array, the test runs on the cluster, for the
        full-batch solvers ``"gd"`` and ``"lbfgs"``, as their fits do.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.
    min_lr : float, default=1e-4
        The first learning rate.
    max_lr : float, default=1e3
        The last learning rate, if the loss has not diverged before.
    num : int, default=50
        The most rates, hence epochs, geometrically spaced from ``min_lr`` to
        ``max_lr``.
    diverge_factor : float, default=4.0
        The test stops once the smoothed loss exceeds this multiple of its
        lowest value.

    Returns
    -------
    result : LearningRateRangeResult
        The rates and losses, the suggestion, and ``suggested_grid(n)``.

    Raises
    ------
    ValueError
        For an estimator without a learning rate to test, or invalid ranges.

    See Also
    --------
    LearningRateRangeDisplay : The same test, drawn.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import LogisticCEClassifier, lr_range_test
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticCEClassifier())
    >>> result = lr_range_test(model, X, y)
    >>> grid = result.suggested_grid(3)
    >>> list(grid)
    ['logisticceclassifier__learning_rate']
    >>> search = GridSearchCV(model, grid, cv=3).fit(X, y)
    """
    if not (0 < min_lr < max_lr and np.isfinite(max_lr)):
        raise ValueError(
            f"min_lr and max_lr must satisfy 0 < min_lr < max_lr < inf; got "
            f"min_lr={min_lr!r}, max_lr={max_lr!r}."
        )
    if not (isinstance(num, (int, np.integer)) and num >= 2):
        raise ValueError(f"num must be an int >= 2; got {num!r}.")
    if not diverge_factor > 1:
        raise ValueError(
            f"diverge_factor must be greater than 1; got {diverge_factor!r}."
        )

    param_name = "learning_rate"
    if isinstance(estimator, Pipeline):
        step_name, last = estimator.steps[-1]
        param_name = f"{step_name}__learning_rate"
        if len(estimator.steps) > 1:
            X = clone(estimator[:-1]).fit_transform(X, y)
        estimator = last
    if not isinstance(estimator, BaseBackprop):
        raise ValueError(
            "lr_range_test needs one of skbackprop's estimators, or a Pipeline "
            f"ending in one; got {type(estimator).__name__}."
        )
    if namespace_of(X) is not None:
        raise ValueError(
            "lr_range_test takes numpy arrays or sparse matrices; X is an "
            "array-API array. Fit on it once the learning rate is chosen, or "
            "run the test with array_api_dispatch off."
        )
    model = clone(estimator)
    # The rows as fit validates and encodes them (the classes, and the class
    # weights, of all of y); then as partial_fit trains: the rule steps
    # without backtracking, one epoch at a time, unchecked.
    problem = model._training_problem(X, y, partial=False)
    optimizer = problem.update_rule(partial=True)
    settings = problem.settings(partial=True)
    history = TrainingHistory()
    rates = np.geomspace(min_lr, max_lr, num)
    smoothed, average, diverged, grew = [], 0.0, False, False
    with problem.threads():
        for epoch, rate in enumerate(rates, start=1):
            optimizer.learning_rate = optimizer.learning_rate_init = float(rate)
            try:
                problem.train(optimizer, settings, history=history)
            except ValueError:
                # The loop's own divergence guard: a non-finite loss or weight,
                # at a rate that the rates kept leave out.
                diverged = True
                break
            average = SMOOTHING * average + (1 - SMOOTHING) * history.loss_curve[-1]
            smoothed.append(average / (1 - SMOOTHING**epoch))
            if smoothed[-1] > diverge_factor * min(smoothed):
                diverged = grew = True  # at the last rate kept
                break
    losses = history.loss_curve[: len(smoothed)]

    n_rates = len(losses)
    if n_rates < 2:
        raise ValueError(
            f"The loss diverged at the first learning rates from min_lr={min_lr:g}; "
            "lower min_lr, or scale the features (for example with "
            "sklearn.preprocessing.StandardScaler)."
        )
    smoothed = np.asarray(smoothed)
    return LearningRateRangeResult(
        learning_rates=rates[:n_rates],
        losses=np.asarray(losses),
        smoothed_losses=smoothed,
        suggested_learning_rate=_suggest(model, rates[:n_rates], smoothed),
        param_name=param_name,
        diverged=diverged,
        estimator_name=type(estimator).__name__,
        # The guard's divergence leaves its rate out; the smoothed loss's keeps it.
        largest_stable_learning_rate=float(rates[n_rates - 1 - grew]),
    )


def _suggest(estimator, rates, smoothed):
    """The suggested rate, by the rule of the estimator's update rule.

    See :func:`lr_range_test`: the steepest descent for a rate that is the
    step, half a decade below the lowest loss for a rate that bounds the steps.
    """
    bounds_the_steps = estimator.solver in ("adam", "lbfgs") or (
        estimator.solver == "gd" and estimator.learning_rate_schedule == "auto"
    )
    if bounds_the_steps:
        return float(rates[int(np.argmin(smoothed))] / BOUND_MARGIN)
    return _steepest_descent(rates, smoothed)


def _steepest_descent(rates, smoothed):
    """The rate where ``smoothed`` falls fastest per decade, before its minimum."""
    lowest = int(np.argmin(smoothed))
    if lowest == 0:  # the loss never fell: the smallest rate tried
        return float(rates[0])
    slopes = np.gradient(smoothed[: lowest + 1], np.log10(rates[: lowest + 1]))
    return float(rates[int(np.argmin(slopes))])
