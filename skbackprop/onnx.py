"""ONNX export of the three estimators, through skl2onnx.

Importing this module registers a shape calculator and a converter for each
estimator with skl2onnx, so that :func:`skl2onnx.to_onnx` converts them,
alone or as the last step of a :class:`~sklearn.pipeline.Pipeline`, and the
resulting graph runs in onnxruntime without skbackprop or scikit-learn.

The graphs compute what the estimators' own methods compute, from their fitted
attributes:

- the classifiers: the label and the probability of each class in ``classes_``,
  in the usual two outputs of a skl2onnx classifier. The ``zipmap`` option
  (``True``, the default, ``False`` or ``"columns"``) chooses whether the
  probabilities come as one dictionary per row or as a tensor, and ``nocl``
  gives the indices into ``classes_`` as labels;
- :class:`~skbackprop.TinyMLPRegressor`: the predictions, of shape
  ``(n_samples, 1)`` for a 1-D ``y`` (skl2onnx's convention for regressors) or
  ``(n_samples, n_outputs)``.

Numeric labels become int64 in ONNX, other labels strings, as for skl2onnx's
own classifiers.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> import skbackprop.onnx  # registers the converters
>>> from skbackprop import LogisticCEClassifier
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> clf = LogisticCEClassifier()
>>> model = make_pipeline(StandardScaler(), clf).fit(X, y)
>>> onx = to_onnx(model, X[:1], options={id(clf): {"zipmap": False}})
>>> session = ort.InferenceSession(
...     onx.SerializeToString(), providers=["CPUExecutionProvider"]
... )
>>> labels, proba = session.run(None, {"X": X})
>>> bool((labels == model.predict(X)).all())
True
>>> bool(np.allclose(proba, model.predict_proba(X), atol=1e-4))
True
"""

import numpy as np

# The onnx extra, and only it, installs these: say so rather than leave a bare
# ModuleNotFoundError, as LossCurveDisplay does for matplotlib.
try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier
    from skl2onnx.algebra.onnx_ops import (
        OnnxAbs,
        OnnxAdd,
        OnnxArgMax,
        OnnxArrayFeatureExtractor,
        OnnxCast,
        OnnxConcat,
        OnnxExp,
        OnnxGreater,
        OnnxIdentity,
        OnnxLog,
        OnnxMatMul,
        OnnxMin,
        OnnxNeg,
        OnnxReshape,
        OnnxSigmoid,
        OnnxSoftmax,
        OnnxSub,
    )
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as e:
    raise ImportError(
        "skbackprop.onnx requires skl2onnx and onnx (and onnxruntime to run the "
        "graphs). skbackprop is not on PyPI: install them with its onnx extra, "
        'from the root of a clone of its repository, `pip install -e ".[onnx]"`.'
    ) from e

from skbackprop._fixes import move_estimator_to
from skbackprop._linear import LogisticCEClassifier, SigmoidSSEClassifier
from skbackprop._mlp import TinyMLPRegressor

__all__ = [
    "calculate_tiny_mlp_output_shapes",
    "convert_logistic_ce_classifier",
    "convert_sigmoid_sse_classifier",
    "convert_tiny_mlp_regressor",
]

# The options of skl2onnx's classifiers: how the probabilities come out
# (``zipmap``) and whether the labels are the indices into ``classes_`` (``nocl``).
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}


def convert_sigmoid_sse_classifier(scope, operator, container):
    """Convert a fitted :class:`~skbackprop.SigmoidSSEClassifier` to ONNX.

    With more than two classes the probabilities are the per-class sigmoids
    normalised to sum to 1, computed as ``softmax(log σ(Z))``, which stays
    finite where every σ rounds to 0.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Where the converter takes unique names from.
    operator : skl2onnx.common._topology.Operator
        The estimator (``operator.raw_operator``), its input and its two outputs.
    container : skl2onnx.common._container.ModelComponentContainer
        The graph the nodes are added to.
    """
    _convert_linear_classifier(scope, operator, container, _log_sigmoid)


