"""How many BLAS threads a fit uses: one, for products too small to share.

OpenBLAS wakes its threads for every matrix product. On products of a few
million multiplications the waking costs more than the work it shares: on 2
cores, a full-batch gradient of 2,000 x 64 x 10 took 0.66 ms on one thread and
16 ms on two, and the default fit of ``load_digits`` 57 ms against 1.3 s. So a
fit whose first-layer product is smaller than ``SMALL_PRODUCT`` runs with one
BLAS thread, numpy's and scipy's alike (scipy brings its own OpenBLAS). A
limit the user set with :func:`threadpoolctl.threadpool_limits` stays in
charge: the fit then changes nothing.
"""

from contextlib import contextmanager, nullcontext

from threadpoolctl import ThreadpoolController

# Multiplications in one product X @ W below which threads cost more than
# they share (measured on 2 cores: 2.5 million, 6x slower on two threads;
# 5 million, 1.4x faster).
SMALL_PRODUCT = 2**22

_blas = None  # the BLAS libraries' controller, made once: it takes ~10 ms
_default_threads = None  # their threads when first looked at


def fit_threads(n_multiplications):
    """A context in which a fit with products of this size runs.

    Parameters
    ----------
    n_multiplications : int
        The multiplications of the fit's largest product, ``X @ W``.

    Returns
    -------
    context : context manager
        One BLAS thread for small products, when the user has not limited the
        threads; else a context that changes nothing.
    """
    if n_multiplications >= SMALL_PRODUCT:
        return nullcontext()
    blas, defaults = _controller()
    threads = [library.num_threads for library in blas.lib_controllers]
    if threads != defaults or max(threads, default=1) <= 1:
        return nullcontext()
    return _one_thread(blas)


@contextmanager
def _one_thread(blas):
    with blas.limit(limits=1):
        yield


def _controller():
    """The BLAS controller and the threads it found at first, made once."""
    global _blas, _default_threads
    if _blas is None:
        _blas = ThreadpoolController().select(user_api="blas")
        _default_threads = [library.num_threads for library in _blas.lib_controllers]
    return _blas, _default_threads
