"""Where an estimator's arrays live: numpy, or an array-API namespace on a device.

With scikit-learn's ``array_api_dispatch`` on, a fit on torch or CuPy arrays
(or any array-API array) trains where ``X`` lives: the rows, the encoded
targets, the sample weights and the parameters stay in ``X``'s namespace and
on its device, and so do the fitted attributes. The labels and the weights are
validated and encoded on the host, with the numpy code every fit runs: they
are a number or a label per row, labels may be strings that no other namespace
holds, and the encoding (classes, class weights, the target scaling) is then
exactly numpy's. They cross to the device once, encoded.

Everything here answers at the cost of an ``isinstance`` or a look at
scikit-learn's configuration for numpy arrays, sparse matrices and array-likes,
which take numpy's path as they always did.
"""

from typing import Any, NamedTuple

import numpy as np
from sklearn import get_config

from skbackprop._fixes import get_namespace_and_device, is_numpy_namespace, move_to


class Namespace(NamedTuple):
    """An array-API namespace other than numpy, and a device of it."""

    xp: Any
    device: Any

    @property
    def float_dtypes(self):
        """The floating dtypes a fit computes in, the first preferred."""
        return (self.xp.float64, self.xp.float32)


def namespace_of(array):
    """The namespace and device of ``array``; None for numpy's path.

    None unless ``array_api_dispatch`` is on and ``array`` is an array-API
    array that is not numpy's: numpy arrays, sparse matrices, lists and
    dataframes take numpy's path.

    Parameters
    ----------
    array : array-like, sparse matrix or None
        An input of ``fit`` or ``predict``.

    Returns
    -------
    namespace : Namespace or None
        Where ``array`` lives.
    """
    if array is None or isinstance(array, np.ndarray) or hasattr(array, "tocsr"):
        return None
    if not get_config()["array_api_dispatch"]:
        return None
    xp, is_array_api, device = get_namespace_and_device(array)
    if not is_array_api or is_numpy_namespace(xp):
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
    if array is None or isinstance(array, np.ndarray) or hasattr(array, "tocsr"):
        return array
    if namespace_of(array) is None:  # an array-like: numpy's path takes it
        return array
    return move_to(array, xp=np, device="cpu")


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
        else move_to(array, xp=namespace.xp, device=namespace.device)
        for array in arrays
    ]


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
        xp, _, device = get_namespace_and_device(classes)
        indices = move_to(indices, xp=xp, device=device)
        labels = xp.take(classes, indices, axis=0)
    if isinstance(like, np.ndarray):
        return to_host(labels)
    xp, _, device = get_namespace_and_device(like)
    return move_to(labels, xp=xp, device=device)