def convert_logistic_ce_classifier(scope, operator, container):
    """Convert a fitted :class:`~skbackprop.LogisticCEClassifier` to ONNX.

    With more than two classes the probabilities are ``softmax(Z)``.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Where the converter takes unique names from.
    operator : skl2onnx.common._topology.Operator
        The estimator (``operator.raw_operator``), its input and its two outputs.
    container : skl2onnx.common._container.ModelComponentContainer
        The graph the nodes are added to.
    """
    _convert_linear_classifier(scope, operator, container, lambda Z, dtype, opv: Z)


def convert_tiny_mlp_regressor(scope, operator, container):
    """Convert a fitted :class:`~skbackprop.TinyMLPRegressor` to ONNX.

    The graph is the forward pass ``σ(X W1 + b1) W2 + b2`` of
    :func:`skbackprop.backprop.tiny_mlp_forward` on the fitted ``coefs_`` and
    ``intercepts_``, which already hold the target scaling.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Where the converter takes unique names from.
    operator : skl2onnx.common._topology.Operator
        The estimator (``operator.raw_operator``), its input and its output.
    container : skl2onnx.common._container.ModelComponentContainer
        The graph the nodes are added to.
    """
    model = operator.raw_operator
    opv = container.target_opset
    X, dtype = _float_input(operator, opv)
    (W1, W2), (b1, b2) = model.coefs_, model.intercepts_
    hidden = OnnxSigmoid(
        OnnxAdd(OnnxMatMul(X, W1.astype(dtype), op_version=opv), b1.astype(dtype)),
        op_version=opv,
    )
    y_pred = OnnxAdd(
        OnnxMatMul(hidden, W2.reshape(W2.shape[0], -1).astype(dtype), op_version=opv),
        np.reshape(b2, -1).astype(dtype),
        op_version=opv,
    )
    OnnxIdentity(y_pred, op_version=opv, output_names=operator.outputs[:1]).add_to(
        scope, container
    )


def parse_classifier(scope, model, inputs, custom_parsers=None):
    """Parse a classifier fitted on numpy arrays, as skl2onnx parses its own.

    skl2onnx's classifier parser, once the model is known to hold numpy
    weights: it reads ``classes_`` as a numpy dtype.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Where the parser declares the model's operator and outputs.
    model : SigmoidSSEClassifier or LogisticCEClassifier
        The fitted classifier.
    inputs : list of skl2onnx.common._topology.Variable
        The model's inputs.
    custom_parsers : dict, default=None
        skl2onnx's custom parsers, passed on.

    Returns
    -------
    outputs : list of skl2onnx.common._topology.Variable
        The label and the probabilities.
    """
    _check_fitted_on_numpy(model, model.coef_)
    return _parse_sklearn_classifier(
        scope, model, inputs, custom_parsers=custom_parsers
    )


def calculate_tiny_mlp_output_shapes(operator):
    """Declare the output of a :class:`~skbackprop.TinyMLPRegressor`.

    skl2onnx's regressor shape calculator, with ``n_outputs_`` columns where
    it would read them from a ``coef_`` that the network does not have.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The estimator (``operator.raw_operator``), its input and its output.
    """
    _check_fitted_on_numpy(operator.raw_operator, operator.raw_operator.coefs_[0])
    calculate_linear_regressor_output_shapes(operator)
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type.shape = [n_rows, operator.raw_operator.n_outputs_]


def _convert_linear_classifier(scope, operator, container, multiclass_logits):
    """The label and the class probabilities of ``z = X coef_ᵀ + intercept_``.

    ``multiclass_logits(Z, dtype, opv)`` gives the logits whose softmax is
    ``predict_proba`` for more than two classes, as ``_multiclass_logits`` does
    in the estimator.
    """
    model = operator.raw_operator
    opv = container.target_opset
    X, dtype = _float_input(operator, opv)
    label_output, proba_output = operator.outputs[:2]
    Z = OnnxAdd(
        OnnxMatMul(X, model.coef_.T.astype(dtype), op_version=opv),
        model.intercept_.astype(dtype),
        op_version=opv,
    )
    if model.classes_.shape[0] == 2:
        # [1 − σ(z), σ(z)] as [σ(−z), σ(z)]: no cancellation where σ(z) ≈ 1.
        proba = OnnxConcat(
            OnnxSigmoid(OnnxNeg(Z, op_version=opv), op_version=opv),
            OnnxSigmoid(Z, op_version=opv),
            axis=1,
            op_version=opv,
        )
        # The estimator's rule, z > 0, rather than an argmax of rounded
        # probabilities.
        index = OnnxCast(
            OnnxGreater(
                OnnxReshape(Z, np.array([-1], dtype=np.int64), op_version=opv),
                np.array([0], dtype=dtype),
                op_version=opv,
            ),
            to=TensorProto.INT64,
            op_version=opv,
        )
    else:
        proba = OnnxSoftmax(multiclass_logits(Z, dtype, opv), axis=1, op_version=opv)
        index = OnnxArgMax(Z, axis=1, keepdims=0, op_version=opv)
    labels = OnnxReshape(
        OnnxArrayFeatureExtractor(_onnx_classes(scope, model), index, op_version=opv),
        np.array([-1], dtype=np.int64),
        op_version=opv,
        output_names=[label_output],
    )
    labels.add_to(scope, container)
    OnnxIdentity(proba, op_version=opv, output_names=[proba_output]).add_to(
        scope, container
    )


