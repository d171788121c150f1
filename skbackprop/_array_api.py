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
