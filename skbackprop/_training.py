"""The training loop: epochs of an update rule.

Every estimator trains through :func:`train_epochs`, which runs an update rule
of :mod:`skbackprop._optim` ("gd", "sgd", "adam", "lbfgs") epoch by epoch, with
the stopping rules, the history and the guards. It knows a ``loss_grad``
function and a list of parameter arrays; the estimators supply those and
unpack the result.
"""

import inspect
import os
import sys
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbackprop import _namespace as ns
from skbackprop._fixes import with_callbacks
from skbackprop._optim import LBFGSOptimizer

# A ConvergenceWarning passes over the frames of skbackprop and of the wrapper
# that scikit-learn's callback API puts around fit, to point at the user's code.
_LIBRARY_DIRS = tuple(
    str(Path(inspect.getfile(module)).parent) + os.sep
    for module in (LBFGSOptimizer, with_callbacks)
)

# Features whose columns have a root mean square of at most this count as
# scaled: a standardised column's is 1, a one-hot column's at most 1, while
# raw measurements (pixels of 0-16, areas, prices, counts) pass it. Beyond
# it, the warnings name scaling first; within, the learning rate or tol.
UNIT_SCALE = 3.0
# The largest learning rate that lr_range_test tries by default: a warning
# never advises raising the learning rate to or past it.
LARGEST_TESTED_LEARNING_RATE = 1e3
# At most this many rows are looked at where only the scale of X matters.
SAMPLE_ROWS = 2_000


@dataclass(frozen=True)
class TrainingSettings:
    """How an epoch trainer runs and when it stops: the estimator's settings.

    Attributes
    ----------
    max_iter : int
        The most epochs (L-BFGS: iterations).
    tol : float
        Full batch (``batch_size=None``) and L-BFGS: training has converged
        once no gradient entry exceeds ``tol`` in absolute value. Mini-batches:
        the least improvement of the loss that counts. Early stopping: the
        least improvement of the validation score that counts.
    n_iter_no_change : int
        Epochs without such an improvement before training stops.
    batch_size : int or None
        Rows per update; None for the full batch, one step per epoch.
    shuffle : bool
        Whether to shuffle the rows before each epoch of mini-batches.
    verbose : int
        Whether to print one line per epoch.
    check_convergence : bool
        Whether to stop on ``tol`` and warn when ``max_iter`` ends the fit;
        ``partial_fit`` turns it off.
    random_state : numpy.random.RandomState or None
        Draws the shuffles of the mini-batches.
    """

    max_iter: int
    tol: float
    n_iter_no_change: int
    batch_size: int | None = None
    shuffle: bool = False
    verbose: int = 0
    check_convergence: bool = True
    random_state: np.random.RandomState | None = None


@dataclass
class TrainingHistory:
    """What a fit records, epoch by epoch (or L-BFGS iteration by iteration)."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    n_iter: int = 0
    t: int = 0  # samples seen, for the inverse scaling schedule
    best_loss: float = np.inf
    best_validation_score: float = -np.inf


@dataclass
class Validation:
    """Held-out rows and how to score the parameters on them."""

    score: Callable  # params -> the estimator's score (accuracy or R^2)
    loss: Callable  # params -> the mean loss on the held-out rows
    n_rows: int  # how many rows are held out
    # Whether the starting weights compete for the best too: they do when they
    # were themselves chosen on these rows (alpha="auto"'s path).
    start_competes: bool = False


class _Improvement:
    """Whether training still improves, and the best weights so far.

    Training has stopped improving when its best so far has improved by less
    than ``tol`` over the last ``n_iter_no_change`` epochs: a slow but steady
    descent goes on, a plateau or an oscillation around one stops. With
    held-out rows, their score decides and the best-scoring weights are kept;
    without, the training loss decides.
    """

    def __init__(self, tol, n_iter_no_change, history, validation, params):
        self.tol = tol
        self.history = history
        self.validation = validation
        # The best so far (a score: higher is better) after each recent epoch;
        # n_iter_no_change=np.inf keeps none and never stalls.
        self.bests = deque(
            maxlen=n_iter_no_change + 1 if np.isfinite(n_iter_no_change) else 1
        )
        self.never_stalls = not np.isfinite(n_iter_no_change)
        self.best_params = None
        if validation is not None:
            # The held-out rows are drawn anew for each fit: a warm start's best
            # score on other rows is no bar for these.
            history.best_validation_score = -np.inf
            if validation.start_competes:
                history.best_validation_score = validation.score(params)
                self.best_params = [ns.copy(p) for p in params]
                self.bests.append(history.best_validation_score)

    def record(self, loss, params):
        """Record one epoch's loss (and validation score)."""
        history = self.history
        history.best_loss = min(history.best_loss, loss)
        if self.validation is None:
            self.bests.append(-history.best_loss)
            return
        score = self.validation.score(params)
        history.validation_scores.append(score)
        history.validation_loss_curve.append(self.validation.loss(params))
        # On a tie, the later weights: held-out accuracy on a few rows ties
        # often, and the later model has trained longer.
        if score >= history.best_validation_score:
            history.best_validation_score = score
            self.best_params = [ns.copy(p) for p in params]
        self.bests.append(history.best_validation_score)

    @property
    def stalled(self):
        """Whether the best improved by less than ``tol`` over the recent epochs."""
        return (
            not self.never_stalls
            and len(self.bests) == self.bests.maxlen
            and self.bests[-1] <= self.bests[0] + self.tol
        )

    def restart(self):
        """Count the recent epochs afresh, after the step size was lowered."""
        last = self.bests[-1]
        self.bests.clear()
        self.bests.append(last)

    def keep_best(self, params):
        """Put the best-scoring weights back into ``params``, if there are any."""
        if self.best_params is not None:
            for param, best in zip(params, self.best_params):
                param[...] = best