def _check_fitted_on_numpy(model, weights):
    """Refuse a model whose weights live in another namespace than numpy's.

    ONNX graphs hold numpy constants; a model fitted on torch or CuPy arrays
    (``array_api_dispatch``) keeps its weights there.
    """
    if isinstance(weights, np.ndarray):
        return
    if move_estimator_to is not None:
        fix = (
            "Move the model to numpy first: from sklearn.utils._array_api import "
            "move_estimator_to; model = move_estimator_to(model, numpy, 'cpu')."
        )
    else:  # scikit-learn < 1.9
        fix = (
            "Fit it on numpy arrays (scikit-learn 1.9 or newer can move a fitted "
            "model there: sklearn.utils._array_api.move_estimator_to)."
        )
    raise TypeError(
        f"{type(model).__name__} was fitted on {type(weights).__module__} arrays "
        f"(array_api_dispatch), and ONNX export takes numpy weights. {fix}"
    )


def _log_sigmoid(Z, dtype, opv):
    """``log σ(z) = min(z, 0) − log(1 + exp(−|z|))``, finite for any ``z``.

    As :func:`scipy.special.log_expit`; written with Exp and Log rather than
    Softplus, which onnxruntime lacks for float64.
    """
    zero, one = np.array([0], dtype=dtype), np.array([1], dtype=dtype)
    tail = OnnxLog(
        OnnxAdd(
            one,
            OnnxExp(
                OnnxNeg(OnnxAbs(Z, op_version=opv), op_version=opv), op_version=opv
            ),
            op_version=opv,
        ),
        op_version=opv,
    )
    return OnnxSub(OnnxMin(Z, zero, op_version=opv), tail, op_version=opv)


def _float_input(operator, opv):
    """The input as float32 or float64 (integers and booleans become float32)."""
    X = operator.inputs[0]
    if isinstance(X.type, DoubleTensorType):
        return X, np.float64
    if isinstance(X.type, FloatTensorType):
        return X, np.float32
    return OnnxCast(X, to=TensorProto.FLOAT, op_version=opv), np.float32


def _onnx_classes(scope, model):
    """``classes_`` as ONNX can hold them: int64 for numbers, else strings.

    Float labels are whole numbers (scikit-learn rejects others as continuous),
    so int64 holds them too. With the option ``nocl``, the labels are the
    indices into ``classes_``.
    """
    classes = get_label_classes(scope, model)
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64)
    return np.array([str(label) for label in classes])


update_registered_converter(
    SigmoidSSEClassifier,
    "SkbackpropSigmoidSSEClassifier",
    calculate_linear_classifier_output_shapes,
    convert_sigmoid_sse_classifier,
    parser=parse_classifier,
    options=CLASSIFIER_OPTIONS,
)
update_registered_converter(
    LogisticCEClassifier,
    "SkbackpropLogisticCEClassifier",
    calculate_linear_classifier_output_shapes,
    convert_logistic_ce_classifier,
    parser=parse_classifier,
    options=CLASSIFIER_OPTIONS,
)
update_registered_converter(
    TinyMLPRegressor,
    "SkbackpropTinyMLPRegressor",
    calculate_tiny_mlp_output_shapes,
    convert_tiny_mlp_regressor,
)
