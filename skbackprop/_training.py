"""The one training loop: epochs, mini-batches, stopping, history, the guards.

Every estimator and every solver trains through :func:`train`. It knows a
``loss_grad`` function, a list of parameter arrays and an optimizer from
:mod:`skbackprop._optim`; the estimators supply those and unpack the result.
"""

import inspect
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbackprop._callbacks import with_callbacks
from skbackprop._optim import minimize_lbfgs

# A ConvergenceWarning passes over the frames of skbackprop and of the wrapper
# that scikit-learn's callback API puts around fit, to point at the user's code.
_LIBRARY_DIRS = tuple(
    str(Path(inspect.getfile(module)).parent) + os.sep
    for module in (minimize_lbfgs, with_callbacks)
)

# A full-batch loss and gradient is summed over blocks of rows of X of about this
# many bytes: the arrays between the forward and the backward pass then grow with
# the block, not with n_samples (and stay small enough to be reused rather than
# freshly mapped), while each block is still large enough for OpenBLAS to share
# its matrix products among threads.
BLOCK_BYTES = 2**23
# L-BFGS takes blocks below OpenBLAS's threading size (about 2**19 numbers). pip's
# numpy and scipy each bring their own OpenBLAS, and a threaded product in numpy
# next to scipy's L-BFGS-B makes the two pools of threads fight for the cores:
# on 2 cores, fits took 2 to 3 times longer with blocks of 4 MiB than of 1 MiB.
LBFGS_BLOCK_BYTES = 2**20


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


