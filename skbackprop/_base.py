"""What the three estimators share: parameters, validation, the fit plumbing."""

import copy
import functools
import inspect
import math
import sys
import types
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array, check_random_state, check_scalar, get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from skbackprop import _namespace as ns
from skbackprop._alpha import STAGE_SHARE, choose_alpha
from skbackprop._callbacks import NO_MONITOR, FitMonitor
from skbackprop._fixes import (
    CallbackSupportMixin,
    array_api_dispatch_available,
    check_same_namespace,
    with_callbacks,
)
from skbackprop._namespace import (
    float_dtypes,
    namespace_of,
    numpy_dtype,
    to_host,
    to_namespace,
)
from skbackprop._optim import (
    AdamOptimizer,
    LBFGSOptimizer,
    MonotoneGDOptimizer,
    SGDOptimizer,
)
from skbackprop._threads import fit_threads
from skbackprop._training import (
    SAMPLE_ROWS,
    UNIT_SCALE,
    TrainingSettings,
    Validation,
    feature_scale,
    train_epochs,
    warn_caller,
    warn_not_converged,
)

SOLVERS = ("gd", "sgd", "adam", "lbfgs")
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
# alpha="auto" on data too small to hold out MIN_AUTO_VALIDATION rows: the
# best of 1e-1 to 1e-4 on 150-row samples of most of 19 regression datasets
# (diabetes, Friedman's three and those of benchmarks/datasets.py).
SMALL_DATA_ALPHA = 1e-2
# Fewer held-out rows than this cannot score at all: R² needs two.
MIN_VALIDATION = 2

