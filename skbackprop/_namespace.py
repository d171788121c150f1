"""Where arrays live, and the small operations that follow them there.

The one module for array namespaces, in one vocabulary:

- ``xp`` is the module that computes on an array: ``numpy`` itself for numpy
  arrays and scipy sparse matrices, otherwise the array-api-compat namespace
  of the array (torch, CuPy, array-api-strict, ...). :func:`xp_of` and
  :func:`device_of` answer it for any array, whatever scikit-learn's
  configuration: the backprop functions compute wherever their arrays live.
- A :class:`Namespace` is where an estimator's arrays live when that is not
  numpy: an ``xp`` and a device. ``None`` stands for numpy's path on the host.
  :func:`namespace_of` answers it for an input of ``fit`` or ``predict``, and
  follows scikit-learn's ``array_api_dispatch``; :func:`to_namespace` and
  :func:`to_host` move arrays there and back.
- The operations below them (``copy``, ``astype``, ``take_rows``, ...) take
  numpy's spelling on numpy arrays, at the cost of an ``isinstance``, and the
  array-API spelling on any other array. numpy's path stays as fast as plain
  numpy, and runs on numpy < 2, which has no ``concat`` or ``astype`` of its own.

With ``array_api_dispatch`` on, a fit on torch or CuPy arrays (or any
array-API array) trains where ``X`` lives: the rows, the encoded targets, the
sample weights and the parameters stay in ``X``'s namespace and on its device,
and so do the fitted attributes. The labels and the weights are validated and
encoded on the host, with the numpy code every fit runs: they are a number or
a label per row, labels may be strings that no other namespace holds, and the
encoding (classes, class weights, the target scaling) is then exactly numpy's.
They cross to the device once, encoded.

array-api-compat is imported only when an array that is not numpy's asks for
it, so that a numpy user never needs it. What comes from scikit-learn's
private modules comes through :mod:`skbackprop._fixes`.
"""

from typing import Any, NamedTuple

import numpy as np

# Which namespace, which device.


def on_host(array):
    """Whether ``array`` is numpy's or scipy.sparse's: on the host, by numpy's path.

    isinstance: a memmap or another ndarray subclass is numpy's too.
    """
    return isinstance(array, np.ndarray) or hasattr(array, "tocsr")


def xp_of(*arrays):
    """The module that computes on ``arrays`` (``None`` entries ignored).

    Parameters
    ----------
    *arrays : array or None
        Arrays of one namespace; numpy arrays and scipy sparse matrices may
        sit beside each other, and Python scalars beside any of them.

    Returns
    -------
    xp : module
        ``numpy`` when every array is a numpy array or a sparse matrix,
        otherwise the array-api-compat namespace of the arrays.
    """
    # The common case first, and fast: the training loop asks once a batch.
    for array in arrays:
        if array is not None and not isinstance(array, np.ndarray):
            return _xp_of_others(arrays)
    return np


def _xp_of_others(arrays):
    """``xp_of`` where some array is not a plain numpy array."""
    others = [
        a
        for a in arrays
        if a is not None
        and not isinstance(a, (np.ndarray, np.generic, int, float))
        and not hasattr(a, "tocsr")
    ]
    if not others:
        return np
    from array_api_compat import array_namespace

    return array_namespace(*others)


def device_of(array):
    """The device of ``array`` (``"cpu"`` for numpy and sparse matrices)."""
    if on_host(array):
        return "cpu"
    from array_api_compat import device

    return device(array)


class Namespace(NamedTuple):
    """An array-API namespace other than numpy, and a device of it."""

    xp: Any
    device: Any

    @property
    def float_dtypes(self):
        """The floating dtypes a fit computes in, the first preferred."""
        return (self.xp.float64, self.xp.float32)


def namespace_of(array):
    """Where an estimator's input lives; None for numpy's path.

    None unless ``array_api_dispatch`` is on and ``array`` is an array-API
    array that is not numpy's: numpy arrays, sparse matrices, lists and
    dataframes take numpy's path, at the cost of an ``isinstance`` or a look
    at scikit-learn's configuration.

    Parameters
    ----------
    array : array-like, sparse matrix or None
        An input of ``fit`` or ``predict``.

    Returns
    -------
    namespace : Namespace or None
        Where ``array`` lives.
    """
    if array is None or on_host(array):
        return None
    if not _sklearn().get_config()["array_api_dispatch"]:
        return None
    xp, is_array_api, device = _sklearn().get_namespace_and_device(array)
    if not is_array_api or _sklearn().is_numpy_namespace(xp):
        return None
    return Namespace(xp, device)


