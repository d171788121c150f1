"""The one training loop: epochs, mini-batches, stopping, history, the guards.

Every estimator and every solver trains through :func:`train`. It knows a
``loss_grad`` function, a list of parameter arrays and an optimizer from
:mod:`skbackprop._optim`; the estimators supply those and unpack the result.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbackprop._optim import minimize_lbfgs


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

    score: callable  # params -> the estimator's score (accuracy or R^2)
    loss: callable  # params -> the mean loss on the held-out rows


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
    for _ in range(max_iter):
        monitor.epoch_begins()
        loss = _run_epoch(
            loss_grad, params, optimizer, X, y, sample_weight, batch_size, shuffle, rng
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
            warnings.warn(
                f"Stopped after max_iter={max_iter} iterations without converging "
                f"(tol={tol}) with learning_rate={optimizer.learning_rate:g}; "
                "raise max_iter or the learning_rate.",
                ConvergenceWarning,
                stacklevel=3,
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
        loss, grads = loss_grad(X, y, sample_weight, params)
        optimizer.update_params(params, grads)
        return loss

    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    total_loss, total_weight = 0.0, 0.0
    for start in range(0, n_samples, batch_size):
        rows = order[start : start + batch_size]
        batch_weight = None if sample_weight is None else sample_weight[rows]
        weight = len(rows) if batch_weight is None else float(batch_weight.sum())
        if weight == 0:  # only zero-weight rows: nothing to learn from
            continue
        loss, grads = loss_grad(X[rows], y[rows], batch_weight, params)
        optimizer.update_params(params, grads)
        total_loss += loss * weight
        total_weight += weight
    return total_loss / total_weight


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
    found, result = minimize_lbfgs(
        lambda p: loss_grad(X, y, sample_weight, p),
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
        warnings.warn(
            f"L-BFGS stopped after max_iter={max_iter} iterations without "
            f"converging (tol={tol}); raise max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=3,
        )


def _check_finite(loss, params, learning_rate, iteration):
    """Stop a fit whose loss or weights left the finite numbers."""
    if np.isfinite(loss) and all(np.isfinite(p).all() for p in params):
        return
    rate = "" if learning_rate is None else f" with learning_rate={learning_rate:g}"
    raise ValueError(
        f"The training diverged: the loss or the weights became non-finite at "
        f"iteration {iteration}{rate}. Try a smaller learning_rate, or scale the "
        f"features (for example with sklearn.preprocessing.StandardScaler)."
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
