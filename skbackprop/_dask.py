"""Rows on a Dask cluster: full-batch training and prediction where the data lives.

A full-batch loss is a (weighted) mean over the rows, so it is a weighted sum of
the means over blocks of rows, and so is its gradient: rows in memory
(:mod:`skbackprop._rows`) sum blocks of an array, and :class:`DaskRows` sums
the blocks of a dask array on the workers that hold them. Each evaluation
sends the parameters to the workers and brings back one loss and one gradient
per block; the rows never leave the cluster. Held-out rows are whole blocks,
scored where they are.

The estimators call :func:`dask_rows` from ``fit`` and :func:`predict_blocks`
from their prediction methods when given a dask collection. Nothing else in
skbackprop imports this module, so the default install never imports dask.
"""

import operator

import dask
import dask.array as da
import numpy as np
from distributed import CancelledError, KilledWorker, default_client, wait
from distributed import TimeoutError as DaskTimeoutError
from distributed.scheduler import NoValidWorkerError
from sklearn.base import is_classifier
from sklearn.utils import check_consistent_length, check_X_y
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from skbackprop._rows import BLOCK_BYTES, InMemoryRows
from skbackprop._solvers import FULL_BATCH_SOLVERS
from skbackprop._validation import (
    check_feature_scale,
    check_sample_weight,
    largest_value,
    require_some_weight,
)

# What a wait that timed out raises: dask's TimeoutError (asyncio's), or the
# builtin one, which distributed 2024.8's LocalCluster.wait_for_workers raises
# and which is another class before Python 3.11.
WAIT_TIMEOUTS = (DaskTimeoutError, TimeoutError)
# The most of a worker's memory limit that the blocks of one task may take.
TASK_MEMORY_SHARE = 0.25
# How long a fit waits for a worker when the cluster has none, in seconds,
# unless dask's own "distributed.scheduler.no-workers-timeout" says otherwise.
NO_WORKERS_TIMEOUT = 60.0
# How often, in seconds, a fit waiting for its tasks checks that the cluster
# can still run them.
CHECK_INTERVAL = 1.0