def float_dtypes(namespace):
    """The floating dtypes that ``validate_data`` may keep, in ``namespace``."""
    return (np.float64, np.float32) if namespace is None else namespace.float_dtypes


def numpy_dtype(dtype, namespace):
    """The numpy dtype of ``dtype``, a floating dtype of ``namespace``."""
    if namespace is None:
        return dtype
    return np.float32 if dtype == namespace.xp.float32 else np.float64


# Moving arrays between namespaces.


def to_host(array):
    """``array`` as a numpy array on the CPU; numpy arrays and None as they are.

    Parameters
    ----------
    array : array or None
        An array of any namespace and device.

    Returns
    -------
    array : ndarray or None
        The same values in numpy.
    """
    if array is None or on_host(array):
        return array
    if namespace_of(array) is None:  # an array-like: numpy's path takes it
        return array
    return _sklearn().move_to(array, xp=np, device="cpu")


def to_namespace(namespace, *arrays):
    """``arrays`` moved to ``namespace`` and its device (to the host for None).

    Parameters
    ----------
    namespace : Namespace or None
        Where the arrays go; None for numpy on the CPU.
    *arrays : array or None
        Arrays of any namespace; None entries stay None.

    Returns
    -------
    arrays : list
        The arrays, in ``namespace``.
    """
    if namespace is None:
        return [to_host(array) for array in arrays]
    return [
        None
        if array is None
        else _sklearn().move_to(array, xp=namespace.xp, device=namespace.device)
        for array in arrays
    ]


def asarray_like(values, like):
    """Numpy ``values`` as an array of ``like``'s namespace, on its device.

    Parameters
    ----------
    values : ndarray
        Values drawn on the host, such as the indices of a shuffle.
    like : array
        An array of the namespace and device the values go to.

    Returns
    -------
    array : array
        The values where ``like`` lives.
    """
    return xp_of(like).asarray(values, device=device_of(like))


def labels_at(classes, indices, like):
    """``classes[indices]``, in the namespace and on the device of ``like``.

    As LogisticRegression's ``predict``: the indices go where ``classes``
    lives, the labels are taken there and come back to ``like``'s namespace,
    unless they are strings, which stay numpy's.

    Parameters
    ----------
    classes : array of shape (n_classes,)
        The labels, of any namespace.
    indices : array of shape (n_samples,)
        Integer indices into ``classes``, in ``like``'s namespace.
    like : array
        The scores the indices were computed from.

    Returns
    -------
    labels : array of shape (n_samples,)
        The labels of the rows.
    """
    if isinstance(classes, np.ndarray):
        labels = classes[to_host(indices)]
        if labels.dtype.kind in "OUS":
            return labels
    else:
        xp, device = xp_of(classes), device_of(classes)
        indices = _sklearn().move_to(indices, xp=xp, device=device)
        labels = xp.take(classes, indices, axis=0)
    if isinstance(like, np.ndarray):
        return to_host(labels)
    return _sklearn().move_to(labels, xp=xp_of(like), device=device_of(like))


# Operations where the arrays live.
#
# What the update rules, the training loop, the estimators and their scores
# apply to parameters and rows: numpy's spelling first, at the cost of an
# isinstance, then the array-API spelling of the array's own namespace.