def train(
    loss_grad,
    params,
    optimizer,
    X,
    y,
    sample_weight,
    *,
    max_iter,
    tol,
    n_iter_no_change,
    batch_size,
    shuffle,
    rng,
    validation=None,
    history=None,
    verbose=0,
    monitor=None,
    check_convergence=True,
):
    """Train ``params`` in place; return the history of the fit.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(X, y, sample_weight, params) -> (loss, grads)``.
    params : list of ndarray
        The parameters, updated in place (restored to the best validation
        score's when ``validation`` is given).
    optimizer : object or None
        An optimizer of :mod:`skbackprop._optim`, or None for L-BFGS.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training rows.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Row weights.
    max_iter : int
        The most epochs (L-BFGS: iterations).
    tol : float
        The least improvement of the loss (or validation score) that counts.
    n_iter_no_change : int
        Epochs without such an improvement before training stops.
    batch_size : int or None
        Rows per update; None for the full batch.
    shuffle : bool
        Whether to shuffle the rows before each epoch of mini-batches.
    rng : numpy.random.RandomState
        Draws the shuffles.
    validation : Validation, default=None
        Held-out rows: when given, they decide when to stop and which weights
        to keep.
    history : TrainingHistory, default=None
        The history of a previous fit to append to.
    verbose : int, default=0
        Whether to print one line per epoch.
    monitor : FitMonitor, default=None
        Told when each epoch begins and ends (scikit-learn's callbacks); training
        stops when a callback asks for it.
    check_convergence : bool, default=True
        Whether to stop on ``tol`` and warn when ``max_iter`` ends the fit;
        ``partial_fit`` turns it off.

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
    monitor = _SilentMonitor() if monitor is None else monitor
    if optimizer is None:
        _train_lbfgs(
            loss_grad,
            params,
            X,
            y,
            sample_weight,
            max_iter,
            tol,
            history,
            verbose,
            monitor,
        )
        return history

    n_samples = X.shape[0]
    best_params = None
    no_improvement = 0
    first_epoch = history.n_iter
    if validation is not None:
        # The held-out rows are drawn anew for each fit: a warm start's best
        # score on other rows is no bar for these.
        history.best_validation_score = -np.inf
    for _ in range(max_iter):
        monitor.epoch_begins()
        # A step too large overflows on its way to a non-finite loss or weight;
        # _check_finite then stops the fit with an error that says why.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = _run_epoch(
                loss_grad,
                params,
                optimizer,
                X,
                y,
                sample_weight,
                batch_size,
                shuffle,
                rng,
            )
        _check_finite(loss, params, optimizer.learning_rate, history.n_iter + 1)
        history.n_iter += 1
        history.t += n_samples
        history.loss_curve.append(loss)
        optimizer.iteration_ends(history.t)

        if validation is not None:
            score = validation.score(params)
            history.validation_scores.append(score)
            history.validation_loss_curve.append(validation.loss(params))
            improved = score > history.best_validation_score + tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                best_params = [p.copy() for p in params]
        else:
            improved = loss < history.best_loss - tol
        history.best_loss = min(history.best_loss, loss)
        no_improvement = 0 if improved else no_improvement + 1

        if verbose:
            print(_progress_line(history, optimizer.learning_rate, validation))
        if monitor.epoch_ends(params):
            break
        if check_convergence and no_improvement > n_iter_no_change:
            _check_not_growing(
                history.loss_curve[first_epoch:],
                n_iter_no_change,
                optimizer.learning_rate,
                history.n_iter,
            )
            if optimizer.trigger_stopping():
                if verbose:
                    print(
                        f"No improvement of more than tol={tol} for "
                        f"{n_iter_no_change} consecutive epochs: stopping."
                    )
                break
            no_improvement = 0
    else:
        if check_convergence:
            _warn_not_converged(
                f"Stopped after max_iter={max_iter} iterations without converging "
                f"(tol={tol}) with learning_rate={optimizer.learning_rate:g}; "
                "raise max_iter or the learning_rate."
            )

    if best_params is not None:
        for param, best in zip(params, best_params):
            param[...] = best
    return history


def _run_epoch(
    loss_grad, params, optimizer, X, y, sample_weight, batch_size, shuffle, rng
):
    """One pass over the rows; returns the (weighted) mean loss of its batches."""
    n_samples = X.shape[0]
    if batch_size is None or batch_size >= n_samples:
        loss, grads = full_batch_loss_grad(loss_grad, X, y, sample_weight, params)
        optimizer.update_params(params, grads)
        return loss

    order = rng.permutation(n_samples) if shuffle else None
    total_loss, total_weight = 0.0, 0.0
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        # In order, a batch is a slice: a view of X, never a copy.
        rows = slice(start, stop) if order is None else order[start:stop]
        batch_weight = None if sample_weight is None else sample_weight[rows]
        weight = stop - start if batch_weight is None else float(batch_weight.sum())
        if weight == 0:  # only zero-weight rows: nothing to learn from
            continue
        loss, grads = loss_grad(_rows(X, rows), _rows(y, rows), batch_weight, params)
        optimizer.update_params(params, grads)
        total_loss += loss * weight
        total_weight += weight
    return total_loss / total_weight


def _rows(array, rows):
    """``array[rows]``, by ``take`` where that gathers the rows faster.

    ``take`` is about twice as fast on a C-contiguous array, but on any other it
    first copies the whole array; a slice is a view, no copy at all.
    """
    if (
        isinstance(rows, np.ndarray)
        and isinstance(array, np.ndarray)
        and array.flags.c_contiguous
    ):
        return array.take(rows, axis=0)
    return array[rows]


def full_batch_loss_grad(
    loss_grad, X, y, sample_weight, params, *, block_bytes=BLOCK_BYTES
):
    """The loss and gradients over all rows, summed over blocks of rows.

    The loss is a (weighted) mean over the rows, so it is the mean of the
    blocks' losses, each weighted by its share of the rows (or of the sample
    weights), and so are the gradients. Every block's loss carries the L2 term
    too; as the shares sum to 1, the total carries it once. The blocks are
    views of ``X`` (see ``BLOCK_BYTES``); sparse ``X`` is taken whole.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(X, y, sample_weight, params) -> (loss, grads)``.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training rows.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Row weights.
    params : list of ndarray
        The parameters.
    block_bytes : int, default=BLOCK_BYTES
        About how many bytes of ``X`` make a block.

    Returns
    -------
    loss : float
        The loss over all rows.
    grads : list of ndarray
        Its gradients, one per parameter.
    """
    n_samples = X.shape[0]
    block = _block_rows(X, block_bytes)
    total = n_samples if sample_weight is None else float(sample_weight.sum())
    if block >= n_samples or not total > 0:  # one block, or no mean to share
        return loss_grad(X, y, sample_weight, params)
    loss, grads = 0.0, None
    for start in range(0, n_samples, block):
        stop = min(start + block, n_samples)
        weight = None if sample_weight is None else sample_weight[start:stop]
        share = (stop - start if weight is None else float(weight.sum())) / total
        if share == 0:  # only zero-weight rows: they add nothing
            continue
        block_loss, block_grads = loss_grad(
            X[start:stop], y[start:stop], weight, params
        )
        loss += share * block_loss
        if grads is None:
            grads = [share * g for g in block_grads]
        else:
            for grad, g in zip(grads, block_grads):
                grad += share * g
    return loss, grads


def _block_rows(X, block_bytes):
    """Rows per block of ``full_batch_loss_grad``: all of them for sparse ``X``."""
    if not isinstance(X, np.ndarray):
        return X.shape[0]
    return max(1, block_bytes // max(1, X.shape[1] * X.itemsize))


def _train_lbfgs(
    loss_grad, params, X, y, sample_weight, max_iter, tol, history, verbose, monitor
):
    """Minimize with L-BFGS, recording the loss after each iteration."""

    def record(loss, current):
        history.loss_curve.append(loss)
        history.n_iter += 1
        history.t += X.shape[0]
        if verbose:
            print(_progress_line(history, None, None))
        monitor.epoch_ends(current)
        monitor.epoch_begins()

    monitor.epoch_begins()
    # As in train: an overflow ends in a non-finite loss that _check_finite reports.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        found, result = minimize_lbfgs(
            lambda p: full_batch_loss_grad(
                loss_grad, X, y, sample_weight, p, block_bytes=LBFGS_BLOCK_BYTES
            ),
            params,
            max_iter=max_iter,
            tol=tol,
            callback=record,
        )
    monitor.epoch_ends(found)
    _check_finite(result.fun, found, None, max(result.nit, 1))
    if result.nit == 0:  # the start was already optimal: that check counts
        history.loss_curve.append(float(result.fun))
        history.n_iter += 1
    history.best_loss = min(history.best_loss, float(result.fun))
    for param, new in zip(params, found):
        param[...] = new
    if result.status == 1:
        _warn_not_converged(
            f"L-BFGS stopped after max_iter={max_iter} iterations without "
            f"converging (tol={tol}); raise max_iter or scale the data."
        )


def _warn_not_converged(message):
    """Warn with a ConvergenceWarning that points at the caller of ``fit``.

    The stack level skips skbackprop's own frames and scikit-learn's callback
    wrapper around ``fit``, however many there are.
    """
    frame, stacklevel = sys._getframe(1), 2  # stacklevel 2 is our caller
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)


def _check_finite(loss, params, learning_rate, iteration):
    """Stop a fit whose loss or weights left the finite numbers."""
    if np.isfinite(loss) and all(np.isfinite(p).all() for p in params):
        return
    if learning_rate is None:  # L-BFGS chooses its own steps
        cause, advice = "", "Scale the features"
    else:
        cause = f" with learning_rate={learning_rate:g}"
        advice = "Try a smaller learning_rate, or scale the features"
    raise ValueError(
        f"The training diverged: the loss or the weights became non-finite at "
        f"iteration {iteration}{cause}. {advice} (for example with "
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


class _SilentMonitor:
    """A monitor for fits without callbacks."""

    def epoch_begins(self):
        pass

    def epoch_ends(self, params):
        return False


def _progress_line(history, learning_rate, validation):
    """The line that ``verbose`` prints after an iteration."""
    line = f"Iteration {history.n_iter}, loss = {history.loss_curve[-1]:.8f}"
    if validation is not None:
        line += f", validation score = {history.validation_scores[-1]:.6f}"
    if learning_rate is not None:
        line += f", learning rate = {learning_rate:.6g}"
    return line
