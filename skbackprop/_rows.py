"""Rows that know where they live: what training asks of the data, in memory.

Training talks to its rows through one protocol, whatever holds them. Rows
offer what an epoch needs:

- ``shape`` and ``dtype``, those of the rows' ``X``;
- ``namespace``: where the parameters that train on them live, the rows'
  array namespace and device (None: numpy, on the host);
- ``loss_grad(objective, params)``: the loss and gradients over all of them;
- ``batches(batch_size, random_state, shuffle)``: an epoch of mini-batches;
- ``split(fraction, random_state, stratify)``: the rows held out and the rows
  left to train on, two rows objects over the same data, never a copy of the
  rows left to train on where they are large;
- ``score(model, params)``: the estimator's score of the parameters on them;
- ``sample(n_rows)``: at most ``n_rows`` of them, on the host, for checks
  that look at a sample (saturation, feature scale).

:class:`InMemoryRows` are rows in memory, in any array namespace and on its
device (numpy, scipy.sparse, torch, CuPy); :class:`skbackprop._dask.DaskRows`
are rows on a Dask cluster. An ``objective`` is the estimator's loss with its
penalty bound (``objective(X, targets, sample_weight, params,
weight_sum=None) -> (loss, grads)``, :class:`skbackprop._problem.Objective`);
a ``model`` the estimator, whose ``_predict_params`` and ``_score_predictions``
score.
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import get_tags
from sklearn.utils.validation import validate_data

from skbackprop import _namespace as ns
from skbackprop._fixes import check_same_namespace
from skbackprop._namespace import (
    float_dtypes,
    namespace_of,
    numpy_dtype,
    on_host,
    to_host,
    to_namespace,
)
from skbackprop._validation import (
    check_feature_scale,
    check_sample_weight,
    largest_value,
)

# A full-batch loss and gradient is summed over blocks of rows of X of about this
# many bytes: the arrays between the forward and the backward pass then grow with
# the block, not with n_samples (and stay small enough to be reused rather than
# freshly mapped), while each block is still large enough for OpenBLAS to share
# its matrix products among threads.
BLOCK_BYTES = 2**23
# Rows left to train on after a split are gathered from a dense numpy X a
# block at a time, at each evaluation, once X is larger than this: a copy of
# them would cost nine tenths of X's memory again. Below it, they are copied
# once, which saves a gather per block and evaluation: that doubled the time
# of a gd fit on 100,000 x 50 float64 (38 MiB), one BLAS thread.
GATHER_BYTES = 2**27
# Fewer held-out rows than this cannot score at all: R² needs two.
MIN_VALIDATION = 2


def in_memory_rows(estimator, X, y, sample_weight, *, continuing, partial, classes):
    """Validate and encode the rows of a fit in memory: its :class:`InMemoryRows`.

    ``validate_data`` checks ``X`` and ``y`` (and sets ``n_features_in_`` on a
    fresh fit); the targets are encoded on the host, with numpy, by the
    estimator's fitted encoder (:mod:`skbackprop._targets`), whatever
    namespace ``X`` lives in, and cross to ``X``'s device once, encoded (see
    :mod:`skbackprop._namespace`). A fit that continues takes ``X`` only in
    the namespace and on the device of the fit it continues.

    Parameters
    ----------
    estimator : BaseBackprop
        The estimator being fitted; its ``_fitted_target_encoder`` encodes
        ``y``.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The targets.
    sample_weight : array-like of shape (n_samples,) or None
        The sample weights.
    continuing : bool
        Whether the fit continues from the fitted model.
    partial : bool
        Whether it is ``partial_fit``.
    classes : array-like or None
        ``partial_fit``'s ``classes``.

    Returns
    -------
    rows : InMemoryRows
        The validated rows and their encoded targets and weights.
    """
    namespace = namespace_of(X)
    if continuing:
        check_same_namespace(
            X, estimator, attribute=estimator._namespace_attribute, method="fit"
        )
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=not continuing,
        accept_sparse=("csr", "csc"),
        dtype=float_dtypes(namespace),
        multi_output=get_tags(estimator).target_tags.multi_output,
        y_numeric=not is_classifier(estimator),
    )
    dtype = numpy_dtype(X.dtype, namespace)
    check_feature_scale(largest_value(X), dtype)
    sample_weight = check_sample_weight(to_host(sample_weight), X.shape[0], dtype)
    encoder = estimator._fitted_target_encoder(
        y,
        sample_weight,
        dtype,
        continuing=continuing,
        partial=partial,
        classes=classes,
    )
    targets, sample_weight = encoder.transform(y, sample_weight, dtype)
    if namespace is not None:
        targets, sample_weight = to_namespace(namespace, targets, sample_weight)
    return InMemoryRows(X, targets, sample_weight)


class InMemoryRows:
    """Rows of a fit in memory: ``X``, the encoded targets and the row weights.

    Parameters
    ----------
    X : {ndarray, sparse matrix, array} of shape (n_samples, n_features)
        The rows, validated, of any array namespace.
    targets : array of shape (n_samples,) or (n_samples, n_outputs)
        Their encoded targets, in ``X``'s namespace.
    sample_weight : array of shape (n_samples,) or None
        Their weights; None when every row weighs the same.
    index : ndarray of int, default=None
        The rows of ``X`` these are, in their order; None for all of them. Rows
        held out for early stopping leave the others as such an index into
        the same ``X``: a large dense numpy ``X`` is then gathered a block at
        a time, never copied whole (see ``GATHER_BYTES``); a smaller one is
        copied once.
    """

    def __init__(self, X, targets, sample_weight=None, index=None):
        if index is not None and not _gathers_by_block(X):
            # The rows are gathered once, rather than at each evaluation: X is
            # small, or sparse or of another namespace, summed in one block.
            X, targets, sample_weight = _take(index, X, targets, sample_weight)
            index = None
        self.X, self.targets, self.sample_weight = X, targets, sample_weight
        self.index = index
        # The weights of these rows, for their sum and mean: gathered once, a
        # number per row, not at each evaluation.
        self._row_weights = sample_weight
        if sample_weight is not None and index is not None:
            self._row_weights = _take_rows(sample_weight, index)
        n_rows = X.shape[0] if index is None else index.shape[0]
        self.shape = (n_rows, X.shape[1])
        self.dtype = X.dtype
        self.namespace = namespace_of(X)

    def arrays(self, rows=None):
        """``X``, the targets and the weights of these rows (of ``rows`` of them).

        Views of the arrays where the rows are a slice of all of them, copies
        of the rows asked for otherwise.
        """
        if rows is None:
            rows = slice(None)
        if self.index is not None:
            rows = self.index[rows]
        return _take(rows, self.X, self.targets, self.sample_weight)

    def loss_grad(self, objective, params, *, block_bytes=BLOCK_BYTES):
        """The loss and gradients over all the rows, summed over blocks of rows.

        The loss is a (weighted) mean over the rows, so it is the mean of the
        blocks' losses, each weighted by its share of the rows (or of the
        sample weights), and so are the gradients. Every block's loss carries
        the L2 term too; as the shares sum to 1, the total carries it once.
        The blocks are views of ``X`` (see ``BLOCK_BYTES``), or the block's
        rows gathered from it where these rows are a subset; sparse ``X`` is
        taken whole.

        Parameters
        ----------
        objective : callable
            ``objective(X, targets, sample_weight, params) -> (loss, grads)``.
        params : list of array
            The parameters.
        block_bytes : int, default=BLOCK_BYTES
            About how many bytes of ``X`` make a block.

        Returns
        -------
        loss : float
            The loss over all rows.
        grads : list of array
            Its gradients, one per parameter.
        """
        n_rows = self.shape[0]
        block = _block_rows(self.X, block_bytes)
        weights = self._row_weights
        total = n_rows if weights is None else ns.total(weights)
        if block >= n_rows or not total > 0:  # one block, or no mean to share
            return objective(*self.arrays(), params)
        loss, grads = 0.0, None
        for start in range(0, n_rows, block):
            X, targets, weight = self.arrays(slice(start, min(start + block, n_rows)))
            share = (X.shape[0] if weight is None else ns.total(weight)) / total
            if share == 0:  # only zero-weight rows: they add nothing
                continue
            block_loss, block_grads = objective(X, targets, weight, params)
            loss += share * block_loss
            if grads is None:
                grads = [share * g for g in block_grads]
            else:
                for grad, g in zip(grads, block_grads):
                    grad += share * g
        return loss, grads

    def batches(self, batch_size, random_state, shuffle):
        """One epoch of mini-batches: ``(X, targets, sample_weight, weight_sum)``.

        With sample weights, each batch divides its weighted loss by its rows
        times the mean weight of all the rows (``weight_sum``), not by its own
        weights' sum: its gradient is then an unbiased estimate of the full
        weighted gradient, as SGDClassifier's weighted steps are, and a row's
        weight counts even in a batch of one row. Batches whose rows all weigh
        zero teach nothing and are left out. numpy's ``random_state`` draws the
        order wherever the rows live, so that a fit on another namespace
        shuffles as numpy's does.

        Parameters
        ----------
        batch_size : int
            Rows per batch; the last one may have fewer.
        random_state : numpy.random.RandomState
            Draws the order of the rows.
        shuffle : bool
            Whether to shuffle the rows first.

        Yields
        ------
        batch : tuple
            ``X``, the targets, the weights (or None) and ``weight_sum`` (or
            None) of each batch.
        """
        n_rows = self.shape[0]
        weights = self.sample_weight
        mean_weight = None if weights is None else ns.mean(self._row_weights)
        order = random_state.permutation(n_rows) if shuffle else None
        if order is not None and self.index is None and not on_host(self.X):
            order = ns.asarray_like(order, self.X)
        # The batch's arrays are taken here rather than by arrays(), which
        # costs a few calls more per batch: a batch is a few µs of work.
        X, targets, index = self.X, self.targets, self.index
        for start in range(0, n_rows, batch_size):
            stop = min(start + batch_size, n_rows)
            # In order, a batch is a slice: a view of X, never a copy.
            rows = slice(start, stop) if order is None else order[start:stop]
            if index is not None:
                rows = index[rows]
            weight = None if weights is None else _take_rows(weights, rows)
            if weight is not None and not ns.any_nonzero(weight):
                # Only zero-weight rows: nothing to learn from. (The penalty's
                # step is skipped with them; it is a batch's share of an epoch's.)
                continue
            weight_sum = None if mean_weight is None else (stop - start) * mean_weight
            yield _take_rows(X, rows), _take_rows(targets, rows), weight, weight_sum

    def split(self, fraction, random_state, stratify=None):
        """Hold out ``fraction`` of the rows; the rows held out and those left.

        The rows left to train on are rows over this ``X``, by index: a large
        dense ``X`` is gathered a block at a time at each evaluation, never
        copied whole, and a smaller one is copied once (``GATHER_BYTES``).
        The held-out rows, scored at every epoch, are gathered once. Held-out
        rows that cannot score the epochs, too few or all of zero weight, are
        refused, as MLPRegressor and SGDClassifier refuse them.

        Parameters
        ----------
        fraction : float
            The share of the rows held out, in (0, 1).
        random_state : numpy.random.RandomState
            Draws the split.
        stratify : ndarray of shape (n_samples,), default=None
            Labels to stratify the split by (a classifier's ``y``).

        Returns
        -------
        held_out, train : InMemoryRows
            The rows held out, and the rows left to train on.
        """
        n_rows = self.shape[0]
        n_held_out = int(np.ceil(fraction * n_rows))
        needed = (
            MIN_VALIDATION
            if stratify is None
            else max(MIN_VALIDATION, np.unique(stratify).shape[0])
        )
        if n_held_out < needed:
            raise ValueError(
                f"The validation set is too small: early stopping would hold out "
                f"{n_held_out} of {n_rows} rows, and scoring needs {needed}. "
                "Increase validation_fraction or the size of your dataset, or set "
                "early_stopping=False."
            )
        train, held_out = train_test_split(
            np.arange(n_rows),
            test_size=fraction,
            random_state=random_state,
            stratify=stratify,
        )
        if self.index is not None:
            train, held_out = self.index[train], self.index[held_out]
        # The held-out rows are scored at every epoch: gathered once.
        held_out = InMemoryRows(
            *_take(held_out, self.X, self.targets, self.sample_weight)
        )
        train = InMemoryRows(self.X, self.targets, self.sample_weight, index=train)
        if self.sample_weight is not None:
            for which, rows in (("held out", held_out), ("left to train on", train)):
                if not ns.any_nonzero(rows._row_weights):
                    raise ValueError(
                        f"The sample weights of the rows {which} for early "
                        "stopping are all zero. Use another random_state or "
                        "validation_fraction, or set early_stopping=False."
                    )
        return held_out, train

    def score(self, model, params):
        """``model``'s score of ``params`` on these rows (``_score_params``)."""
        return model._score_params(*self.arrays(), params)

    def sample(self, n_rows):
        """Every k-th row, at most ``n_rows`` of them: ``X`` and targets on the host.

        Views where the rows are all of ``X`` and it lives on the host.
        """
        step = -(-self.shape[0] // n_rows)
        X, targets, _ = self.arrays(slice(None, None, step))
        return to_host(X), to_host(targets)


def _take(rows, *arrays):
    """The ``rows`` (a slice or numpy indices) of each array; None stays None."""
    return [None if a is None else _take_rows(a, rows) for a in arrays]


def _take_rows(array, rows):
    """``array[rows]``: a view for a slice; by ``take`` where that gathers faster.

    ``take`` is about twice as fast on a C-contiguous array, but on any other it
    first copies the whole array. Arrays of another namespace take the indices
    on their device.
    """
    if isinstance(array, np.ndarray):
        if isinstance(rows, slice) or not array.flags.c_contiguous:
            return array[rows]
        return array.take(rows, axis=0)
    if hasattr(array, "tocsr"):
        return array[rows]
    if isinstance(rows, slice):
        # The array API indexes every axis: a trailing ellipsis for the rest.
        return array[rows, ...]
    return ns.take_rows(array, rows)


def _gathers_by_block(X):
    """Whether a subset of ``X``'s rows is gathered by block (``GATHER_BYTES``)."""
    return isinstance(X, np.ndarray) and X.nbytes > GATHER_BYTES


def _block_rows(X, block_bytes):
    """Rows per block of ``loss_grad``: all of them unless ``X`` is dense numpy."""
    if not isinstance(X, np.ndarray):
        return X.shape[0]
    return max(1, block_bytes // max(1, X.shape[1] * X.itemsize))
