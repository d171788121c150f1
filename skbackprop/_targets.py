"""The targets as the loss sees them: fitted encoders of ``y``.

As MLPClassifier keeps the label binarizer its first fit fitted, an
estimator keeps the encoder of its targets as private fitted state
(``_target_encoder``): the first fit fits it, and fits that continue encode
their ``y`` with it. An encoder is numpy on the host, whatever namespace the
rows live in, and small: a cluster's workers receive it as an argument and
encode their blocks with it.

- :class:`ClassEncoder`, the classifiers': labels as 0/1 (two classes) or
  one-hot rows, and the weight of each class;
- :class:`TargetScaler`, the network's: ``y`` standardised by its weighted
  mean and spread.

Both ``fit(y, sample_weight)``, the weighted distribution of ``y``, and
``transform(y, sample_weight, dtype) -> (targets, sample_weight)``. Their
``fit`` is array code that sees only that distribution: a classifier's
counts of each label (a cluster sends its labels' weighted counts), and the
network's weighted means (a cluster's lazy ``y`` computes them, by numpy's
dispatch to dask).
"""

import numpy as np
from sklearn.utils import compute_class_weight

from skbackprop._namespace import to_host


class ClassEncoder:
    """Labels as the classifiers' loss sees them, and the weight of each class.

    Two classes are encoded as 0 (``classes_[0]``) and 1 (``classes_[1]``),
    ``k > 2`` classes as one-hot rows of ``k`` columns.

    Parameters
    ----------
    class_weight : dict, "balanced" or None, default=None
        The classifier's ``class_weight``. ``"balanced"`` weighs each class by
        ``n / (k · n_c)`` for ``n_c`` the weighted count of its rows in the
        ``y`` fitted, as LogisticRegression does from scikit-learn 1.7 (and 0
        for a class whose rows all weigh zero).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted labels.
    class_weight_ : ndarray of shape (n_classes,) or None
        The weight of each class; None when ``class_weight`` is None.
    """

    def __init__(self, class_weight=None):
        self.class_weight = class_weight

    def fit(self, y, sample_weight=None):
        """Fix the classes of ``y`` and, for ``class_weight``, their weights.

        Parameters
        ----------
        y : ndarray of shape (n_samples,)
            Labels: every row's, or each label once with ``sample_weight``
            its rows' total weight.
        sample_weight : ndarray of shape (n_samples,) or None, default=None
            The weight of each label of ``y``; None for one each.

        Returns
        -------
        self : ClassEncoder
            The fitted encoder.

        Raises
        ------
        ValueError
            If ``y`` has fewer than two classes, or ``class_weight`` gives a
            class no finite, non-negative weight.
        """
        classes = np.unique(y)
        if classes.shape[0] < 2:
            # tolist(): the label as Python writes it, 0.0 rather than
            # np.float64(0.0).
            raise ValueError(
                f"The data contains only one class: {classes.tolist()[0]!r}; a "
                "classifier needs at least 2 classes."
            )
        self.classes_ = classes
        self.class_weight_ = None
        if self.class_weight is None:
            return self
        if isinstance(self.class_weight, str):  # "balanced"
            # compute_class_weight's formula, from counts that may be summed
            # over blocks: the same to the bit as its count of every row.
            counts = np.bincount(np.searchsorted(classes, y), weights=sample_weight)
            counts = counts.astype(np.float64)
            # A class whose rows all weigh zero has nothing to weigh: 0, not inf.
            per_class = np.divide(
                counts.sum(),
                classes.shape[0] * counts,
                out=np.zeros_like(counts),
                where=counts > 0,
            )
        else:
            per_class = compute_class_weight(
                self.class_weight, classes=classes, y=classes
            )
        if not np.all(np.isfinite(per_class) & (per_class >= 0)):
            raise ValueError(
                "class_weight must give every class a finite, non-negative weight; "
                f"got {dict(zip(classes.tolist(), per_class.tolist()))}."
            )
        self.class_weight_ = per_class
        return self

    def transform(self, y, sample_weight, dtype):
        """The targets of labels ``y``, and their rows' weights times their class's.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Labels, each among ``classes_``.
        sample_weight : ndarray of shape (n_samples,) or None
            The rows' weights; None when every row weighs the same.
        dtype : numpy dtype
            The dtype of the targets and weights.

        Returns
        -------
        targets : ndarray of shape (n_samples,) or (n_samples, n_classes)
            0/1 for two classes, one-hot rows for more.
        sample_weight : ndarray of shape (n_samples,) or None
            The weights with the class weights multiplied in; None when every
            row weighs the same.

        Raises
        ------
        ValueError
            If ``y`` has a label not in ``classes_``.
        """
        y = to_host(y)
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{unseen.tolist()}."
            )
        index = np.searchsorted(self.classes_, y)
        if self.classes_.shape[0] == 2:
            targets = index.astype(dtype)
        else:
            targets = np.eye(self.classes_.shape[0], dtype=dtype)[index]
        if self.class_weight_ is None:
            return targets, sample_weight
        weights = self.class_weight_[index].astype(dtype)
        return targets, weights if sample_weight is None else weights * sample_weight


