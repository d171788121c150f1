"""The two sigmoid classifiers of seeds §1 and §2: ŷ = σ(xW)."""

import numpy as np
from scipy.special import log_expit, log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from skbackprop import _namespace as ns
from skbackprop._base import (
    SATURATED_Z,
    BaseBackprop,
    available_if_streaming,
    predicts_where_rows_live,
    set_hyperparameters,
    stack_intercept,
    warn_saturated,
)
from skbackprop._docs import (
    CLASSIFIER_ENTRIES,
    CLASSIFIER_SECTIONS,
    fill_shared_entries,
)
from skbackprop._fixes import StrOptions, with_callbacks
from skbackprop._namespace import labels_at, namespace_of, to_host, to_namespace
from skbackprop._targets import ClassEncoder
from skbackprop.backprop import linear_forward, logistic_ce_grad, sigmoid_sse_grad


@fill_shared_entries()
class _LinearClassifier(ClassifierMixin, BaseBackprop):
    """A linear model with sigmoid outputs, trained by one backprop function.

    Two classes use one output, ``P(classes_[1]) = σ(z)``; ``k > 2`` classes use
    one output per class against one-hot targets. Subclasses choose the
    backprop function and how ``k`` scores become probabilities.
    """

    _parameter_constraints: dict = {
        **BaseBackprop._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        learning_rate="auto",
        solver="lbfgs",
        max_iter=1000,
        tol=1e-4,
        alpha=1e-3,
        fit_intercept=True,
        batch_size="auto",
        learning_rate_schedule="auto",
        power_t=0.5,
        momentum="auto",
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        class_weight=None,
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        set_hyperparameters(self, locals())

    @available_if_streaming
    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one epoch over the given rows.

        Parameters
        ----------
        %(training X)s
        y : array-like of shape (n_samples,)
            Target labels.
        classes : array-like of shape (n_classes,), default=None
            Every label the model will see. Required on the first call; a later
            call may pass it again, but not other labels.
        %(sample_weight)s

        Returns
        -------
        %(updated self)s
        """
        # The parameters first, as scikit-learn's partial_fit checks them:
        # a bad one is the error, whatever the call's arguments.
        self._validate_params()
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit, whose "
                "chunks do not show the class frequencies; pass "
                "compute_class_weight('balanced', classes=classes, y=y) as a dict."
            )
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    @predicts_where_rows_live
    def decision_function(self, X):
        """Pre-activation scores ``z = xW + b`` of the sigmoid outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the score of ``classes_[1]``: positive means that
            class is predicted.
        """
        return self._scores(X, "decision_function")

    @predicts_where_rows_live
    def predict(self, X):
        """Predict the class of each row.

        Parameters
        ----------
        %(X to classify)s

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted labels.
        """
        return self._labels(self._scores(X, "predict"))

    @predicts_where_rows_live
    def predict_proba(self, X):
        """Class probabilities of each row.

        Parameters
        ----------
        %(X to classify)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class in ``classes_``; rows sum to 1.
        """
        return softmax(self._class_logits(self._scores(X, "predict_proba")), axis=1)

    @predicts_where_rows_live
    def predict_log_proba(self, X):
        """Logarithm of the class probabilities of each row.

        Parameters
        ----------
        %(X to classify)s

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class in ``classes_``, finite even where
            the probability rounds to 0.
        """
        scores = self._scores(X, "predict_log_proba")
        return log_softmax(self._class_logits(scores), axis=1)

    def _class_logits(self, scores):
        """Logits whose softmax is ``predict_proba``.

        For two classes, ``softmax([0, z]) = [1 - σ(z), σ(z)]``; for more, the
        subclass decides (``_multiclass_logits``).
        """
        if scores.ndim == 1:
            if isinstance(scores, np.ndarray):
                return np.column_stack([np.zeros_like(scores), scores])
            xp = ns.xp_of(scores)
            return xp.stack([xp.zeros_like(scores), scores], axis=1)
        return self._multiclass_logits(scores)

    def _scores(self, X, method):
        """``decision_function``'s scores, for the public ``method`` asking."""
        X = self._validate_X_predict(X, method)
        return self._decision(X, self._attributes_to_params())

    def _decision(self, X, params):
        return linear_forward(X, params[0], fit_intercept=self.fit_intercept)

    def _labels(self, scores):
        if not isinstance(scores, np.ndarray) or not isinstance(
            self.classes_, np.ndarray
        ):
            return labels_at(self.classes_, _predicted_indices(scores), scores)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]

    @staticmethod
    def _score_standard_error(score, n_rows):
        """The standard error of an accuracy measured on ``n_rows`` rows."""
        return float(np.sqrt(score * (1 - score) / n_rows))

    def _predict_params(self, X, params):
        return self._decision(X, params)

    @staticmethod
    def _score_predictions(targets, scores, sample_weight):
        return _accuracy(scores, targets, sample_weight)

    def _loss_grad(self, X, y, sample_weight, params, *, alpha, weight_sum=None):
        loss, grad = self._backprop(
            X,
            y,
            params[0],
            fit_intercept=self.fit_intercept,
            sample_weight=sample_weight,
            weight_sum=weight_sum,
            alpha=alpha,
            check_input=False,
        )
        return loss, [grad]

    def _fitted_target_encoder(
        self, y, sample_weight, dtype, *, continuing, partial, classes=None
    ):
        """The :class:`~skbackprop._targets.ClassEncoder` of this fit.

        A first fit fixes the classes, of ``y`` or of ``partial_fit``'s
        ``classes``, and sets ``classes_`` in the namespace and on the device
        of ``y``, as LogisticRegression does. A warm start keeps them and
        weighs them by its own rows; ``partial_fit`` keeps the encoder.
        """
        label_namespace = namespace_of(y)
        y, classes = to_host(y), to_host(classes)
        check_classification_targets(y)
        if continuing:
            fitted_classes = self._target_encoder.classes_
            if classes is not None and not np.array_equal(
                np.unique(classes), fitted_classes
            ):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()} is not the same as on "
                    f"the first call to partial_fit, {fitted_classes.tolist()}."
                )
            if partial:
                return self._target_encoder
            if not np.array_equal(np.unique(y), fitted_classes):
                raise ValueError(
                    "warm_start can only be used where y has the same classes as "
                    f"in the previous call to fit: previously "
                    f"{fitted_classes.tolist()}, now {np.unique(y).tolist()}."
                )
        encoder = ClassEncoder(self.class_weight)
        if partial:  # the first call: every label to come, none counted
            encoder.fit(classes)
        else:
            encoder.fit(y, sample_weight)
        if not continuing:
            (self.classes_,) = to_namespace(label_namespace, encoder.classes_)
        self._target_encoder = encoder
        return encoder

    def _init_params(self, n_features, targets, rng, dtype):
        """Zero weights: with no hidden units, there is no symmetry to break.

        (Cross-entropy is convex in W, so the start does not matter for where
        it ends; squared error on a sigmoid is not, and W = 0, where every
        sigmoid sits at 1/2 and learns fastest, is a good place to start it.)
        """
        shape = (n_features + self.fit_intercept,) + targets.shape[1:]
        return [np.zeros(shape, dtype=dtype)]

    def _params_to_attributes(self, params):
        W = ns.reshape(params[0], (params[0].shape[0], -1))
        coef = W[:-1, ...] if self.fit_intercept else W
        return {
            "coef_": (
                np.ascontiguousarray(coef.T)
                if isinstance(coef, np.ndarray)
                else ns.copy(coef.T)
            ),
            "intercept_": (
                self._canonical_intercept(ns.copy(W[-1, ...]))
                if self.fit_intercept
                else ns.zeros_like(W[0, ...])
            ),
        }

    @staticmethod
    def _canonical_intercept(intercept):
        """The intercepts as fitted: each output's own."""
        return intercept

    def _attributes_to_params(self):
        W = self.coef_.T
        if self.fit_intercept:
            W = stack_intercept(W, self.intercept_)
        return [ns.reshape(W, (-1,)) if self.classes_.shape[0] == 2 else W]


