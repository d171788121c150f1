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
        if array is not None and type(array) is not np.ndarray:
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
    return type(array) is np.ndarray


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
    return float(xp.max(xp.abs(array))) if _size(array) else 0.0


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


def _size(array):
    """The number of entries of ``array`` (``size`` may be None in the standard)."""
    size = 1
    for n in array.shape:
        size *= n
    return size


def flatten_to_host(arrays):
    """The arrays raveled into one float64 numpy vector, as scipy's optimizers take.

    Arrays of another namespace are joined where they live and cross to the
    host once, as that vector.
    """
    if _is_numpy(arrays[0]):
        flat = np.concatenate([a.ravel() for a in arrays])
        return flat.astype(np.float64, copy=False)
    xp = get_namespace(*arrays)
    flat = xp.concat([xp.reshape(a, (-1,)) for a in arrays])
    return _to_numpy(flat).astype(np.float64, copy=False)


def unflatten_like(arrays):
    """The function that splits a flat numpy vector back into arrays like these.

    Each piece takes the shape, dtype and device of its model in ``arrays``;
    for another namespace the vector crosses to the device once.
    """
    shapes = [a.shape for a in arrays]
    splits = np.cumsum([_size(a) for a in arrays])[:-1]
    dtype = arrays[0].dtype
    if _is_numpy(arrays[0]):

        def unflatten(theta):
            chunks = np.split(theta.astype(dtype, copy=False), splits)
            return [chunk.reshape(shape) for chunk, shape in zip(chunks, shapes)]

        return unflatten
    xp, where = get_namespace(arrays[0]), device(arrays[0])
    bounds = [0, *splits.tolist(), int(sum(_size(a) for a in arrays))]

    def unflatten(theta):
        flat = xp.asarray(theta, device=where)
        flat = xp.astype(flat, dtype)
        return [
            xp.reshape(flat[start:stop], shape)
            for start, stop, shape in zip(bounds, bounds[1:], shapes)
        ]

    return unflatten


def _to_numpy(array):
    """A numpy copy (or view) of an array of any namespace and device."""
    if _is_numpy(array):
        return array
    from array_api_compat import is_array_api_strict_namespace, to_device

    xp = get_namespace(array)
    if is_array_api_strict_namespace(xp):
        return np.asarray(to_device(array, xp.Device("CPU_DEVICE")))
    return np.asarray(to_device(array, "cpu"))


def to_device_like(indices, array):
    """Numpy ``indices`` as an array of ``array``'s namespace, on its device."""
    xp = get_namespace(array)
    return xp.asarray(indices, device=device(array))


def take(array, indices):
    """The rows ``indices`` (an integer array of the same namespace) of ``array``."""
    return get_namespace(array).take(array, indices, axis=0)