class DaskRows:
    """The rows of a fit, validated and encoded, in blocks on a Dask cluster.

    The rows protocol of :mod:`skbackprop._rows`, where the rows stay: the
    full-batch loss and gradient are summed on the workers that hold the
    blocks, held-out rows are whole blocks, scores and samples come back
    without the rows. Mini-batches are refused before a fit starts
    (``dask_rows``).

    Parameters
    ----------
    client : distributed.Client
        The client of the cluster that holds the blocks.
    blocks : list of distributed.Future
        One per block of rows: ``(X, targets, sample_weight)`` on a worker,
        encoded as the estimator's ``_loss_grad`` takes them.
    n_rows : list of int
        The rows of each block.
    weight_sums : list of float
        Each block's sum of sample weights (its rows, without weights).
    n_features : int
        The columns of ``X``.
    dtype : numpy.dtype
        The dtype of ``X`` and of the parameters.
    targets : ndarray of shape (0,) or (0, n_outputs)
        No rows, but the shape and dtype of the encoded targets.
    model : BaseBackprop
        The estimator's twin (see ``_twin``): what the workers compute the
        loss and the predictions with.
    """

    def __init__(
        self, client, blocks, n_rows, weight_sums, n_features, dtype, targets, model
    ):
        self.client = client
        self.blocks = blocks
        self.n_rows = n_rows
        self.weight_sums = weight_sums
        self.shape = (sum(n_rows), n_features)
        self.dtype = np.dtype(dtype)
        # The parameters live on the client, in numpy; the workers get copies.
        self.namespace = None
        self.targets = targets
        self._model = model
        # Each block's share of the mean: of the rows, or of the sample weights.
        # Blocks of zero weight add nothing, and their weighted mean is 0 / 0.
        total = sum(weight_sums)
        summed = [i for i, weight in enumerate(weight_sums) if weight > 0]
        self._summed = [(blocks[i], weight_sums[i] / total) for i in summed]
        self._block_nbytes = [
            n_rows[i] * n_features * self.dtype.itemsize for i in summed
        ]

    def loss_grad(self, objective, params, *, block_bytes=BLOCK_BYTES):
        """The loss and gradients over all rows, summed over the blocks.

        Each block's mean loss and gradient, times its share of the mean, is
        computed on the worker that holds it, in one task per worker (a task
        costs the scheduler a few milliseconds, a block's sum often less);
        only these come back, and are added here in the order of the blocks,
        so the sum does not depend on which worker holds which block or
        finishes first. Every block's loss carries the L2 term, as in
        :meth:`skbackprop._rows.InMemoryRows.loss_grad`: the shares sum to 1,
        so the total carries it once. A worker sums each of its blocks as
        rows in memory are summed: in sub-blocks of about ``block_bytes``.
        The objective goes to the workers with the estimator's twin.

        Parameters
        ----------
        objective : Objective
            The loss at its penalty (:class:`skbackprop._problem.Objective`).
        params : list of ndarray
            The parameters.
        block_bytes : int, default=BLOCK_BYTES
            About how many bytes of ``X`` a worker's sub-blocks have.

        Returns
        -------
        loss : float
            The loss over all rows.
        grads : list of ndarray
            Its gradients, one per parameter.
        """
        _check_scheduler(self.client, "summing the loss")
        tasks = self._tasks()
        objective = objective.on(self._model)
        futures = [
            self.client.submit(
                _blocks_loss_grad,
                [self._summed[i] for i in indices],
                objective=objective,
                params=params,
                block_bytes=block_bytes,
                workers=None if worker is None else [worker],
                # Where the worker is gone, anywhere: its blocks are
                # recomputed there from their lineage. (Blocks that no worker
                # holds, being recomputed, leave the scheduler free anyway.)
                allow_other_workers=worker is not None,
                pure=False,
            )
            for worker, indices in tasks
        ]
        gathered = gather_or_raise(self.client, futures, "summing the loss")
        results = [None] * len(self._summed)
        for (_, indices), worker_results in zip(tasks, gathered):
            for index, result in zip(indices, worker_results):
                results[index] = result
        loss = sum(block_loss for block_loss, _ in results)
        grads = [np.copy(g) for g in results[0][1]]
        for _, block_grads in results[1:]:
            for grad, g in zip(grads, block_grads):
                grad += g
        return loss, grads

    def split(self, fraction, random_state, stratify=None):
        """Hold out whole blocks, about ``fraction`` of the rows; never a copy.

        Blocks are drawn in a random order until their rows reach
        ``fraction`` of all; the rest train, in their order. The split is not
        stratified (``stratify`` is not used): a block holds the classes it
        holds.

        Parameters
        ----------
        fraction : float
            The least share of the rows held out, in (0, 1).
        random_state : numpy.random.RandomState
            Draws the blocks held out.
        stratify : ndarray or None, default=None
            Unused on a cluster.

        Returns
        -------
        held_out, train : DaskRows
            The blocks held out, and those left to train on.
        """
        wanted = np.ceil(fraction * self.shape[0])
        held_out, rows = [], 0
        for index in random_state.permutation(len(self.blocks)):
            if rows >= wanted:
                break
            held_out.append(int(index))
            rows += self.n_rows[index]
        train = [i for i in range(len(self.blocks)) if i not in held_out]
        if not train or not any(self.weight_sums[i] > 0 for i in train):
            raise ValueError(
                f"On a dask array, rows are held out for early stopping and "
                f"alpha='auto' as whole blocks, and holding out "
                f"validation_fraction={fraction} of its {len(self.blocks)} "
                "blocks leaves none to train on. Cut X into more blocks "
                "(X.rechunk), or set early_stopping=False and alpha to a number."
            )
        if not any(self.weight_sums[i] > 0 for i in held_out):
            raise ValueError(
                "The sample weights of the blocks held out for early stopping "
                "are all zero. Use another random_state or validation_fraction, "
                "or set early_stopping=False."
            )
        return self._subset(sorted(held_out)), self._subset(train)

    def _subset(self, indices):
        return DaskRows(
            self.client,
            [self.blocks[i] for i in indices],
            [self.n_rows[i] for i in indices],
            [self.weight_sums[i] for i in indices],
            self.shape[1],
            self.dtype,
            self.targets,
            self._model,
        )

    def score(self, model, params):
        """``model``'s score of ``params`` on these rows, without gathering them.

        Each block's predictions are made on its worker; only they come
        back, with the block's targets and weights, and are scored together
        (``model._score_predictions``).
        """
        parts = gather_or_raise(
            self.client,
            self.client.map(
                _block_predictions, self.blocks, model=self._model, params=params
            ),
            "scoring the held-out rows",
        )
        targets, predictions, weights = ([part[i] for part in parts] for i in range(3))
        return model._score_predictions(
            np.concatenate(targets),
            np.concatenate(predictions),
            None if weights[0] is None else np.concatenate(weights),
        )

    def _tasks(self):
        """The blocks of each task: ``[(worker, [index of block, ...]), ...]``.

        A task runs where its blocks are, never where they would have to be
        copied to (the scheduler would move blocks to balance the load),
        unless that worker is gone: then the scheduler runs it where it can,
        and recomputes the blocks lost with the worker from their lineage. A
        task per worker costs the least, but needs all its blocks in memory
        at once, and a worker may have spilled some to disk: a task takes at
        most ``TASK_MEMORY_SHARE`` of its worker's memory limit.
        """
        where = self.client.who_has([block for block, _ in self._summed])
        workers = self.client.scheduler_info()["workers"]
        tasks, room = [], {}
        for index, (block, _) in enumerate(self._summed):
            holders = sorted(where[block.key])
            worker = holders[0] if holders else None
            limit = workers.get(worker, {}).get("memory_limit") or np.inf
            size = self._block_nbytes[index]
            if worker not in room or room[worker][0] < size:
                tasks.append((worker, []))
                room[worker] = [TASK_MEMORY_SHARE * limit, tasks[-1][1]]
            room[worker][0] -= size
            room[worker][1].append(index)
        return tasks

    def sample(self, n_samples):
        """Every k-th row and its targets, at most ``n_samples`` of them.

        The rows :meth:`skbackprop._rows.InMemoryRows.sample` takes of rows in
        memory, gathered from the blocks.
        """
        step = -(-self.shape[0] // n_samples)
        starts = np.cumsum([0, *self.n_rows[:-1]])
        # The first row of each block that is a multiple of step.
        offsets = [int(-start % step) for start in starts]
        parts = gather_or_raise(
            self.client,
            self.client.map(_every_kth_row, self.blocks, offsets, step=step),
            "sampling rows",
        )
        parts = [part for part in parts if part[0].shape[0]]
        return tuple(_concatenate([part[i] for part in parts]) for i in (0, 1))


def _concatenate(arrays):
    if hasattr(arrays[0], "tocsr"):
        import scipy.sparse as sp

        return sp.vstack(arrays, format="csr")
    return np.concatenate(arrays)


def _blocks_loss_grad(blocks, *, objective, params, block_bytes):
    """Each block's share of the loss and gradients, on the worker that holds them.

    ``blocks`` is a list of ``(block, share)``; the blocks, futures in the
    task, are the arrays themselves here.
    """
    results = []
    # As in the training loops: an overflow ends in a non-finite loss, which
    # the client reports.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for block, share in blocks:
            rows = InMemoryRows(*block)
            loss, grads = rows.loss_grad(objective, params, block_bytes=block_bytes)
            results.append((share * loss, [share * g for g in grads]))
    return results


def _block_predictions(block, *, model, params):
    """A block's targets, what ``params`` predict for its rows, and its weights."""
    X, targets, sample_weight = block
    with np.errstate(over="ignore", invalid="ignore"):
        return targets, model._predict_params(X, params), sample_weight


def _every_kth_row(block, offset, *, step):
    X, targets, _ = block
    return X[offset::step], targets[offset::step]


def dask_rows(estimator, X, y, sample_weight, *, continuing, partial):
    """Validate and encode the rows of a fit on dask collections, on the cluster.

    What :func:`skbackprop._rows.in_memory_rows` does for rows in memory,
    block by block on the workers: ``check_X_y`` on each block, with the same
    errors as ``validate_data``; the largest value and the sample weights
    checked over all blocks; the targets encoded with what the whole of ``y``
    fixes (the classes, their weights, the target scaling), computed from the
    blocks' summaries. Sets ``n_features_in_`` and ``feature_names_in_`` (on a
    fresh fit) and what the target encoding fixes, as ``in_memory_rows`` does.

    Parameters
    ----------
    estimator : BaseBackprop
        The estimator being fitted.
    X : dask array or dask DataFrame of shape (n_samples, n_features)
        The training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The targets: a dask collection or an array in memory.
    sample_weight : array-like of shape (n_samples,) or None
        The sample weights, likewise.
    continuing : bool
        Whether the fit continues from the fitted model (``warm_start``).
    partial : bool
        Whether it is ``partial_fit``, which takes rows in memory only.

    Returns
    -------
    rows : DaskRows
        The validated, encoded blocks, held on the workers until it is
        released.

    Raises
    ------
    ValueError
        For ``partial_fit``, a solver that trains on mini-batches, or no
        distributed Client: say what to use instead.
    """
    _check_supported(estimator, partial=partial)
    client = _client()
    # n_features_in_ and feature_names_in_, from the columns alone.
    validate_data(estimator, _columns(X), reset=not continuing, skip_check_array=True)
    X, y, sample_weight = _row_aligned(X, y, sample_weight)
    twin = _twin(estimator)
    classify = is_classifier(estimator)
    check_params = dict(
        accept_sparse=("csr", "csc"),
        dtype=(np.float64, np.float32),
        multi_output=estimator.__sklearn_tags__().target_tags.multi_output,
        y_numeric=not classify,
        estimator=twin,  # names the estimator in the errors
    )
    X_blocks = _block_list(X, X)
    # First pass: check every block and keep its y and weights, not its X.
    validated = client.compute(
        [
            dask.delayed(_validate_block)(twin, *parts, check_params, classify)
            for parts in zip(X_blocks, *(_block_list(a, X) for a in (y, sample_weight)))
        ]
    )
    summaries = gather_or_raise(
        client, client.map(operator.itemgetter(2), validated), "checking the blocks"
    )
    dtype = summaries[0]["dtype"]
    check_feature_scale(max(s["largest"] for s in summaries), dtype)
    if sample_weight is not None:
        require_some_weight(sum(s["weight_sum"] for s in summaries))

    # The targets' encoder, fitted on what the blocks' summaries say of y.
    if classify:
        y, weights = _label_counts(summaries)
    else:
        y, weights = _lazy_targets(validated, summaries, dtype)
    encoder = estimator._fitted_target_encoder(
        y, weights, dtype, continuing=continuing, partial=False
    )
    _compute_lazy_attributes(encoder, client)
    # Second pass: each block of X again, with its targets encoded. A block
    # is computed twice, but never held twice: a worker's memory counts each
    # result in full, even one that shares its array with another.
    blocks = client.compute(
        [
            dask.delayed(_encode_block)(
                twin, encoder, X_block, checked, check_params, dtype
            )
            for X_block, checked in zip(X_blocks, validated)
        ]
    )
    weight_sums = gather_or_raise(
        client, client.map(_block_weight_sum, blocks), "encoding the blocks"
    )
    n_rows = [s["n_rows"] for s in summaries]
    (targets_meta,) = gather_or_raise(
        client, [client.submit(_no_rows, blocks[0])], "encoding the blocks"
    )
    return DaskRows(
        client, blocks, n_rows, weight_sums, X.shape[1], dtype, targets_meta, twin
    )


def _check_supported(estimator, *, partial):
    name = type(estimator).__name__
    if partial:
        raise ValueError(
            f"{name}.partial_fit takes rows in memory: call it on each block of a "
            "dask array (X.to_delayed()), as dask_ml.wrappers.Incremental does, or "
            "fit the whole array with solver='gd' or 'lbfgs'."
        )
    if estimator.solver not in FULL_BATCH_SOLVERS:
        raise ValueError(
            f"solver={estimator.solver!r} trains on mini-batches drawn from rows in "
            "memory; on a dask array, fit with solver='gd' or 'lbfgs' (full-batch "
            "sums, computed on the workers), or call partial_fit on each block of "
            "the array (X.to_delayed()), as dask_ml.wrappers.Incremental does."
        )


def _client():
    try:
        return default_client()
    except ValueError:
        raise ValueError(
            "Fitting on a dask collection needs a distributed Client, on whose "
            "workers the blocks are validated and the gradients summed: start "
            "one, for example distributed.Client(distributed.LocalCluster())."
        ) from None


def gather_or_raise(client, futures, doing):
    """The results of ``futures``, in their order, or an error that says what was lost.

    A worker lost while the futures run costs only time: its tasks run again
    elsewhere, and what it held is recomputed from its lineage, as dask does
    for every computation. What cannot be recomputed ends the wait with a
    RuntimeError that says what was lost and what to do: data scattered from
    the client, the connection to the scheduler, or every worker for longer
    than dask's ``distributed.scheduler.no-workers-timeout`` (``NO_WORKERS_TIMEOUT``
    seconds where it is not set), as do the tasks that dask gives up on
    (``KilledWorker``). An error raised by a task itself is raised as it is.

    Parameters
    ----------
    client : distributed.Client
        The client of the cluster that runs the futures.
    futures : list of distributed.Future
        What to wait for.
    doing : str
        What the futures compute, for the error messages.

    Returns
    -------
    results : list
        The result of each future.

    Raises
    ------
    RuntimeError
        Where the cluster lost what the futures need.
    """
    timeout = _no_workers_timeout()
    try:
        while True:
            try:
                wait(futures, timeout=CHECK_INTERVAL)
                break
            except WAIT_TIMEOUTS:
                _check_cluster(client, timeout, doing)
        return client.gather(futures)
    except CancelledError as error:
        _check_scheduler(client, doing)
        raise RuntimeError(
            f"The fit stopped while {doing}: Dask cancelled tasks that need data "
            "a lost worker held and no task can recompute (data scattered from "
            "the client with Client.scatter have no lineage), or the cluster was "
            "restarted. Make the dask array from its source (da.from_array, "
            "da.from_zarr, dask.dataframe.read_parquet, ...) rather than from "
            "scattered data, so that Dask recomputes what a lost worker held, "
            "and fit again. The estimator keeps the model it had before this fit."
        ) from error
    except KilledWorker as error:
        raise RuntimeError(
            f"The fit stopped while {doing}: Dask gave up on one of its tasks, "
            "whose workers died while running it, one after the other (dask's "
            "distributed.scheduler.allowed-failures). A worker that runs out of "
            "memory dies so: fit on smaller blocks (X.rechunk) or give the "
            "workers more memory, and fit again. The estimator keeps the model "
            "it had before this fit."
        ) from error
    except NoValidWorkerError as error:
        raise _no_workers_error(doing, timeout) from error


def _no_workers_timeout():
    timeout = dask.config.get("distributed.scheduler.no-workers-timeout", None)
    if timeout is None:
        return NO_WORKERS_TIMEOUT
    return dask.utils.parse_timedelta(timeout, default="s")


def _check_cluster(client, timeout, doing):
    """Raise if the cluster cannot run a task: no scheduler, or no worker for long."""
    _check_scheduler(client, doing)
    try:
        client.wait_for_workers(1, timeout=timeout)
    except WAIT_TIMEOUTS:
        _check_scheduler(client, doing)
        raise _no_workers_error(doing, timeout) from None


def _check_scheduler(client, doing):
    if client.status != "running":
        raise RuntimeError(
            f"The fit stopped while {doing}: the client lost its connection to "
            f"the Dask scheduler ({client.scheduler.address}), and with it the "
            "blocks of the fit. Once the cluster is back, connect a new Client "
            "and fit again. The estimator keeps the model it had before this fit."
        )


def _no_workers_error(doing, timeout):
    return RuntimeError(
        f"The fit stopped while {doing}: the cluster had no worker for "
        f"{timeout:g} s, and the blocks of the fit were lost with the workers. "
        "Start workers (or give the cluster a way to replace them, such as "
        "nannies or an adaptive deployment) and fit again; to wait longer for "
        "them, set dask's distributed.scheduler.no-workers-timeout. The "
        "estimator keeps the model it had before this fit."
    )


def _row_aligned(X, y, sample_weight):
    """``X``, ``y`` and ``sample_weight`` as dask arrays with the same row blocks.

    A dask DataFrame or Series becomes a dask array of its partitions, and
    ``X`` one block of columns; arrays in memory are cut as ``X`` is.
    """
    X = _as_dask_array(X)
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "X has blocks of unknown length; call X.compute_chunk_sizes() first."
        )
    if X.ndim == 2:
        X = X.rechunk({1: -1})
    aligned = []
    for array in (y, sample_weight):
        if array is None:
            aligned.append(None)
            continue
        if not dask.is_dask_collection(array):
            array = np.asarray(array)
        array = (
            _as_dask_array(array)
            if dask.is_dask_collection(array)
            else da.from_array(array, chunks=(X.chunks[0],) + array.shape[1:])
        )
        check_consistent_length(X, array)
        columns = dict.fromkeys(range(1, array.ndim), -1)
        aligned.append(array.rechunk({0: X.chunks[0], **columns}))
    return X, *aligned


