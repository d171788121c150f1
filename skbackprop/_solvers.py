"""What the estimators' hyperparameters accept, and what they make of training.

The estimators' parameters name a solver and its settings: here is what each
accepts (``PARAMETER_CONSTRAINTS``) and which solvers use it, and they become
an update rule of :mod:`skbackprop._optim`, the settings of the epoch loop of
:mod:`skbackprop._training`, and the number of BLAS threads to train with.
Everything here reads the hyperparameters only, never fitted state.
"""

import inspect
import math
from numbers import Integral, Real

import numpy as np

from skbackprop._fixes import NonBoolInterval, Options, StrOptions
from skbackprop._optim import (
    AdamOptimizer,
    LBFGSOptimizer,
    MonotoneGDOptimizer,
    SGDOptimizer,
)
from skbackprop._threads import fit_threads
from skbackprop._training import TrainingSettings, warn_caller

SOLVERS = ("gd", "sgd", "adam", "lbfgs")
# The solvers that take all the rows at each step; the others take mini-batches.
FULL_BATCH_SOLVERS = ("gd", "lbfgs")
LEARNING_RATE_SCHEDULES = ("auto", "constant", "invscaling", "adaptive")
# The momentum of "sgd", and of "gd" under a schedule other than "auto", when
# momentum="auto": MLPRegressor's.
SGD_MOMENTUM = 0.9
# learning_rate="auto": the largest step of "gd", whose backtracking halves it
# as often as the curvature asks (a few epochs at most on scaled data); the
# quasi-Newton step itself for "lbfgs", which backtracks too; and the constant
# steps of the other rules, none of which adapts it.
AUTO_LEARNING_RATES = {"backtracking": 10.0, "lbfgs": 1.0, "sgd": 0.1, "adam": 0.01}
# early_stopping="auto" holds out rows when at least this many would be: fewer
# score too coarsely to choose an epoch by.
MIN_AUTO_VALIDATION = 20
# The solvers that use each parameter; under another, a value other than the
# default changes nothing, and fit says so. (power_t: the "invscaling"
# schedule only, see unused_parameters.)
USED_BY = {
    "learning_rate_schedule": ("gd", "sgd"),
    "momentum": ("gd", "sgd"),
    "nesterovs_momentum": ("gd", "sgd"),
    "power_t": ("gd", "sgd"),
    "beta_1": ("adam",),
    "beta_2": ("adam",),
    "epsilon": ("adam",),
    "batch_size": ("sgd", "adam"),
    "shuffle": ("sgd", "adam"),
}


# What each parameter accepts, checked by BaseEstimator._validate_params
# at the start of fit and partial_fit, not in __init__; the estimators add
# their own parameters. Numbers are finite (an Interval refuses NaN, and
# inf at an open upper end) and never bools; a refusal names every value
# accepted ("auto" included).
PARAMETER_CONSTRAINTS = {
    "learning_rate": [
        NonBoolInterval(Real, 0, None, closed="neither"),
        StrOptions({"auto"}),
    ],
    "solver": [StrOptions(set(SOLVERS))],
    "max_iter": [NonBoolInterval(Integral, 1, None, closed="left")],
    "tol": [NonBoolInterval(Real, 0, None, closed="left")],
    "alpha": [
        NonBoolInterval(Real, 0, None, closed="left"),
        StrOptions({"auto"}),
    ],
    "fit_intercept": ["boolean"],
    "batch_size": [
        NonBoolInterval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
    ],
    "learning_rate_schedule": [StrOptions(set(LEARNING_RATE_SCHEDULES))],
    "power_t": [NonBoolInterval(Real, 0, None, closed="left")],
    "momentum": [
        NonBoolInterval(Real, 0, 1, closed="both"),
        StrOptions({"auto"}),
    ],
    "nesterovs_momentum": ["boolean"],
    "beta_1": [NonBoolInterval(Real, 0, 1, closed="left")],
    "beta_2": [NonBoolInterval(Real, 0, 1, closed="left")],
    "epsilon": [NonBoolInterval(Real, 0, None, closed="neither")],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "validation_fraction": [NonBoolInterval(Real, 0, 1, closed="neither")],
    # As MLPRegressor's and SGDClassifier's: np.inf turns off stopping by
    # tol.
    "n_iter_no_change": [
        NonBoolInterval(Integral, 1, None, closed="left"),
        Options(Real, {np.inf}),
    ],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
}