@fill_shared_entries(CLASSIFIER_ENTRIES, CLASSIFIER_SECTIONS)
class SigmoidSSEClassifier(_LinearClassifier):
    """Sigmoid outputs trained on squared error (seed §1).

    Read more in the derivation, §1: ``ŷ = σ(xW)``, ``E = ½(y − ŷ)²`` and the
    gradient ``−(y − ŷ) ŷ (1 − ŷ) x`` (eq. (30), with the sign the seed drops).

    Parameters
    ----------
    %(classifier parameters)s

    Attributes
    ----------
    %(classifier attributes)s

    See Also
    --------
    LogisticCEClassifier : The same model trained on cross-entropy.
    sklearn.linear_model.LogisticRegression : The cross-entropy model, by scikit-learn.

    Notes
    -----
    With more than two classes, each class has its own sigmoid, trained against
    one-hot targets, and ``predict_proba`` normalises the sigmoids to sum to 1.

    Examples
    --------
    Three classes, one sigmoid each, normalised into probabilities:

    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skbackprop import SigmoidSSEClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SigmoidSSEClassifier().fit(X, y)
    >>> model.coef_.shape
    (3, 4)
    >>> bool(np.allclose(model.predict_proba(X).sum(axis=1), 1))
    True
    >>> model.score(X, y) > 0.9
    True
    """

    _backprop = staticmethod(sigmoid_sse_grad)

    # More outputs than this share, wrong and saturated, mean a stuck fit: at
    # most 0.07% on 22 standardised datasets, 6% to 24% on 8 of them raw
    # (benchmarks/datasets.py and scikit-learn's four); 3% where a fifth of
    # the labels are flipped and alpha=0, which squared error rightly ignores.
    STUCK_SHARE = 0.05

    def _warn_if_saturated(self, X, targets, params):
        """Warn when many rows are confidently wrong: eq. (30) learns nothing there.

        Squared error keeps the sigmoid's derivative ŷ(1 − ŷ) in its gradient, so
        a sigmoid saturated on the wrong side of a row stays there.
        """
        scores = self._decision(X, params)
        stuck = ((scores > 0) != (targets > 0.5)) & (np.abs(scores) > SATURATED_Z)
        if stuck.mean() > self.STUCK_SHARE:
            warn_saturated(
                self,
                X,
                stuck.mean(),
                "the sigmoid outputs on the training rows are wrong and",
                "squared error's gradient, -(y - ŷ)ŷ(1 - ŷ)x (eq. (30)), vanishes "
                "there, so they stay wrong.",
            )

    @staticmethod
    def _multiclass_logits(scores):
        # softmax(log σ(z)) = σ(z_k) / Σ_j σ(z_j): the sigmoids, normalised.
        if isinstance(scores, np.ndarray):
            return log_expit(scores)
        # scipy's log_expit is numpy's only: log σ(z) = min(z, 0) - log(1 + e^-|z|).
        xp = ns.xp_of(scores)
        return xp.minimum(scores, 0.0) - xp.log1p(xp.exp(-xp.abs(scores)))


