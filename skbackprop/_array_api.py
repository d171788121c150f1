"""Which array namespace an array lives in, and on which device.

numpy arrays (and scipy sparse matrices) answer ``numpy`` itself, at the cost
of an ``isinstance``: the tuned numpy path of :mod:`skbackprop.backprop` runs
as it always did. Any other array (torch, CuPy, array-api-strict, ...) answers
the namespace that ``array_api_compat.array_namespace`` gives it, imported
only then, so that a numpy user never needs array-api-compat.
"""

import numpy as np


def get_namespace(*arrays):
    """The namespace of ``arrays`` (``None`` entries ignored).

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
            return _namespace_of_others(arrays)
    return np


def _namespace_of_others(arrays):
    """``get_namespace`` where some array is not a plain numpy array."""
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


def device(array):
    """The device of ``array`` (``"cpu"`` for numpy and sparse matrices)."""
    if isinstance(array, np.ndarray) or hasattr(array, "tocsr"):
        return "cpu"
    from array_api_compat import device as _device

    return _device(array)


# The small operations that the update rules, the training loop and the
# estimators apply to parameters and rows wherever they live. Each takes the
# numpy spelling first, at the cost of a type check (numpy >= 1.24 has no
# array-API ``concat`` or ``astype`` of its own); any other array goes through
# its array-api-compat namespace.


def _is_numpy(array):
    # isinstance: a memmap or another ndarray subclass is numpy's too, and
    # numpy < 2 has none of the array-API spellings (concat, astype) below.
    return isinstance(array, np.ndarray)


def copy(array):
    """A copy of ``array``, in its namespace and on its device."""
    if _is_numpy(array):
        return array.copy()
    return get_namespace(array).asarray(array, copy=True)


def zeros_like(array):
    """Zeros of the shape, dtype and device of ``array``."""
    if _is_numpy(array):
        return np.zeros_like(array)
    return get_namespace(array).zeros_like(array)


def astype(array, dtype):
    """``array`` as ``dtype`` of its own namespace; itself when it already is."""
    if _is_numpy(array):
        return array.astype(dtype, copy=False)
    return get_namespace(array).astype(array, dtype, copy=False)


def reshape(array, shape):
    """``array`` reshaped, a view where the namespace gives one."""
    if _is_numpy(array):
        return array.reshape(shape)
    return get_namespace(array).reshape(array, shape)


def concat(arrays):
    """The arrays joined along their first axis."""
    if _is_numpy(arrays[0]):
        return np.concatenate(arrays)
    return get_namespace(*arrays).concat(arrays)


def sqrt(array):
    """The element-wise square root, a fresh array."""
    if _is_numpy(array):
        return np.sqrt(array)
    return get_namespace(array).sqrt(array)


def max_abs(array):
    """The largest absolute entry of ``array`` as a float; 0.0 when it is empty."""
    if _is_numpy(array):
        return float(np.max(np.abs(array), initial=0.0))
    xp = get_namespace(array)
    return float(xp.max(xp.abs(array))) if size(array) else 0.0


def all_finite(array):
    """Whether every entry of ``array`` is finite (a Python bool)."""
    if _is_numpy(array):
        return bool(np.isfinite(array).all())
    xp = get_namespace(array)
    return bool(xp.all(xp.isfinite(array)))


def any_nonzero(array):
    """Whether any entry of ``array`` is nonzero (a Python bool)."""
    if _is_numpy(array):
        return bool(array.any())
    return bool(get_namespace(array).any(array != 0))


def total(array):
    """The sum of the entries of ``array`` as a float."""
    if _is_numpy(array):
        return float(array.sum())
    return float(get_namespace(array).sum(array))


def mean(array):
    """The mean of the entries of ``array`` as a float."""
    if _is_numpy(array):
        return float(array.mean())
    return float(get_namespace(array).mean(array))


def take_rows(array, indices):
    """The rows ``indices`` (a numpy integer array) of ``array``, a copy.

    The indices are drawn on the host, by numpy's random state, so that a
    shuffle or a split is the same wherever the rows live; they cross to the
    array's device once, as one small array.
    """
    if _is_numpy(array) or hasattr(array, "tocsr"):
        return array[indices]
    xp = get_namespace(array)
    return xp.take(array, xp.asarray(indices, device=device(array)), axis=0)


def size(array):
    """The number of entries of ``array``, an int.

    The standard's ``size`` may be None, and torch's is a method.
    """
    if _is_numpy(array):
        return array.size
    n_entries = 1
    for n in array.shape:
        n_entries *= n
    return n_entries


def flatten(arrays):
    """The arrays raveled and joined into one vector, where they live.

    In the dtype and on the device of the arrays: a fresh vector, never a view.
    """
    if _is_numpy(arrays[0]):
        return np.concatenate([np.ravel(a) for a in arrays])
    xp = get_namespace(*arrays)
    return xp.concat([xp.reshape(a, (-1,)) for a in arrays])


def to_device_like(indices, array):
    """Numpy ``indices`` as an array of ``array``'s namespace, on its device."""
    xp = get_namespace(array)
    return xp.asarray(indices, device=device(array))


def take(array, indices):
    """The rows ``indices`` (an integer array of the same namespace) of ``array``."""
    return get_namespace(array).take(array, indices, axis=0)