def _as_dask_array(collection):
    if isinstance(collection, da.Array):
        return collection
    # A dask DataFrame or Series: one block per partition.
    return collection.to_dask_array(lengths=True)


def _columns(X):
    """No rows, but the columns of ``X``: what ``validate_data`` reads on reset.

    A dask DataFrame's ``_meta`` is the empty pandas DataFrame of its columns.
    """
    if not isinstance(X, da.Array):
        return X._meta
    return np.empty((0,) + X.shape[1:], dtype=X.dtype)


def _block_list(array, X):
    """The blocks of ``array`` along the rows, as delayed objects (None: Nones)."""
    if array is None:
        return [None] * len(X.chunks[0])
    return list(array.to_delayed().ravel())


def _twin(estimator):
    """An unfitted estimator with the same hyperparameters, to send to the workers.

    The loss and the predictions depend only on the hyperparameters (the
    blocks are encoded by the fitted encoder, sent alongside); the
    estimator's callbacks and history stay on the client.
    """
    return type(estimator)(**estimator.get_params(deep=False))


def _validated(model, X, y, sample_weight, check_params):
    """A block checked as ``validate_data`` and ``check_sample_weight`` check rows."""
    X, y = check_X_y(X, y, **check_params)
    if sample_weight is not None:
        sample_weight = check_sample_weight(
            sample_weight, X.shape[0], X.dtype, ensure_nonzero=False
        )
    return X, y, sample_weight