@fill_shared_entries(CLASSIFIER_ENTRIES, CLASSIFIER_SECTIONS)
class LogisticCEClassifier(_LinearClassifier):
    """Sigmoid (softmax) outputs trained on cross-entropy (seed §2).

    Read more in the derivation, §2: ``ŷ = σ(xW)``,
    ``E = −y log ŷ − (1 − y) log(1 − ŷ)`` and the gradient ``−(y − ŷ) x``
    (eq. (69)).

    Parameters
    ----------
    %(classifier parameters)s

    Attributes
    ----------
    %(classifier attributes)s

    See Also
    --------
    SigmoidSSEClassifier : The same model trained on squared error.
    sklearn.linear_model.LogisticRegression : The same objective, by scikit-learn.

    Notes
    -----
    With more than two classes the sigmoid becomes a softmax over one output per
    class (multinomial logistic regression); the gradient keeps the form of
    eq. (69), ``−(Y − Ŷ)ᵀX``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import LogisticCEClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticCEClassifier()).fit(X, y)
    >>> model.score(X, y) > 0.95
    True
    """

    _backprop = staticmethod(logistic_ce_grad)

    @staticmethod
    def _multiclass_logits(scores):
        return scores

    @staticmethod
    def _canonical_intercept(intercept):
        """The softmax's intercepts shifted to sum to zero, as LogisticRegression's.

        Adding one number to every class's intercept changes no probability and
        is not penalised; gd and sgd, from zero, never move along it (the
        softmax's gradient sums to zero over the classes), but Adam's
        per-coordinate steps do.
        """
        if intercept.shape[0] > 1:
            intercept -= ns.mean(intercept)
        return intercept


def _predicted_indices(scores):
    """The index into ``classes_`` of each row's predicted class."""
    xp = ns.xp_of(scores)
    if scores.ndim == 1:
        return xp.astype(scores > 0, xp.int64)
    return xp.argmax(scores, axis=1)


def _accuracy(scores, targets, sample_weight):
    """The (weighted) share of rows whose encoded target the scores predict.

    Computed in the namespace and on the device of ``scores``.
    """
    if scores.ndim == 1:
        hits = (scores > 0) == (targets > 0.5)
    else:
        hits = ns.argmax(scores, axis=1) == ns.argmax(targets, axis=1)
    return ns.share(hits, sample_weight)