# name -> (type, smallest, largest, closed ends); checked in fit, not __init__.
_NUMERIC_PARAMS = {
    "learning_rate": (Real, 0.0, None, "neither"),
    "max_iter": (Integral, 1, None, "left"),
    "tol": (Real, 0.0, None, "left"),
    "alpha": (Real, 0.0, None, "left"),
    "validation_fraction": (Real, 0.0, 1.0, "neither"),
    "n_iter_no_change": (Integral, 1, None, "left"),
    "momentum": (Real, 0.0, 1.0, "both"),
    "beta_1": (Real, 0.0, 1.0, "left"),
    "beta_2": (Real, 0.0, 1.0, "left"),
    "epsilon": (Real, 0.0, None, "neither"),
    "power_t": (Real, 0.0, None, "left"),
    "verbose": (Integral, 0, None, "left"),
    "n_hidden": (Integral, 1, None, "left"),
}
# How a type error names the accepted numbers.
_TYPE_NAMES = {Real: "float", Integral: "int"}
# Parameters that also take "auto".
_AUTO_PARAMS = ("learning_rate", "momentum", "early_stopping", "alpha")
_BOOLEAN_PARAMS = (
    "fit_intercept",
    "early_stopping",
    "shuffle",
    "warm_start",
    "nesterovs_momentum",
)
_CHOICE_PARAMS = {
    "solver": SOLVERS,
    "learning_rate_schedule": LEARNING_RATE_SCHEDULES,
}
# The solvers that use each parameter; under another, a value other than the
# default changes nothing, and fit says so. (power_t: the "invscaling"
# schedule only, see _unused_parameters.)
_USED_BY = {
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


class BaseBackprop(CallbackSupportMixin, BaseEstimator, ABC):
    """Fit plumbing shared by the estimators; subclasses supply the model.

    A subclass is the model: it implements the six abstract methods below, and
    may override the optional hook ``_warn_if_saturated``. The parameters they
    exchange are a list of arrays in the layout of :mod:`skbackprop.backprop`:
    intercepts as the last row of each weight matrix, targets in the units the
    loss sees (``_encode_targets``). Besides the attributes ending in ``_``, a
    fit leaves the private state named in ``_private_fitted_state``, which a
    failed fit puts back as it was.
    """

    # What a fit sets besides the attributes ending in "_": the trained
    # parameters, the training history and the update rule's state, which warm
    # starts continue from. The parameters are kept as trained: the fitted
    # attributes may be them transformed (the network's fold the target scaling
    # in), and undoing that would round them in the last bit.
    _private_fitted_state = ("_params", "_history", "_optimizer")

    # A fitted array attribute in the namespace and on the device of the fit:
    # predict, and fits that continue, take X only from there.
    _namespace_attribute = "coef_"

    @abstractmethod
    def _encode_targets(self, y, sample_weight, dtype, *, first, partial, classes=None):
        """Encode validated ``y`` as the loss's targets; weigh the rows.

        ``y`` is as ``validate_data`` left it, in its own namespace;
        ``sample_weight`` is numpy's. The encoding is done on the host and
        returns numpy arrays, whatever namespace ``X`` lives in; the caller
        moves them to ``X``'s device. ``first`` is True when no previous fit is
        continued: the encoding (classes, target scaling) is fixed then, as
        fitted attributes.
        ``partial`` is True for ``partial_fit``, and ``classes`` its argument.
        Returns the targets, of dtype ``dtype``, and the sample weights (None
        when every row weighs the same).
        """

    @abstractmethod
    def _init_params(self, n_features, targets, rng, dtype):
        """The starting parameters for ``n_features`` and these targets."""

    @abstractmethod
    def _loss_grad(self, X, targets, sample_weight, params):
        """The objective and its gradient: ``(loss, [grad per parameter])``.

        One call of a :mod:`skbackprop.backprop` function: the gradient that
        is tested is the gradient that trains.
        """

    @abstractmethod
    def _params_to_attributes(self, params):
        """The fitted attributes, as a dict, of a model with these parameters."""

    @abstractmethod
    def _score_params(self, X, targets, sample_weight, params):
        """The score of ``params`` on rows with encoded targets, for early stopping.

        The ``score`` of the fitted model: accuracy for a classifier, R² for a
        regressor.
        """

    @staticmethod
    @abstractmethod
    def _score_standard_error(score, n_rows):
        """The standard error of a ``_score_params`` measured on ``n_rows`` rows."""

    def _warn_if_saturated(self, X, targets, params):
        """Optional hook: warn when sigmoids stuck at 0 or 1 keep the fit from learning.

        Called once a ``fit`` has trained, on a sample of its rows. A model
        whose gradient carries a sigmoid's derivative σ(1 − σ) learns nothing
        from where that derivative vanishes; unscaled features are the usual
        cause. Models without such a factor have nothing to check: the default
        does nothing.
        """

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data by backpropagation.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data. A dask array or DataFrame trains on the workers of
            its distributed Client, with solver "gd" or "lbfgs" (see "Data
            larger than memory" in the documentation).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the mean loss; None weighs them equally.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, partial=False)

    def _fit(self, X, y, sample_weight, *, partial, classes=None):
        """Validate, train and set the fitted attributes, or change nothing."""
        self._check_params()
        continuing = (partial or self.warm_start) and _is_fitted(self)
        on_dask = is_dask_collection(X)
        with _restore_on_failure(self):
            X, y, targets, sample_weight, rng, params, history = self._prepare(
                X,
                y,
                sample_weight,
                continuing=continuing,
                partial=partial,
                classes=classes,
            )
            with self._fit_threads(X.shape[0], params):
                validation = None
                # Rows on a cluster are not held out (skbackprop._dask): there,
                # early_stopping="auto" holds out none and alpha="auto" raises.
                early_stopping = (
                    self._early_stopping(X.shape[0]) and not partial and not on_dask
                )
                alpha_path = (
                    self.alpha == "auto"
                    and not (continuing or partial or on_dask)
                    and self._n_held_out(X.shape[0]) >= MIN_AUTO_VALIDATION
                )
                if early_stopping or alpha_path:
                    split = self._split_validation(X, y, targets, sample_weight, rng)
                    if alpha_path:
                        params = self._choose_alpha(*split, rng, params)
                    if early_stopping:
                        X, targets, sample_weight, validation = split
                        # The path's stage was chosen on these rows: training
                        # keeps it unless an epoch scores better.
                        validation = replace(validation, start_competes=alpha_path)
                n_iter_before = 0 if history is None else history.n_iter
                history, optimizer = self._train(
                    params,
                    X,
                    y,
                    targets,
                    sample_weight,
                    rng=rng,
                    validation=validation,
                    history=history,
                    partial=partial,
                    previous=getattr(self, "_optimizer", None) if continuing else None,
                )
            if not partial:
                # Features near the float maximum overflow to |z| = inf: saturated.
                if on_dask:
                    X_sample, targets_sample = X.sample_rows(SATURATION_SAMPLE)
                else:  # checked on the host, wherever the rows live
                    X_sample, targets_sample = to_namespace(
                        None, _sample_rows(X), _sample_rows(targets)
                    )
                with np.errstate(over="ignore", invalid="ignore"):
                    self._warn_if_saturated(
                        X_sample, targets_sample, to_namespace(None, *params)
                    )
            self._set_fitted(params, history, optimizer, n_iter_before, validation)
        return self

    def _prepare(self, X, y, sample_weight, *, continuing, partial, classes=None):
        """Validate the data, encode the targets, and set up the parameters.

        Returns ``X``, ``y``, the encoded targets, the sample weights, the
        random state, the starting parameters (those the fit continued trained
        when ``continuing``, else freshly drawn) and the history to append to
        (None for a fresh start). Sets what the encoding fixes on a first fit
        (``classes_``, the target scaling, ``n_features_in_``), and ``alpha_``:
        ``alpha``, the one chosen by the fit continued, or for ``"auto"`` on a
        first fit, ``SMALL_DATA_ALPHA`` until :meth:`_choose_alpha` measures it.

        A dask ``X`` is validated and encoded on its cluster: ``X`` is then a
        :class:`skbackprop._dask.DaskRows`, the targets and sample weights are
        in its blocks (here: its ``targets_meta``, of their shape and dtype
        but no rows, and None), and ``y`` is as given. With
        ``array_api_dispatch`` on and ``X`` an array-API array, ``X``, the
        targets, the weights and the parameters are returned in ``X``'s
        namespace and on its device; ``y`` is returned on the host (see
        :mod:`skbackprop._namespace`).
        """
        if self.alpha != "auto":
            self.alpha_ = self.alpha
        elif not continuing:
            self.alpha_ = SMALL_DATA_ALPHA  # until _choose_alpha measures it
        namespace = None
        if is_dask_collection(X):
            from skbackprop._dask import dask_rows

            X = dask_rows(
                self, X, y, sample_weight, continuing=continuing, partial=partial
            )
            targets, sample_weight = X.targets_meta, None
        else:
            namespace = namespace_of(X)
            if continuing:
                check_same_namespace(
                    X, self, attribute=self._namespace_attribute, method="fit"
                )
            X, y, targets, sample_weight = self._validate_and_encode(
                X,
                y,
                sample_weight,
                namespace=namespace,
                continuing=continuing,
                partial=partial,
                classes=classes,
            )
        rng = check_random_state(self.random_state)
        if continuing:
            # Copies: training updates them in place, and a failed fit keeps
            # the fitted ones.
            params = [ns.copy(ns.astype(p, X.dtype)) for p in self._params]
            history = copy.deepcopy(self._history)
        else:
            dtype = numpy_dtype(X.dtype, namespace)
            params = self._init_params(X.shape[1], targets, rng, dtype)
            history = None
        if namespace is not None:
            targets, sample_weight, *params = to_namespace(
                namespace, targets, sample_weight, *params
            )
            self._move_private_state(namespace)
        return X, y, targets, sample_weight, rng, params, history

    def _validate_and_encode(
        self, X, y, sample_weight, *, namespace, continuing, partial, classes
    ):
        """Validate rows in memory; return them, ``y``, the targets and weights.

        The targets and weights are numpy's, encoded on the host; ``y`` too.
        """
        X, y = validate_data(
            self,
            X,
            y,
            reset=not continuing,
            accept_sparse=("csr", "csc"),
            dtype=float_dtypes(namespace),
            multi_output=get_tags(self).target_tags.multi_output,
            y_numeric=not is_classifier(self),
        )
        dtype = numpy_dtype(X.dtype, namespace)
        _check_feature_scale(X, dtype)
        targets, sample_weight = self._encode_targets(
            y,
            self._sample_weight(to_host(sample_weight), X.shape[0], dtype),
            dtype,
            first=not continuing,
            partial=partial,
            classes=classes,
        )
        return X, to_host(y), targets, sample_weight

    def _move_private_state(self, namespace):
        """Move the private fitted arrays (a target scaling) to ``namespace``."""
        state = vars(self)
        for name in self._private_fitted_state:
            if isinstance(state.get(name), (np.ndarray, np.generic)):
                (state[name],) = to_namespace(namespace, np.asarray(state[name]))

    def _training_settings(self, n_samples, *, partial):
        """The settings of the epoch loop: one epoch, unchecked, for ``partial_fit``."""
        return TrainingSettings(
            max_iter=1 if partial else self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            batch_size=self._batch_size(n_samples),
            shuffle=self.shuffle,
            verbose=self.verbose,
            check_convergence=not partial,
        )

    def _train(
        self,
        params,
        X,
        y,
        targets,
        sample_weight,
        *,
        rng,
        validation,
        history,
        partial,
        previous,
    ):
        """Train ``params`` in place with the solver's family of loop.

        Returns the history and the optimizer (None for L-BFGS), whose state a
        warm start or the next ``partial_fit`` continues from ``previous``.
        """
        settings = self._training_settings(X.shape[0], partial=partial)
        monitor = FitMonitor(
            self, X, y, settings.max_iter, self._params_to_attributes, params
        )
        optimizer = self._make_optimizer(params, partial=partial)
        if type(previous) is type(optimizer):
            optimizer.resume_from(previous)
        history = train_epochs(
            self._loss_grad,
            params,
            optimizer,
            X,
            targets,
            sample_weight,
            settings,
            rng=rng,
            monitor=monitor,
            validation=validation,
            history=history,
        )
        monitor.fit_ends(params)
        if self.solver == "lbfgs":
            # L-BFGS carries nothing into a warm start: other rows may follow,
            # and it measures their curvature afresh.
            optimizer = None
        return history, optimizer

    def _set_fitted(self, params, history, optimizer, n_iter_before, validation):
        """Set the fitted attributes from the trained parameters and history.

        ``n_iter_`` counts this call's iterations: the history's after the
        ``n_iter_before`` of the fit it continued.
        """
        vars(self).update(self._params_to_attributes(params))
        self._params = params
        self._optimizer = optimizer
        self._history = history
        self.n_iter_ = history.n_iter - n_iter_before
        self.t_ = history.t
        self.loss_curve_ = list(history.loss_curve)
        if validation is None:
            self.best_loss_ = history.best_loss
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
        else:
            self.best_loss_ = None
            self.validation_scores_ = list(history.validation_scores)
            self.validation_loss_curve_ = list(history.validation_loss_curve)
            self.best_validation_score_ = history.best_validation_score

    def _check_params(self):
        """Check every hyperparameter's type and range before any work."""
        params = self.get_params(deep=False)
        for name, (kind, low, high, closed) in _NUMERIC_PARAMS.items():
            if name not in params or (name in _AUTO_PARAMS and params[name] == "auto"):
                continue
            # As MLPRegressor and SGDClassifier: np.inf turns off stopping by tol.
            if name == "n_iter_no_change" and params[name] == np.inf:
                continue
            value = params[name]
            if name in _AUTO_PARAMS and isinstance(value, str):
                raise TypeError(
                    f"{name} must be 'auto' or a {_TYPE_NAMES[kind]}; got {value!r}."
                )
            # bool is an int to Python, but True hidden units is a mistake.
            if isinstance(value, (bool, np.bool_)) and name != "verbose":
                raise TypeError(f"{name} must be an instance of {kind}, not bool.")
            check_scalar(
                value, name, kind, min_val=low, max_val=high, include_boundaries=closed
            )
            if not np.isfinite(value):  # NaN passes every comparison above
                raise ValueError(f"{name} must be finite, got {value!r}.")
        for name in _BOOLEAN_PARAMS:
            if name in _AUTO_PARAMS and params.get(name) == "auto":
                continue
            if name in params and not isinstance(params[name], (bool, np.bool_)):
                accepted = "'auto' or a bool" if name in _AUTO_PARAMS else "a bool"
                raise TypeError(f"{name} must be {accepted}, got {params[name]!r}.")
        for name, choices in _CHOICE_PARAMS.items():
            if params[name] not in choices:
                raise ValueError(
                    f"{name} must be one of {', '.join(map(repr, choices))}; "
                    f"got {params[name]!r}."
                )
        try:
            check_random_state(self.random_state)
        except ValueError as error:
            raise ValueError(f"random_state is invalid: {error}") from error
        batch_size = self.batch_size
        if not (isinstance(batch_size, str) and batch_size == "auto"):
            if isinstance(batch_size, str):
                raise ValueError(
                    f"batch_size must be 'auto' or an int >= 1; got {batch_size!r}."
                )
            check_scalar(batch_size, "batch_size", Integral, min_val=1)

        self._warn_unused_parameters()

    def _unused_parameters(self):
        """The parameters set away from their defaults that the solver ignores.

        Returns
        -------
        unused : dict of str to tuple of str
            Each such parameter, with the solvers that use it.
        """
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self)).parameters.items()
        }
        unused = {}
        for name, solvers in _USED_BY.items():
            value = getattr(self, name, defaults.get(name))
            if name not in defaults or _same_value(value, defaults[name]):
                continue
            if self.solver not in solvers or (
                name == "power_t" and self.learning_rate_schedule != "invscaling"
            ):
                unused[name] = solvers
        return unused

    def _warn_unused_parameters(self):
        """Warn once per fit when a parameter set by the user changes nothing."""
        unused = self._unused_parameters()
        if not unused:
            return
        parts = [
            f"{name}={getattr(self, name)!r} (used by "
            f"{' and '.join(map(repr, solvers))}"
            + (
                " under learning_rate_schedule='invscaling'"
                if name == "power_t"
                else ""
            )
            + ")"
            for name, solvers in unused.items()
        ]
        warn_caller(
            f"solver={self.solver!r} ignores {'; '.join(parts)}. Remove "
            f"{'it' if len(parts) == 1 else 'them'}, or choose a solver that "
            "uses it.",
            UserWarning,
        )

    def _fit_threads(self, n_samples, params):
        """The BLAS threads of training on ``n_samples`` rows (``_threads``).

        The largest product multiplies the rows of one update, all of them or
        a mini-batch, by the first layer's weights.
        """
        rows = self._batch_size(n_samples) or n_samples
        return fit_threads(rows * math.prod(params[0].shape))

    def _batch_size(self, n_samples):
        """Rows per update: None, the full batch, for 'gd' and 'lbfgs'."""
        if self.solver in ("gd", "lbfgs"):
            return None
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    def _make_optimizer(self, params, *, partial=False):
        """The update rule of the solver, with its settings.

        ``partial_fit`` sees each chunk once: "gd" cannot backtrack on it, and
        takes the constant steps of its other schedules instead. "lbfgs" has no
        ``partial_fit``; the learning rate range test trains it as one, so its
        steps do not backtrack either.
        """
        if self.solver == "lbfgs":
            return LBFGSOptimizer(
                params, self._learning_rate("lbfgs"), backtracking=not partial
            )
        if self.solver == "adam":
            return AdamOptimizer(
                params,
                self._learning_rate("adam"),
                float(self.beta_1),
                float(self.beta_2),
                float(self.epsilon),
            )
        if (
            self.solver == "gd"
            and self.learning_rate_schedule == "auto"
            and not partial
        ):
            return MonotoneGDOptimizer(
                params,
                self._learning_rate("backtracking"),
                momentum=None if self.momentum == "auto" else float(self.momentum),
                nesterov=self.nesterovs_momentum,
            )
        return SGDOptimizer(
            params,
            self._learning_rate("sgd"),
            momentum=SGD_MOMENTUM if self.momentum == "auto" else float(self.momentum),
            nesterov=self.nesterovs_momentum,
            schedule=(
                "constant"
                if self.learning_rate_schedule == "auto"
                else self.learning_rate_schedule
            ),
            power_t=self.power_t,
        )

    def _early_stopping(self, n_samples):
        """Whether to hold out rows; ``"auto"`` does when 20 or more would be."""
        if self.early_stopping == "auto":
            return self._n_held_out(n_samples) >= MIN_AUTO_VALIDATION
        return self.early_stopping

    def _n_held_out(self, n_samples):
        """How many of ``n_samples`` rows ``validation_fraction`` holds out."""
        return int(np.ceil(self.validation_fraction * n_samples))

    def _learning_rate(self, rule):
        """``learning_rate``, or the one that ``"auto"`` gives this update rule."""
        if self.learning_rate == "auto":
            return AUTO_LEARNING_RATES[rule]
        # A Python float: a numpy scalar times some array types gives numpy's.
        return float(self.learning_rate)

    def _sample_weight(self, sample_weight, n_samples, dtype, *, ensure_nonzero=True):
        """Validated sample weights, or None when every row weighs the same.

        ``ensure_nonzero=False`` leaves out the check that some weight is not
        zero, for a block of the rows (see ``require_some_weight``).
        """
        if sample_weight is None:
            return None
        sample_weight = check_array(
            sample_weight,
            ensure_2d=False,
            dtype=dtype,
            input_name="sample_weight",
            ensure_min_samples=0,
        )
        if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, "
                f"expected ({n_samples},)!"
            )
        if (sample_weight < 0).any():
            raise ValueError("Negative values in data passed to `sample_weight`.")
        if ensure_nonzero:
            require_some_weight(float(sample_weight.sum()))
        return sample_weight

    def _choose_alpha(self, X, targets, sample_weight, validation, rng, params):
        """``alpha="auto"``: set ``alpha_`` along the path of :mod:`skbackprop._alpha`.

        Each stage trains ``max_iter // STAGE_SHARE`` epochs on the rows not
        held out, unchecked as ``partial_fit``'s are, and ``validation``, the
        held-out rows, picks the penalty. Returns the weights of the stage
        picked, from which the fit goes on.
        """
        settings = replace(
            self._training_settings(X.shape[0], partial=False),
            max_iter=max(1, self.max_iter // STAGE_SHARE),
            check_convergence=False,
            verbose=0,
        )

        def train(params, alpha):
            self.alpha_ = alpha
            train_epochs(
                self._loss_grad,
                params,
                self._make_optimizer(params),
                X,
                targets,
                sample_weight,
                settings,
                rng=rng,
                monitor=NO_MONITOR,
            )

        self.alpha_, params = choose_alpha(
            train,
            validation.score,
            lambda score: self._score_standard_error(score, validation.n_rows),
            params,
        )
        if self.verbose:
            print(f"alpha='auto' chose alpha_={self.alpha_:.3g} on the held-out rows.")
        return params

    def _split_validation(self, X, y, targets, sample_weight, rng):
        """Hold out ``validation_fraction`` of the rows (stratified for classifiers).

        Held-out rows that cannot score the epochs, too few or all of zero
        weight, are refused, as MLPRegressor and SGDClassifier refuse them.
        The same rows serve early stopping and ``alpha="auto"``.
        """
        n_held_out = self._n_held_out(X.shape[0])
        # A stratified split needs a row of each class too.
        n_classes = self.classes_.shape[0] if hasattr(self, "classes_") else 0
        needed = max(MIN_VALIDATION, n_classes)
        if n_held_out < needed:
            raise ValueError(
                f"The validation set is too small: early stopping would hold out "
                f"{n_held_out} of {X.shape[0]} rows, and scoring needs {needed}. "
                "Increase validation_fraction or the size of your dataset, or set "
                "early_stopping=False."
            )
        train, held_out = train_test_split(
            np.arange(X.shape[0]),
            test_size=self.validation_fraction,
            random_state=rng,
            stratify=y if is_classifier(self) else None,
        )
        X_val, t_val = ns.take_rows(X, held_out), ns.take_rows(targets, held_out)
        sw_val = (
            None if sample_weight is None else ns.take_rows(sample_weight, held_out)
        )
        if sample_weight is not None:
            for which, rows in (("held out", held_out), ("left to train on", train)):
                if not ns.any_nonzero(ns.take_rows(sample_weight, rows)):
                    raise ValueError(
                        f"The sample weights of the rows {which} for early "
                        "stopping are all zero. Use another random_state or "
                        "validation_fraction, or set early_stopping=False."
                    )
        validation = Validation(
            score=lambda params: self._score_params(X_val, t_val, sw_val, params),
            loss=lambda params: self._loss_grad(X_val, t_val, sw_val, params)[0],
            n_rows=len(held_out),
        )
        if sample_weight is not None:
            sample_weight = ns.take_rows(sample_weight, train)
        return (
            ns.take_rows(X, train),
            ns.take_rows(targets, train),
            sample_weight,
            validation,
        )

    def _validate_X_predict(self, X, method):
        """Check a fitted model and the rows its ``method`` is asked to predict.

        Array-API rows must live where the model was fitted.
        """
        check_is_fitted(self)
        check_same_namespace(
            X, self, attribute=self._namespace_attribute, method=method
        )
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc"),
            dtype=float_dtypes(namespace_of(X)),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # With array_api_dispatch on, fits and predicts where X lives.
        tags.array_api_support = array_api_dispatch_available()
        return tags

    def onnx_parser(self):
        """Say to import :mod:`skbackprop.onnx` when skl2onnx lacks a converter.

        skl2onnx calls this hook while it parses a model it has no parser
        for; without it, a conversion before ``import skbackprop.onnx``
        fails with skl2onnx's generic ``MissingShapeCalculator``, which asks
        for an issue on sklearn-onnx. skl2onnx is imported only here, by
        skl2onnx's own call, so the default install never imports it.

        Returns
        -------
        parser : None
            skl2onnx's own parsing, once the estimator's converter is
            registered.

        Raises
        ------
        RuntimeError
            If skl2onnx has no converter registered for this estimator's class.
        """
        from skl2onnx import get_model_alias

        try:
            get_model_alias(type(self))
        except RuntimeError:
            name = type(self).__name__
            raise RuntimeError(
                f"skl2onnx has no converter for {name}: `import skbackprop.onnx` "
                "registers those of skbackprop's estimators. Import it before "
                "calling skl2onnx's to_onnx or convert_sklearn. A subclass needs "
                "its own, registered with skl2onnx.update_registered_converter."
            ) from None
        return None


# A sigmoid at |z| > SATURATED_Z has a derivative below 5e-5: flat.
SATURATED_Z = 10.0
# The saturation checks look at a sample of this many rows at most: a share
# to within a percent or two, and a copy of X no larger than that.
SATURATION_SAMPLE = SAMPLE_ROWS


def _sample_rows(array):
    """Every k-th row, at most ``SATURATION_SAMPLE`` of them (a view when dense)."""
    step = -(-array.shape[0] // SATURATION_SAMPLE)
    return array if step == 1 else array[::step]


def warn_saturated(estimator, X, fraction, what, why):
    """A ConvergenceWarning for a saturated fit, naming the likely cause first.

    On features whose columns have a root mean square within ``UNIT_SCALE``
    (:func:`~skbackprop._training.feature_scale`), the steps are the
    likely cause (a learning rate too large throws the weights far out in a
    few steps), so the message names the learning rate first; on larger
    features, scaling.

    Parameters
    ----------
    estimator : BaseBackprop
        The estimator fitted, for its ``learning_rate`` and ``solver``.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The rows the saturation was measured on.
    fraction : float
        The share of sigmoids saturated.
    what : str
        What is saturated, as a phrase.
    why : str
        Why that keeps the model from learning.
    """
    scale = feature_scale(X)
    saturated = (
        f"{fraction:.0%} of {what} are saturated (|z| > {SATURATED_Z:g}, where "
        f"σ(z)(1 − σ(z)) < 5e-5): {why}"
    )
    rate = f"learning_rate={estimator.learning_rate!r} of solver={estimator.solver!r}"
    if scale <= UNIT_SCALE:
        other = "" if estimator.solver == "lbfgs" else ", or use solver='lbfgs'"
        warn_not_converged(
            f"{saturated} The features are on unit scale (columns of root mean "
            f"square up to {scale:.3g}), "
            f"so the steps are the likely cause: lower the {rate} (a factor of "
            f"10 is a good first step; lr_range_test suggests one){other}."
        )
        return
    warn_not_converged(
        f"{saturated} X has columns of root mean square up to {scale:.3g}: "
        "scale the features, "
        "for example with sklearn.preprocessing.StandardScaler. If that is not "
        f"enough, lower the {rate}."
    )


def _same_value(value, default):
    """Whether a parameter's value is its default (1e-8 and 1e-08 alike)."""
    if isinstance(value, str) or isinstance(default, str):
        return isinstance(value, str) and value == default
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def require_some_weight(weight_sum):
    """Refuse sample weights that are all zero, given their sum (they are >= 0)."""
    if not weight_sum > 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")


def _check_feature_scale(X, dtype):
    """Refuse features whose squares overflow: no step size could train on them.

    The curvature of every loss here grows with the squares of the features
    (``X^T X``); past the square root of the dtype's maximum it is no number.
    """
    check_feature_scale(largest_value(X), dtype)


def largest_value(X):
    """The largest absolute value in ``X`` (of its entries, when sparse); 0 if none.

    An array-API array is searched on its device.
    """
    if not (hasattr(X, "tocsr") or isinstance(X, np.ndarray)):
        return ns.max_abs(X)
    values = X.data if hasattr(X, "tocsr") else X
    if values.size == 0:
        return 0.0
    return max(abs(float(values.max())), abs(float(values.min())))


def check_feature_scale(largest, dtype):
    """``_check_feature_scale``, given the largest absolute value in ``X``."""
    if largest > np.sqrt(np.finfo(dtype).max):
        raise ValueError(
            f"X holds values up to {largest:.3g}, whose squares overflow "
            f"{np.dtype(dtype)}: no learning rate can train on them. Scale the "
            "features, for example with sklearn.preprocessing.StandardScaler."
        )


def stack_intercept(coef, intercept):
    """``coef`` with ``intercept`` as its last row, as the backprop functions take W.

    In the namespace and on the device of ``coef`` and ``intercept``.
    """
    return ns.concat([coef, ns.reshape(intercept, (1,) + tuple(coef.shape[1:]))])


def supports_partial_fit(estimator):
    """Whether ``partial_fit`` exists: for every solver but L-BFGS.

    L-BFGS builds its curvature model from the whole data, so it cannot take one
    chunk at a time; asking for it raises an AttributeError that says so and
    names the solvers that stream.
    """
    if estimator.solver == "lbfgs":
        raise AttributeError(
            f"This {type(estimator).__name__!r} has no attribute 'partial_fit' "
            "with solver='lbfgs': L-BFGS builds its curvature model from the "
            "whole data at once and cannot take one chunk at a time. Set "
            f"solver to one of {', '.join(map(repr, SOLVERS[:3]))} to stream "
            "with partial_fit, or call fit."
        )
    return True


def available_if_streaming(method):
    """Make ``method`` (``partial_fit``) exist only for solvers that stream.

    As scikit-learn's :func:`~sklearn.utils.metaestimators.available_if`,
    ``hasattr(estimator, "partial_fit")`` is False where the solver cannot
    stream, so scikit-learn's tools treat the estimator as a non-streaming
    one; unlike it, the AttributeError raised carries the reason and the
    solvers that stream in its own message, not only in its cause.
    """
    return _StreamingMethod(method)


class _StreamingMethod:
    """The descriptor of :func:`available_if_streaming`."""

    def __init__(self, method):
        self.method = method
        functools.update_wrapper(self, method)

    def __get__(self, estimator, owner=None):
        if estimator is None:  # on the class, for documentation and inspection
            return self.method
        supports_partial_fit(estimator)
        return types.MethodType(self.method, estimator)


def _is_fitted(estimator):
    """Whether a previous fit left a model to continue from."""
    return hasattr(estimator, "_history")


def _fitted_state(estimator):
    """What a fit sets: the attributes ending in ``_`` and the private state.

    An attribute ending in ``_`` is fitted, as to ``check_is_fitted``; the
    private state is the estimator's ``_private_fitted_state``. Hyperparameters
    and what scikit-learn's callback machinery keeps are neither.
    """
    private = estimator._private_fitted_state
    return {
        name: value
        for name, value in vars(estimator).items()
        if (name.endswith("_") and not name.startswith("__")) or name in private
    }


@contextmanager
def _restore_on_failure(estimator):
    """Leave the estimator as it was (fitted or not) when the block raises.

    Its fitted state is put back as it was, and what the failed block added to
    it is removed.
    """
    before = _fitted_state(estimator)
    try:
        yield
    except BaseException:
        state = vars(estimator)
        for name in _fitted_state(estimator):
            del state[name]
        state.update(before)
        raise


def is_dask_collection(X):
    """Whether ``X`` is a dask collection, without importing dask.

    Whoever made a dask array has imported dask; if it is not imported, ``X``
    is none.
    """
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(X)


def lazy_on_dask(method):
    """Let a prediction method take a dask collection, and return a dask array.

    The method runs on each block of rows, on the workers, when the result is
    computed, as dask-ml's ``ParallelPostFit`` runs an estimator's.
    """

    @functools.wraps(method)
    def predict(self, X):
        if is_dask_collection(X):
            from skbackprop._dask import predict_blocks

            return predict_blocks(functools.partial(method, self), X)
        return method(self, X)

    return predict
