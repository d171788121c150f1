"""The docstring entries that more than one estimator shares, written once.

A class docstring names a shared entry by a line of its own, ``%(name)s``
(``%(beta_1, beta_2)s`` for an entry of two names), where the entry goes;
:func:`fill_shared_entries` puts the entry there, indented as that line is, when
the class is defined. What ``help()`` and the API pages show is then the full
numpydoc docstring, as if written out in each class.

An entry that one estimator alone has, or whose meaning differs between the
network and the classifiers (``n_hidden``; ``alpha``, ``solver``,
``early_stopping``, ...), is written out in the network's docstring, and once
here for the two classifiers. An entry whose default differs writes
``%(default)s`` for it, which the signature's default fills.
"""

import inspect
import re
import textwrap

# The entries of every estimator, by the names that the entry documents.
PARAMETERS = {
    "learning_rate": """\
learning_rate : float or "auto", default="auto"
    The step size η of ``W ← W − η∇E``. For ``"gd"`` under its
    ``"auto"`` schedule, the largest step, halved wherever the curvature
    asks; for ``"lbfgs"``, the multiple of the quasi-Newton step tried
    first, halved likewise; for the other schedules the initial one.
    ``"auto"`` is 10 for ``"gd"`` under the ``"auto"`` schedule, 1 for
    ``"lbfgs"``, 0.1 for ``"sgd"`` and ``"gd"``'s other schedules, and
    0.01 for ``"adam"``.
""",
    "max_iter": """\
max_iter : int, default=1000
    The most epochs; an epoch of ``"gd"`` or ``"lbfgs"`` is one full-batch
    step tried.
""",
    "tol": """\
tol : float, default=1e-4
    ``"gd"`` and ``"lbfgs"`` have converged once no entry of the gradient
    exceeds ``tol`` in absolute value; ``"sgd"`` and ``"adam"`` stop
    when their best loss has improved by less than ``tol`` over the last
    ``n_iter_no_change`` epochs. With early stopping, the best
    validation score decides instead.
""",
    "batch_size": """\
batch_size : int or "auto", default="auto"
    Rows per mini-batch for ``"sgd"`` and ``"adam"``; ``"auto"`` is
    ``min(200, n_samples)``.
""",
    "learning_rate_schedule": """\
learning_rate_schedule : {"auto", "constant", "invscaling", "adaptive"}, default="auto"
    How ``"gd"`` and ``"sgd"`` change the step size. ``"auto"``: for
    ``"gd"``, backtracking (a step that raises the loss is undone, the
    momentum restarts, and a step from rest that raised it halves the step
    size), except in ``partial_fit``, which steps at a constant rate; for
    ``"sgd"``, ``"constant"``. The others as the string
    ``learning_rate`` of scikit-learn's :mod:`sklearn.neural_network`
    estimators.
""",
    "power_t": """\
power_t : float, default=0.5
    Exponent of the ``"invscaling"`` schedule.
""",
    "momentum": """\
momentum : float or "auto", default="auto"
    Momentum of ``"gd"`` and ``"sgd"``, in [0, 1]. ``"auto"`` is Nesterov's
    increasing ``k / (k + 3)``, ``k`` steps since the last restart, for
    ``"gd"`` under the ``"auto"`` schedule, and 0.9 otherwise. 0 with the
    ``"constant"`` schedule is the seed's update.
""",
    "nesterovs_momentum": """\
nesterovs_momentum : bool, default=True
    Whether ``"gd"`` and ``"sgd"`` use Nesterov's momentum.
""",
    "beta_1, beta_2": """\
beta_1, beta_2 : float, default=0.9, 0.999
    Decay rates of Adam's moment estimates, in [0, 1).
""",
    "epsilon": """\
epsilon : float, default=1e-8
    Adam's numerical stability term.
""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    The share of rows held out for early stopping and ``alpha="auto"``, in
    (0, 1).
""",
    "n_iter_no_change": """\
n_iter_no_change : int, default=%(default)s
    The epochs over which the best loss (or validation score) must improve
    by ``tol`` for training to go on.
""",
    "shuffle": """\
shuffle : bool, default=True
    Whether to shuffle the rows before each epoch of mini-batches.
""",
    "warm_start": """\
warm_start : bool, default=False
    Whether ``fit`` continues from the fitted weights and optimizer state.
""",
    "verbose": """\
verbose : int, default=0
    Whether to print one line of progress per epoch.
""",
}

