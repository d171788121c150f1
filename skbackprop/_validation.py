"""Input checks that rows in memory and rows on a cluster share.

Rows in memory are checked whole (:func:`skbackprop._rows.in_memory_rows`);
rows on a cluster block by block, and what only all of them can tell (the
largest value, the sum of the weights) from the blocks' summaries
(:mod:`skbackprop._dask`): both through the checks here, with the same errors.
"""

import numpy as np
from sklearn.utils import check_array

from skbackprop import _namespace as ns


def check_sample_weight(sample_weight, n_samples, dtype, *, ensure_nonzero=True):
    """Validated sample weights, or None when every row weighs the same.

    ``ensure_nonzero=False`` leaves out the check that some weight is not
    zero, for a block of the rows (see ``require_some_weight``).
    """
    if sample_weight is None:
        return None
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtype,
        input_name="sample_weight",
        ensure_min_samples=0,
    )
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)!"
        )
    if (sample_weight < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`.")
    if ensure_nonzero:
        require_some_weight(float(sample_weight.sum()))
    return sample_weight


def require_some_weight(weight_sum):
    """Refuse sample weights that are all zero, given their sum (they are >= 0)."""
    if not weight_sum > 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")


def largest_value(X):
    """The largest absolute value in ``X`` (of its entries, when sparse); 0 if none.

    An array-API array is searched on its device.
    """
    if not ns.on_host(X):
        return ns.max_abs(X)
    values = X.data if hasattr(X, "tocsr") else X
    if values.size == 0:
        return 0.0
    return max(abs(float(values.max())), abs(float(values.min())))


def check_feature_scale(largest, dtype):
    """Refuse features whose squares overflow: no step size could train on them.

    The curvature of every loss here grows with the squares of the features
    (``X^T X``); past the square root of the dtype's maximum it is no number.
    ``largest`` is the largest absolute value in ``X`` (``largest_value``).
    """
    if largest > np.sqrt(np.finfo(dtype).max):
        raise ValueError(
            f"X holds values up to {largest:.3g}, whose squares overflow "
            f"{np.dtype(dtype)}: no learning rate can train on them. Scale the "
            "features, for example with sklearn.preprocessing.StandardScaler."
        )