def train_epochs(
    objective,
    params,
    optimizer,
    rows,
    settings,
    *,
    monitor,
    validation=None,
    history=None,
):
    """Train ``params`` in place with an update rule, epoch by epoch.

    A full batch (``settings.batch_size=None``) takes one step per epoch and
    has converged once the largest gradient entry is at most ``settings.tol``;
    mini-batches take a step per batch and stop when the loss has not improved
    by ``tol`` for ``n_iter_no_change`` epochs. With ``validation``, the
    held-out score decides instead, and the best-scoring weights are kept.

    Parameters
    ----------
    objective : callable
        ``objective(X, targets, sample_weight, params, weight_sum=None) ->
        (loss, grads)``, the loss with its penalty; mini-batches pass
        ``weight_sum``, the divisor of their weighted loss (see
        :func:`skbackprop.backprop.logistic_ce_grad`).
    params : list of array
        The parameters, updated in place.
    optimizer : UpdateRule
        An update rule of :mod:`skbackprop._optim`.
    rows : InMemoryRows or DaskRows
        The rows to train on (:mod:`skbackprop._rows`).
    settings : TrainingSettings
        How long to train and when to stop.
    monitor : FitMonitor
        Told when each epoch begins and ends (scikit-learn's callbacks); training
        stops when a callback asks for it.
    validation : Validation, default=None
        Held-out rows: when given, they decide when to stop and which weights
        to keep.
    history : TrainingHistory, default=None
        The history of a previous fit to append to.

    Returns
    -------
    history : TrainingHistory
        The losses, validation scores and counts of this and earlier fits.

    Raises
    ------
    ValueError
        When the loss or a parameter becomes non-finite, or the loss grows
        epoch after epoch until training stops.
    """
    history = TrainingHistory() if history is None else history
    improvement = _Improvement(
        settings.tol, settings.n_iter_no_change, history, validation, params
    )
    full_batch = settings.batch_size is None
    first_epoch = history.n_iter
    for _ in range(settings.max_iter):
        monitor.epoch_begins(params)
        # A step too large overflows on its way to a non-finite loss or weight;
        # _check_finite then stops the fit with an error that says why.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            converged = False
            if full_batch:
                loss, converged = _full_batch_step(
                    objective, params, optimizer, rows, settings
                )
            else:
                loss = _mini_batch_epoch(objective, params, optimizer, rows, settings)
        _check_finite(loss, params, optimizer.learning_rate, history.n_iter + 1)
        history.n_iter += 1
        history.t += rows.shape[0]
        history.loss_curve.append(loss)
        optimizer.iteration_ends(history.t)
        # Finite weights can still overflow on the held-out rows; such a score
        # is never the best, and the next epoch's checks stop the fit.
        with np.errstate(over="ignore", invalid="ignore"):
            improvement.record(loss, params)

        if settings.verbose:
            print(_progress_line(history, optimizer.learning_rate, validation))
        if monitor.epoch_ends(params) or converged:
            break
        if not settings.check_convergence:
            continue
        if optimizer.exhausted:
            warn_not_converged(
                _exhausted_message(
                    rows, np.asarray(loss).dtype, history.n_iter - first_epoch, settings
                )
            )
            break
        if improvement.stalled:
            if _stop_improving(
                history, first_epoch, optimizer, settings, validation, full_batch
            ):
                break
            improvement.restart()
    else:
        if settings.check_convergence:
            warn_not_converged(
                f"Stopped after max_iter={settings.max_iter} iterations without "
                f"converging (tol={settings.tol}) with learning_rate="
                f"{optimizer.learning_rate_init:g}; "
                f"{_max_iter_advice(optimizer)}, or scale the features (for "
                "example with sklearn.preprocessing.StandardScaler)."
            )

    optimizer.finish(params)
    improvement.keep_best(params)
    return history