def _validate_block(model, X, y, sample_weight, check_params, classify):
    """Check a block; its ``y``, its sample weights and a summary of it."""
    X, y, sample_weight = _validated(model, X, y, sample_weight, check_params)
    summary = {
        "n_rows": X.shape[0],
        "dtype": X.dtype,
        "largest": largest_value(X),
        "y_shape": y.shape[1:],
        "y_dtype": y.dtype,
        "weight_sum": None if sample_weight is None else float(sample_weight.sum()),
    }
    if classify:
        check_classification_targets(y)
        summary["classes"], index = np.unique(y, return_inverse=True)
        summary["counts"] = np.bincount(index, weights=sample_weight)
    return y, sample_weight, summary


def _label_counts(summaries):
    """Every block's labels, each with its rows' total weight there.

    A classifier's encoding depends on ``y`` only through the weight of each
    label: these give it what all the rows would (see
    :class:`~skbackprop._targets.ClassEncoder`).
    """
    labels = np.concatenate([s["classes"] for s in summaries])
    counts = np.concatenate([s["counts"] for s in summaries])
    return labels, counts


def _lazy_targets(validated, summaries, dtype):
    """The checked ``y`` and sample weights of every block, as lazy dask arrays.

    The regressor's encoding is array code (weighted means and spreads) that
    dask arrays run through numpy's dispatch, without gathering ``y``.
    """
    y = da.concatenate(
        [
            da.from_delayed(
                dask.delayed(operator.itemgetter(0))(block),
                shape=(s["n_rows"], *s["y_shape"]),
                dtype=s["y_dtype"],
            )
            for block, s in zip(validated, summaries)
        ]
    )
    if summaries[0]["weight_sum"] is None:
        return y, None
    weights = da.concatenate(
        [
            da.from_delayed(
                dask.delayed(operator.itemgetter(1))(block),
                shape=(s["n_rows"],),
                dtype=dtype,
            )
            for block, s in zip(validated, summaries)
        ]
    )
    return y, weights


