"""What the three estimators share: fit and partial_fit, fitted state, predictions.

The rows of a fit (:mod:`skbackprop._rows`, :mod:`skbackprop._dask`), the
encoders of its targets (:mod:`skbackprop._targets`), what it trains
(:mod:`skbackprop._problem`) and what the hyperparameters make of it
(:mod:`skbackprop._solvers`) live in their own modules.
"""

import copy
import functools
import inspect
import sys
import types
from abc import ABC, abstractmethod
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skbackprop import _namespace as ns
from skbackprop import _solvers
from skbackprop._alpha import alpha_path
from skbackprop._callbacks import FitMonitor
from skbackprop._docs import fill_shared_entries
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
from skbackprop._problem import TrainingProblem
from skbackprop._rows import in_memory_rows
from skbackprop._solvers import SOLVERS
from skbackprop._training import (
    SAMPLE_ROWS,
    UNIT_SCALE,
    feature_scale,
    warn_not_converged,
)

# alpha="auto" on data too small to hold out MIN_AUTO_VALIDATION rows: the
# best of 1e-1 to 1e-4 on 150-row samples of most of 19 regression datasets
# (diabetes, Friedman's three and those of benchmarks/datasets.py).
SMALL_DATA_ALPHA = 1e-2


@fill_shared_entries()
class BaseBackprop(CallbackSupportMixin, BaseEstimator, ABC):
    """Fit plumbing shared by the estimators; subclasses supply the model.

    A subclass is the model: it implements the six abstract methods below, and
    may override the optional hook ``_warn_if_saturated``. The parameters they
    exchange are a list of arrays in the layout of :mod:`skbackprop.backprop`:
    intercepts as the last row of each weight matrix, targets in the units the
    loss sees (``_fitted_target_encoder``). Besides the attributes ending in ``_``, a
    fit leaves the private state named in ``_private_fitted_state``, which a
    failed fit puts back as it was.
    """

    # What a fit sets besides the attributes ending in "_": the trained
    # parameters, the training history, the update rule's state and the
    # encoder of the targets, which warm starts continue from. The parameters
    # are kept as trained: the fitted attributes may be them transformed (the
    # network's fold the target scaling in), and undoing that would round them
    # in the last bit.
    _private_fitted_state = ("_params", "_history", "_optimizer", "_target_encoder")

    # What each parameter accepts (skbackprop._solvers), checked by
    # BaseEstimator._validate_params at the start of fit and partial_fit;
    # subclasses add their own parameters.
    _parameter_constraints: dict = _solvers.PARAMETER_CONSTRAINTS

    # A fitted array attribute in the namespace and on the device of the fit:
    # predict, and fits that continue, take X only from there.
    _namespace_attribute = "coef_"

    @abstractmethod
    def _fitted_target_encoder(
        self, y, sample_weight, dtype, *, continuing, partial, classes=None
    ):
        """The fitted encoder of this fit's targets (:mod:`skbackprop._targets`).

        ``y`` is as ``validate_data`` left it, in its own namespace (on a
        cluster: the lazy targets, or the labels with their weighted counts
        as ``sample_weight``); ``sample_weight`` is numpy's. A first fit
        (``continuing`` False) fits a new encoder, fixing what it sets
        (``classes_``, ``n_outputs_``); a fit that continues checks ``y``
        against it. The encoder is kept as ``_target_encoder``.
        ``partial`` is True for ``partial_fit``, and ``classes`` its argument.
        """

    @abstractmethod
    def _init_params(self, n_features, targets, rng, dtype):
        """The starting parameters for ``n_features`` and these targets."""

    @abstractmethod
    def _loss_grad(self, X, targets, sample_weight, params, *, alpha, weight_sum=None):
        """The objective at penalty ``alpha`` and its gradient: ``(loss, grads)``.

        One call of a :mod:`skbackprop.backprop` function: the gradient that
        is tested is the gradient that trains.
        """

    @abstractmethod
    def _params_to_attributes(self, params):
        """The fitted attributes, as a dict, of a model with these parameters."""

    @abstractmethod
    def _predict_params(self, X, params):
        """What ``params`` predict for rows ``X``, as ``_score_predictions`` scores."""

    @staticmethod
    @abstractmethod
    def _score_predictions(targets, predictions, sample_weight):
        """The ``score`` of predictions against encoded targets: accuracy or R²."""

    def _score_params(self, X, targets, sample_weight, params):
        """The score of ``params`` on rows with encoded targets, for early stopping.

        The ``score`` of the fitted model: accuracy for a classifier, R² for a
        regressor.
        """
        predictions = self._predict_params(X, params)
        return self._score_predictions(targets, predictions, sample_weight)

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
        %(sample_weight)s

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, partial=False)

    def _fit(self, X, y, sample_weight, *, partial, classes=None):
        """Validate, train and set the fitted attributes, or change nothing."""
        continuing = (partial or self.warm_start) and _is_fitted(self)
        with _restore_on_failure(self):
            problem = self._training_problem(
                X, y, sample_weight, partial=partial, classes=classes
            )
            history = problem.history
            n_iter_before = 0 if history is None else history.n_iter
            with problem.threads():
                validation = self._hold_out(problem, y, continuing, partial)
                optimizer = problem.update_rule(partial=partial)
                previous = getattr(self, "_optimizer", None)
                if continuing and type(previous) is type(optimizer):
                    optimizer.resume_from(previous)
                settings = problem.settings(partial=partial)
                monitor = FitMonitor(
                    self,
                    X,
                    y,
                    settings.max_iter,
                    self._params_to_attributes,
                    problem.params,
                )
                history = problem.train(
                    optimizer,
                    settings,
                    monitor=monitor,
                    validation=validation,
                    history=history,
                )
                monitor.fit_ends(problem.params)
            if not partial:
                # Features near the float maximum overflow to |z| = inf: saturated.
                X_sample, targets_sample = problem.rows.sample(SATURATION_SAMPLE)
                with np.errstate(over="ignore", invalid="ignore"):
                    self._warn_if_saturated(
                        X_sample, targets_sample, to_namespace(None, *problem.params)
                    )
            self.alpha_ = problem.alpha
            self._set_fitted(
                problem.params,
                history,
                optimizer.carried_state(),
                n_iter_before,
                validation,
            )
        return self

    def _training_problem(self, X, y, sample_weight=None, *, partial, classes=None):
        """Check the hyperparameters and the data; set up what a fit trains.

        The one seam through which fits and the learning rate range test
        start training: the rows (in memory, of any namespace, or on a
        cluster, :mod:`skbackprop._rows`), the starting parameters (those the
        fit continued trained, with its history, else freshly drawn) and the
        penalty: ``alpha``, the one the fit continued chose, or for ``"auto"``
        on a first fit ``SMALL_DATA_ALPHA`` until the path measures it. Sets
        what the encoding fixes on a first fit (``classes_``, the target
        scaling, ``n_features_in_``). With ``array_api_dispatch`` on and ``X``
        an array-API array, the rows and the parameters live in ``X``'s
        namespace and on its device (see :mod:`skbackprop._namespace`).

        Returns
        -------
        problem : TrainingProblem
            What the fit trains (:mod:`skbackprop._problem`).
        """
        self._check_params()
        continuing = (partial or self.warm_start) and _is_fitted(self)
        if self.alpha != "auto":
            alpha = float(self.alpha)
        else:
            alpha = self.alpha_ if continuing else SMALL_DATA_ALPHA
        rows = self._rows(X, y, sample_weight, continuing, partial, classes)
        rng = check_random_state(self.random_state)
        if continuing:
            # Copies: training updates them in place, and a failed fit keeps
            # the fitted ones.
            params = [ns.copy(ns.astype(p, rows.dtype)) for p in self._params]
            history = copy.deepcopy(self._history)
        else:
            dtype = numpy_dtype(rows.dtype, rows.namespace)
            params = self._init_params(rows.shape[1], rows.targets, rng, dtype)
            params = to_namespace(rows.namespace, *params)
            history = None
        return TrainingProblem(self, rows, params, alpha, rng, history)

    def _rows(self, X, y, sample_weight, continuing, partial, classes):
        """The rows of a fit, validated and encoded where they live."""
        cluster = _cluster(X)
        if cluster is not None:
            return cluster.dask_rows(
                self, X, y, sample_weight, continuing=continuing, partial=partial
            )
        return in_memory_rows(
            self,
            X,
            y,
            sample_weight,
            continuing=continuing,
            partial=partial,
            classes=classes,
        )

    def _hold_out(self, problem, y, continuing, partial):
        """Hold out rows for early stopping and ``alpha="auto"``, as asked.

        Returns the held-out rows as the training loop scores them, or None.
        ``problem.rows`` becomes the rows left to train on when early stopping
        holds them out; ``alpha="auto"`` trains its path on those rows too,
        and sets ``problem.alpha`` and the parameters to the stage it chose.
        """
        n_rows = problem.rows.shape[0]
        early_stopping = not partial and _solvers.early_stopping(self, n_rows)
        choose_alpha = (
            self.alpha == "auto"
            and not (continuing or partial)
            and _solvers.n_held_out(self, n_rows) >= _solvers.MIN_AUTO_VALIDATION
        )
        if not (early_stopping or choose_alpha):
            return None
        stratify = to_host(y) if is_classifier(self) else None
        held_out, train_rows = problem.rows.split(
            self.validation_fraction, problem.random_state, stratify
        )
        if choose_alpha:
            problem.alpha = alpha_path(problem, train_rows, held_out)
            if self.verbose:
                print(
                    f"alpha='auto' chose alpha_={problem.alpha:.3g} on the held-out "
                    "rows."
                )
        if not early_stopping:
            return None
        problem.rows = train_rows
        # The path's stage was chosen on these rows: training keeps it unless
        # an epoch scores better.
        return problem.validation(held_out, start_competes=choose_alpha)

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
        """Check every parameter against ``_parameter_constraints`` before any work.

        Then warn about the parameters that the solver ignores (not an error:
        ``set_params`` may change the solver next).
        """
        self._validate_params()
        _solvers.warn_unused_parameters(self)

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


def set_hyperparameters(estimator, arguments):
    """Store ``__init__``'s arguments, unchanged, as attributes of the same names.

    As every scikit-learn estimator does, one attribute per parameter of the
    signature and nothing else; ``arguments`` is ``__init__``'s ``locals()``.
    """
    for name in inspect.signature(type(estimator)).parameters:
        setattr(estimator, name, arguments[name])


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


def _cluster(X):
    """Where rows on a cluster are handled (:mod:`skbackprop._dask`), for such ``X``.

    None for rows in memory. Whoever made a dask collection has imported dask;
    where it is not imported, ``X`` is none, and skbackprop never imports it.
    """
    dask = sys.modules.get("dask")
    if dask is None or not dask.is_dask_collection(X):
        return None
    from skbackprop import _dask

    return _dask


def predicts_where_rows_live(method):
    """Let a prediction method take rows on a cluster, and return them there.

    On a cluster, the method runs on each block of rows, on the workers, when
    the result is computed, as dask-ml's ``ParallelPostFit`` runs an
    estimator's.
    """

    @functools.wraps(method)
    def predict(self, X):
        cluster = _cluster(X)
        if cluster is not None:
            return cluster.predict_blocks(functools.partial(method, self), X)
        return method(self, X)

    return predict