def _max_iter_advice(optimizer):
    """What to change when ``max_iter`` ended a fit, given its learning rate.

    A larger rate helps only a rule that takes it as its step and only up to
    the rates a range test would try; L-BFGS's own step is the quasi-Newton
    one, ``learning_rate=1``, which no larger multiple improves on.
    """
    rate = optimizer.learning_rate_init
    largest = LARGEST_TESTED_LEARNING_RATE
    if rate >= largest:
        return (
            f"lower the learning_rate: {rate:g} is at or past {largest:g}, the "
            "largest rate lr_range_test tries; let lr_range_test suggest one, "
            "or raise max_iter"
        )
    if isinstance(optimizer, LBFGSOptimizer):
        if rate < 1:
            return "raise max_iter, or the learning_rate towards 1 (the full step)"
        return "raise max_iter"
    return "raise max_iter or the learning_rate (if the loss falls smoothly)"


def _exhausted_message(rows, dtype, n_epochs, settings):
    """Why the backtracking found no step that lowers the loss, and what helps.

    Features far from unit scale make the curvature so large that no step the
    dtype resolves lowers the loss: scaling is the fix, and a larger ``tol``
    would only hide a model short of its optimum. On scaled features, ``tol``
    asks for more than the dtype resolves.
    """
    stopped = (
        f"The loss stopped decreasing at the precision of {dtype} after "
        f"{n_epochs} epochs, before the gradient fell below tol={settings.tol}"
    )
    scale = feature_scale(rows.sample(SAMPLE_ROWS)[0])
    if scale > UNIT_SCALE:
        return (
            f"{stopped}: X has columns of root mean square up to {scale:.3g}, "
            "and at that scale "
            f"the loss's curvature is too large for any step {dtype} resolves, "
            "so the model is likely far from its optimum. Scale the features, "
            "for example with sklearn.preprocessing.StandardScaler."
        )
    return (
        f"{stopped}: on features of unit scale (columns of root mean square up "
        f"to {scale:.3g}), tol asks "
        f"for more than {dtype} resolves. Raise tol, or fit in float64."
    )


def feature_scale(X):
    """The largest root mean square of a column of ``X``, a sample of rows.

    An array of another namespace gives its largest absolute value instead,
    an upper bound.
    """
    if hasattr(X, "tocsr"):
        return float(np.sqrt(X.multiply(X).mean(axis=0).max(initial=0.0)))
    if isinstance(X, np.ndarray):
        if X.size == 0:
            return 0.0
        return float(np.sqrt(np.einsum("ij,ij->j", X, X) / X.shape[0]).max())
    return ns.max_abs(X)


def _full_batch_step(objective, params, optimizer, rows, settings):
    """One step on the full batch; returns the loss and whether it has converged.

    The optimizer may reject the point just evaluated (a step up the loss) and
    go back; the loss and gradient are then those of the point it keeps, and
    so is the convergence test.
    """
    loss, grads = rows.loss_grad(objective, params)
    loss, grads = optimizer.accept(params, loss, grads)
    converged = (
        settings.check_convergence and max(ns.max_abs(g) for g in grads) <= settings.tol
    )
    if not converged:
        optimizer.update_params(params, grads)
    return loss, converged