def copy(array):
    """A copy of ``array``, in its namespace and on its device."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return xp_of(array).asarray(array, copy=True)


def zeros_like(array):
    """Zeros of the shape, dtype and device of ``array``."""
    if isinstance(array, np.ndarray):
        return np.zeros_like(array)
    return xp_of(array).zeros_like(array)


def full(shape, fill_value, like):
    """An array of ``shape`` filled with ``fill_value``, in ``like``'s dtype.

    In ``like``'s namespace and on its device (numpy < 2's ``full`` has no
    ``device``).
    """
    if isinstance(like, np.ndarray):
        return np.full(shape, fill_value, dtype=like.dtype)
    return xp_of(like).full(shape, fill_value, dtype=like.dtype, device=device_of(like))


def astype(array, dtype):
    """``array`` as ``dtype`` of its own namespace; itself when it already is."""
    if isinstance(array, np.ndarray):
        return array.astype(dtype, copy=False)
    return xp_of(array).astype(array, dtype, copy=False)


def reshape(array, shape):
    """``array`` reshaped, a view where the namespace gives one."""
    if isinstance(array, np.ndarray):
        return array.reshape(shape)
    return xp_of(array).reshape(array, shape)


def concat(arrays):
    """The arrays joined along their first axis."""
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return xp_of(*arrays).concat(arrays)


def flatten(arrays):
    """The arrays raveled and joined into one vector, where they live.

    In the dtype and on the device of the arrays: a fresh vector, never a view.
    """
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate([np.ravel(a) for a in arrays])
    xp = xp_of(*arrays)
    return xp.concat([xp.reshape(a, (-1,)) for a in arrays])


def take_rows(array, indices):
    """The rows ``indices`` of ``array``, a copy.

    ``indices`` is a numpy integer array, or one already in ``array``'s
    namespace and on its device. A shuffle or a split is drawn on the host, by
    numpy's random state, so that it is the same wherever the rows live; its
    indices cross to the array's device as one small array.
    """
    if on_host(array):
        return array[indices]
    xp = xp_of(array)
    return xp.take(array, xp.asarray(indices, device=device_of(array)), axis=0)


def argmax(array, axis):
    """The indices of the largest entries of ``array`` along ``axis``."""
    if isinstance(array, np.ndarray):
        return array.argmax(axis=axis)
    return xp_of(array).argmax(array, axis=axis)


def size(array):
    """The number of entries of ``array``, an int.

    The standard's ``size`` may be None, and torch's is a method.
    """
    if isinstance(array, np.ndarray):
        return array.size
    n_entries = 1
    for n in array.shape:
        n_entries *= n
    return n_entries


def sqrt(array):
    """The element-wise square root, a fresh array."""
    if isinstance(array, np.ndarray):
        return np.sqrt(array)
    return xp_of(array).sqrt(array)


# Reductions to a Python number: a device array answers once, at the end.


def max_abs(array):
    """The largest absolute entry of ``array`` as a float; 0.0 when it is empty."""
    if isinstance(array, np.ndarray):
        return float(np.max(np.abs(array), initial=0.0))
    xp = xp_of(array)
    return float(xp.max(xp.abs(array))) if size(array) else 0.0


def all_finite(array):
    """Whether every entry of ``array`` is finite (a Python bool)."""
    if isinstance(array, np.ndarray):
        return bool(np.isfinite(array).all())
    xp = xp_of(array)
    return bool(xp.all(xp.isfinite(array)))


def any_nonzero(array):
    """Whether any entry of ``array`` is nonzero (a Python bool)."""
    if isinstance(array, np.ndarray):
        return bool(array.any())
    return bool(xp_of(array).any(array != 0))


def total(array):
    """The sum of the entries of ``array`` as a float."""
    if isinstance(array, np.ndarray):
        return float(array.sum())
    return float(xp_of(array).sum(array))


def mean(array):
    """The mean of the entries of ``array`` as a float."""
    if isinstance(array, np.ndarray):
        return float(array.mean())
    return float(xp_of(array).mean(array))


def share(hits, weights=None):
    """The (weighted) share of the True entries of ``hits``, a float.

    Parameters
    ----------
    hits : array of bool of shape (n_samples,)
        One flag per row.
    weights : array of shape (n_samples,) or None
        The rows' weights, in the namespace of ``hits``; None weighs them
        equally.

    Returns
    -------
    share : float
        ``Σ wᵢ hitᵢ / Σ wᵢ``; with equal weights, the count of hits over the
        rows, exactly.
    """
    if isinstance(hits, np.ndarray):
        return float(np.average(hits, weights=weights))
    xp = xp_of(hits)
    if weights is None:
        return float(xp.sum(xp.astype(hits, xp.int64))) / hits.shape[0]
    hits = xp.astype(hits, weights.dtype)
    return float(xp.sum(hits * weights)) / float(xp.sum(weights))


def _sklearn():
    """scikit-learn's array-API helpers (:mod:`skbackprop._fixes`), when needed.

    Imported on first use: the backprop functions, which compute through this
    module, import numpy and scipy alone.
    """
    from skbackprop import _fixes

    return _fixes