class TargetScaler:
    """Targets standardised as the network learns them: ``(y - mean_) / scale_``.

    Standardising makes ``learning_rate`` and ``alpha`` mean the same for any
    unit of ``y``.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to centre ``y``; without an intercept only the scale applies.

    Attributes
    ----------
    mean_ : ndarray of shape () or (n_outputs,)
        The weighted mean of each output; zero without an intercept.
    scale_ : ndarray of shape () or (n_outputs,)
        The weighted root-mean-square of each output about ``mean_``; 1 for a
        constant output.
    n_outputs_ : int
        The number of outputs.
    """

    def __init__(self, fit_intercept=True):
        self.fit_intercept = fit_intercept

    def fit(self, y, sample_weight=None):
        """Fix the mean and spread of ``y``, weighted by ``sample_weight``.

        Array code: for a lazy (dask) ``y``, the fitted ``mean_`` and
        ``scale_`` are lazy too, to be computed.

        Parameters
        ----------
        y : array of shape (n_samples,) or (n_samples, n_outputs)
            The targets, of the dtype the network trains in.
        sample_weight : array of shape (n_samples,) or None, default=None
            The rows' weights; None for equal weights.

        Returns
        -------
        self : TargetScaler
            The fitted scaler.
        """
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        mean = np.average(y, axis=0, weights=sample_weight)
        if not self.fit_intercept:
            mean = np.zeros_like(mean)
        self.mean_ = mean.astype(y.dtype)
        self.scale_ = _spread(y, mean, sample_weight).astype(y.dtype)
        return self

    def transform(self, y, sample_weight, dtype):
        """The standardised targets of ``y``; the weights as they are.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : ndarray of shape (n_samples,) or None
            The rows' weights.
        dtype : numpy dtype
            The dtype of the standardised targets.

        Returns
        -------
        targets : ndarray of the shape of ``y``
            ``(y - mean_) / scale_``.
        sample_weight : ndarray of shape (n_samples,) or None
            ``sample_weight``, unchanged.

        Raises
        ------
        ValueError
            If ``y`` has another number of outputs than the ``y`` fitted.
        """
        y = to_host(y).astype(dtype, copy=False)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs, but the model was fitted with "
                f"{self.n_outputs_}."
            )
        return (y - self.mean_) / self.scale_, sample_weight


def _spread(y, mean, sample_weight):
    """Weighted root-mean-square of ``y - mean`` per output; 1 where y is constant.

    The deviations are divided by the largest ``|y|`` before squaring, so that
    huge targets do not overflow; a spread within the rounding error of the
    mean is taken as a constant target, which keeps unit scale.
    """
    peak = np.max(np.abs(y), axis=0)
    unit = np.where(peak > 0, peak, 1)
    relative = np.sqrt(
        np.average(((y - mean) / unit) ** 2, axis=0, weights=sample_weight)
    )
    constant = relative <= y.shape[0] * np.finfo(y.dtype).eps
    return np.where(constant, 1, relative * unit)