def update_rule(estimator, params, *, partial=False):
    """The update rule of the estimator's solver, with its settings.

    ``partial_fit`` sees each chunk once: "gd" cannot backtrack on it, and
    takes the constant steps of its other schedules instead. "lbfgs" has no
    ``partial_fit``; the learning rate range test trains it as one, so its
    steps do not backtrack either.

    Parameters
    ----------
    estimator : BaseBackprop
        The estimator, for its hyperparameters.
    params : list of array
        The parameters, to size the rule's state.
    partial : bool, default=False
        Whether the rule steps through chunks seen once (``partial_fit``).

    Returns
    -------
    rule : UpdateRule
        A fresh update rule.
    """
    solver, schedule = estimator.solver, estimator.learning_rate_schedule
    if solver == "lbfgs":
        return LBFGSOptimizer(
            params, learning_rate(estimator, "lbfgs"), backtracking=not partial
        )
    if solver == "adam":
        return AdamOptimizer(
            params,
            learning_rate(estimator, "adam"),
            float(estimator.beta_1),
            float(estimator.beta_2),
            float(estimator.epsilon),
        )
    momentum = estimator.momentum
    if solver == "gd" and schedule == "auto" and not partial:
        return MonotoneGDOptimizer(
            params,
            learning_rate(estimator, "backtracking"),
            momentum=None if momentum == "auto" else float(momentum),
            nesterov=estimator.nesterovs_momentum,
        )
    return SGDOptimizer(
        params,
        learning_rate(estimator, "sgd"),
        momentum=SGD_MOMENTUM if momentum == "auto" else float(momentum),
        nesterov=estimator.nesterovs_momentum,
        schedule="constant" if schedule == "auto" else schedule,
        power_t=estimator.power_t,
    )


def learning_rate(estimator, rule):
    """``learning_rate``, or the one that ``"auto"`` gives this update rule."""
    if estimator.learning_rate == "auto":
        return AUTO_LEARNING_RATES[rule]
    # A Python float: a numpy scalar times some array types gives numpy's.
    return float(estimator.learning_rate)


def batch_size(estimator, n_samples):
    """Rows per update: None, the full batch, for 'gd' and 'lbfgs'."""
    if estimator.solver in FULL_BATCH_SOLVERS:
        return None
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    return min(estimator.batch_size, n_samples)


def training_settings(estimator, n_samples, random_state, *, partial):
    """The settings of the epoch loop: one epoch, unchecked, for ``partial_fit``."""
    return TrainingSettings(
        max_iter=1 if partial else estimator.max_iter,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        batch_size=batch_size(estimator, n_samples),
        shuffle=estimator.shuffle,
        verbose=estimator.verbose,
        check_convergence=not partial,
        random_state=random_state,
    )


def n_held_out(estimator, n_samples):
    """How many of ``n_samples`` rows ``validation_fraction`` holds out."""
    return int(np.ceil(estimator.validation_fraction * n_samples))


def early_stopping(estimator, n_samples):
    """Whether to hold out rows; ``"auto"`` does when 20 or more would be."""
    if estimator.early_stopping == "auto":
        return n_held_out(estimator, n_samples) >= MIN_AUTO_VALIDATION
    return estimator.early_stopping


def training_threads(estimator, n_samples, params):
    """The BLAS threads of training on ``n_samples`` rows (``_threads``).

    The largest product multiplies the rows of one update, all of them or a
    mini-batch, by the first layer's weights.
    """
    rows = batch_size(estimator, n_samples) or n_samples
    return fit_threads(rows * math.prod(params[0].shape))


def unused_parameters(estimator):
    """The parameters set away from their defaults that the solver ignores.

    Returns
    -------
    unused : dict of str to tuple of str
        Each such parameter, with the solvers that use it.
    """
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(type(estimator)).parameters.items()
    }
    unused = {}
    for name, solvers in USED_BY.items():
        value = getattr(estimator, name, defaults.get(name))
        if name not in defaults or _same_value(value, defaults[name]):
            continue
        if estimator.solver not in solvers or (
            name == "power_t" and estimator.learning_rate_schedule != "invscaling"
        ):
            unused[name] = solvers
    return unused


def warn_unused_parameters(estimator):
    """Warn once per fit when a parameter set by the user changes nothing."""
    unused = unused_parameters(estimator)
    if not unused:
        return
    parts = [
        f"{name}={getattr(estimator, name)!r} (used by "
        f"{' and '.join(map(repr, solvers))}"
        + (" under learning_rate_schedule='invscaling'" if name == "power_t" else "")
        + ")"
        for name, solvers in unused.items()
    ]
    warn_caller(
        f"solver={estimator.solver!r} ignores {'; '.join(parts)}. Remove "
        f"{'it' if len(parts) == 1 else 'them'}, or choose a solver that "
        "uses it.",
        UserWarning,
    )


def _same_value(value, default):
    """Whether a parameter's value is its default (1e-8 and 1e-08 alike)."""
    if isinstance(value, str) or isinstance(default, str):
        return isinstance(value, str) and value == default
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False