def _stop_improving(history, first_epoch, optimizer, settings, validation, full_batch):
    """Whether ``n_iter_no_change`` epochs without improvement end the fit.

    A loss that grew tenfold over them is a divergence (an error). The adaptive
    schedule lowers the step size and goes on. Held-out rows that stopped
    improving end every fit; a training loss that stopped improving ends a
    mini-batch fit, with a warning if it stopped far above its best, but not a
    full-batch one, which stops on its gradient.
    """
    losses = history.loss_curve[first_epoch:]
    _check_not_growing(
        losses, settings.n_iter_no_change, optimizer.learning_rate, history.n_iter
    )
    if not optimizer.trigger_stopping():
        return False
    if validation is None and full_batch:
        return False
    if validation is None and losses[-1] - history.best_loss > max(
        settings.tol, 0.01 * abs(history.best_loss)
    ):
        warn_not_converged(
            f"Stopped after {len(losses)} epochs without an improvement of "
            f"tol={settings.tol} for n_iter_no_change={settings.n_iter_no_change} "
            f"epochs, at a loss of {losses[-1]:.6g}, above the best of "
            f"{history.best_loss:.6g}: the steps overshoot. Lower the "
            "learning_rate or the momentum, or raise n_iter_no_change."
        )
    if settings.verbose:
        print(
            f"No improvement of more than tol={settings.tol} for "
            f"{settings.n_iter_no_change} consecutive epochs: stopping."
        )
    return True


def _mini_batch_epoch(objective, params, optimizer, rows, settings):
    """One pass over the rows in mini-batches; the mean of their losses."""
    n_rows = rows.shape[0]
    if settings.batch_size >= n_rows:  # one batch: the rows in any order
        loss, grads = rows.loss_grad(objective, params)
        optimizer.update_params(params, grads)
        return loss
    total_loss = 0.0
    batches = rows.batches(settings.batch_size, settings.random_state, settings.shuffle)
    for X, targets, weight, weight_sum in batches:
        loss, grads = objective(X, targets, weight, params, weight_sum=weight_sum)
        optimizer.update_params(params, grads)
        total_loss += loss * X.shape[0]
    return total_loss / n_rows


def warn_not_converged(message):
    """Warn with a ConvergenceWarning that points at the caller of ``fit``."""
    warn_caller(message, ConvergenceWarning)


def warn_caller(message, category):
    """Warn with ``category``, pointing at the code that called into skbackprop.

    The stack level skips skbackprop's own frames and scikit-learn's callback
    wrapper around ``fit``, however many there are.
    """
    if sys.version_info >= (3, 12):
        warnings.warn(message, category, skip_file_prefixes=_LIBRARY_DIRS)
        return
    # Python 3.10 and 3.11 cannot skip files: count the frames to skip instead.
    frame, stacklevel = sys._getframe(1), 2  # stacklevel 2 is our caller
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, category, stacklevel=stacklevel)


def _check_finite(loss, params, learning_rate, iteration):
    """Stop a fit whose loss or weights left the finite numbers."""
    if np.isfinite(loss) and all(ns.all_finite(p) for p in params):
        return
    raise ValueError(
        f"The training diverged: the loss or the weights became non-finite at "
        f"iteration {iteration} with learning_rate={learning_rate:g}. Try a "
        "smaller learning_rate, or scale the features (for example with "
        "sklearn.preprocessing.StandardScaler)."
    )


def _check_not_growing(losses, n_iter_no_change, learning_rate, iteration):
    """Stop a fit whose finite loss grew tenfold, rising over every recent epoch.

    A learning rate too large for the curvature makes the loss grow
    geometrically; with a bounded activation it can stay finite for long.
    """
    recent = losses[-(n_iter_no_change + 2) :]
    rising = all(a < b for a, b in zip(recent, recent[1:]))
    if rising and recent[-1] > 10 * losses[0]:
        raise ValueError(
            f"The training diverged: the loss grew from {losses[0]:.6g} to "
            f"{losses[-1]:.6g} over the {len(recent) - 1} epochs before iteration "
            f"{iteration} with learning_rate={learning_rate:g}. Try a smaller "
            "learning_rate, or scale the features (for example with "
            "sklearn.preprocessing.StandardScaler)."
        )


def _progress_line(history, learning_rate, validation):
    """The line that ``verbose`` prints after an iteration."""
    line = f"Iteration {history.n_iter}, loss = {history.loss_curve[-1]:.8f}"
    if validation is not None:
        line += f", validation score = {history.validation_scores[-1]:.6f}"
    return line + f", learning rate = {learning_rate:.6g}"