def _compute_lazy_attributes(encoder, client):
    """Compute, on the cluster, what a fit on lazy arrays left lazy in ``encoder``."""
    state = vars(encoder)
    lazy = [name for name, value in state.items() if dask.is_dask_collection(value)]
    values = gather_or_raise(
        client, client.compute([state[name] for name in lazy]), "encoding the targets"
    )
    state.update(zip(lazy, values))


def _encode_block(model, encoder, X, checked, check_params, dtype):
    """A block's X, targets and sample weights, as ``in_memory_rows`` makes them."""
    y, sample_weight, _ = checked
    X, y, sample_weight = _validated(model, X, y, sample_weight, check_params)
    targets, sample_weight = encoder.transform(y, sample_weight, dtype)
    return X, targets, sample_weight


def _no_rows(block):
    return block[1][:0]


def _block_weight_sum(block):
    X, _, sample_weight = block
    return X.shape[0] if sample_weight is None else float(sample_weight.sum())


def predict_blocks(predict, X):
    """``predict`` mapped over the row blocks of a dask array, lazily.

    Parameters
    ----------
    predict : callable
        A prediction method of a fitted estimator, for rows in memory.
    X : dask array or dask DataFrame of shape (n_samples, n_features)
        The rows.

    Returns
    -------
    y : dask array of shape (n_samples,) or (n_samples, n_outputs)
        ``predict`` of each block of rows, computed when asked for.
    """
    if not isinstance(X, da.Array):  # a DataFrame: its partitions, with their names
        meta = predict(X._meta_nonempty)
        return X.map_partitions(predict, meta=meta[:0])
    if X.ndim == 2:
        X = X.rechunk({1: -1})
    # The model's checks of the columns, before any block is computed; and the
    # shape and dtype of what it returns.
    meta = predict(np.zeros((1,) + X.shape[1:], dtype=X.dtype))
    if meta.ndim == 1:
        return X.map_blocks(predict, drop_axis=1, dtype=meta.dtype, meta=meta[:0])
    return X.map_blocks(
        predict, chunks=(X.chunks[0], meta.shape[1:]), dtype=meta.dtype, meta=meta[:0]
    )


__all__ = ["DaskRows", "dask_rows", "predict_blocks"]