ATTRIBUTES = {
    "alpha_": """\
alpha_ : float
    The L2 penalty of the fitted model: ``alpha``, or the one ``"auto"``
    chose.
""",
    "n_iter_": """\
n_iter_ : int
    Epochs run by the last call to ``fit`` (after ``alpha="auto"``'s
    path, see ``alpha``).
""",
    "t_": """\
t_ : int
    Training samples seen by the solver over all calls.
""",
    "loss_curve_": """\
loss_curve_ : list of float
    The objective at each epoch (continued by warm starts).
""",
    "best_loss_": """\
best_loss_ : float or None
    The lowest training objective; None with ``early_stopping``.
""",
    "validation_loss_curve_": """\
validation_loss_curve_ : list of float or None
    The objective on the held-out rows per epoch, with ``early_stopping``.
""",
    "n_features_in_": """\
n_features_in_ : int
    Number of features seen during fit.
""",
    "feature_names_in_": """\
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when ``X`` has string column names.
""",
}

# The entries of the two linear classifiers.
CLASSIFIER_ENTRIES = {
    "solver": """\
solver : {"gd", "sgd", "adam", "lbfgs"}, default="lbfgs"
    ``"lbfgs"``: limited-memory BFGS on the full batch, deterministic,
    which reaches LogisticRegression's optimum at about its speed even
    where one-hot columns make the problem ill-conditioned (measured on
    25 real datasets, ``benchmarks/defaults.py --real``); ``"gd"``:
    full-batch gradient descent with momentum, deterministic, and with
    ``learning_rate_schedule="constant", momentum=0`` the seed's own
    update ``W ← W − η∇E``; ``"sgd"``: mini-batch gradient descent with
    momentum; ``"adam"``: mini-batch Adam. ``partial_fit`` exists for all
    but ``"lbfgs"``.
""",
    "alpha": """\
alpha : float or "auto", default=1e-3
    Strength of the L2 penalty ``(alpha / 2)·‖W‖²`` added to the mean loss;
    ``LogisticRegression(C=C)`` on ``n`` rows has ``alpha = 1 / (C n)``.
    ``"auto"`` chooses it on the held-out ``validation_fraction`` of the
    rows, as for :class:`TinyMLPRegressor`, by accuracy.
""",
    "fit_intercept": """\
fit_intercept : bool, default=True
    Whether to learn an intercept per output.
""",
    "early_stopping": """\
early_stopping : bool or "auto", default=False
    Whether to hold out ``validation_fraction`` of the rows (stratified),
    stop when their accuracy stops improving, and keep the best weights.
    ``"auto"`` holds them out when they would be 20 rows or more.
""",
    "class_weight": """\
class_weight : dict, "balanced" or None, default=None
    Weights of the classes, multiplied into ``sample_weight``. ``"balanced"``
    weighs each class by ``n_samples / (n_classes * n_c)``, with ``n_c`` the
    sum of its rows' sample weights, as LogisticRegression does from
    scikit-learn 1.7: integer weights still count as repeated rows.
""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds the validation split and the shuffles.
""",
    "classes_": """\
classes_ : ndarray of shape (n_classes,)
    The class labels.
""",
    "coef_": """\
coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    The weights W: one row for two classes, one row per class for more.
""",
    "intercept_": """\
intercept_ : ndarray of shape (1,) or (n_classes,)
    The intercepts (zeros when ``fit_intercept=False``).
""",
    "validation_scores_": """\
validation_scores_ : list of float or None
    Accuracy on the held-out rows per epoch, with ``early_stopping``.
""",
    "best_validation_score_": """\
best_validation_score_ : float or None
    The best held-out accuracy, whose weights were kept.
""",
}

# The two classifiers' Parameters and Attributes sections, entry by entry,
# in their order: placeholders that are filled in turn.
CLASSIFIER_SECTIONS = {}
CLASSIFIER_SECTIONS["classifier parameters"] = "".join(
    f"%({name})s\n"
    for name in (
        "learning_rate", "solver", "max_iter", "tol", "alpha", "fit_intercept",
        "batch_size", "learning_rate_schedule", "power_t", "momentum",
        "nesterovs_momentum", "beta_1, beta_2", "epsilon", "early_stopping",
        "validation_fraction", "n_iter_no_change", "shuffle", "class_weight",
        "random_state", "warm_start", "verbose",
    )
)  # fmt: skip
CLASSIFIER_SECTIONS["classifier attributes"] = "".join(
    f"%({name})s\n"
    for name in (
        "classes_", "coef_", "intercept_", "alpha_", "n_iter_", "t_",
        "loss_curve_", "best_loss_", "validation_scores_",
        "validation_loss_curve_", "best_validation_score_", "n_features_in_",
        "feature_names_in_",
    )
)  # fmt: skip

SHARED_ENTRIES = {**PARAMETERS, **ATTRIBUTES}

# Entries of the methods' docstrings, which the class decorator fills too.
METHOD_ENTRIES = {
    "training X": """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Training data.
""",
    "X to classify": """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The rows to classify.
""",
    "sample_weight": """\
sample_weight : array-like of shape (n_samples,), default=None
    Weights of the samples in the mean loss; None weighs them equally.
""",
    "updated self": """\
self : object
    The updated estimator.
""",
}

# A line that is nothing but ``%(name)s``, or ``%(name, other)s``.
_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)%\((?P<names>[\w, ]+)\)s[ ]*$", re.M)


def fill_shared_entries(*more_entries):
    """Return a class decorator that fills the docstring's placeholder lines.

    Parameters
    ----------
    *more_entries : dict of str to str
        Entries besides :data:`SHARED_ENTRIES` that the class's placeholders
        may name, as :data:`CLASSIFIER_ENTRIES`.

    Returns
    -------
    decorator : callable
        Takes the class, replaces each placeholder line of its ``__doc__``
        and of its methods' with the entry it names, and returns the class.
        A placeholder that names no entry raises ``KeyError`` when the class
        is defined.
    """
    entries = {**SHARED_ENTRIES, **METHOD_ENTRIES}
    for extra in more_entries:
        entries.update(extra)

    def decorator(cls):
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(cls).parameters.items()
        }

        def entry(match):
            names = match["names"]
            if names not in entries:
                raise KeyError(
                    f"{cls.__name__}'s docstring names %({names})s, which no "
                    "shared entry documents."
                )
            text = entries[names]
            if "%(default)s" in text:
                text = text.replace("%(default)s", _documented(defaults[names]))
            return textwrap.indent(text, match["indent"]).rstrip("\n")

        def fill(doc):
            # An entry may itself be placeholders (a whole section): fill again.
            while isinstance(doc, str) and _PLACEHOLDER.search(doc):
                doc = _PLACEHOLDER.sub(entry, doc)
            return doc

        cls.__doc__ = fill(cls.__doc__)  # None under python -OO
        # The methods', the functions a method descriptor wraps included.
        for attribute in vars(cls).values():
            if not (inspect.isfunction(attribute) or hasattr(attribute, "method")):
                continue
            for method in (attribute, getattr(attribute, "method", None)):
                if method is not None and isinstance(method.__doc__, str):
                    method.__doc__ = fill(method.__doc__)
        return cls

    return decorator


def _documented(default):
    """A default as the entries write it: strings in double quotes."""
    return f'"{default}"' if isinstance(default, str) else repr(default)
