"""skbackprop: scikit-learn estimators trained by hand-derived backpropagation.

The gradients are those of the project's seed derivation (written out on the
documentation's derivation page), coded once in
:mod:`skbackprop.backprop` and checked against finite differences by
:mod:`skbackprop.gradcheck`.
"""

from skbackprop._display import LearningRateRangeDisplay, LossCurveDisplay
from skbackprop._linear import LogisticCEClassifier, SigmoidSSEClassifier
from skbackprop._lr_range import LearningRateRangeResult, lr_range_test
from skbackprop._mlp import TinyMLPRegressor
from skbackprop._model_selection import fastest_within_one_standard_error
from skbackprop._trace import BackpropTrace, TraceStep, backprop_trace

__version__ = "0.1.0"

__all__ = [
    "BackpropTrace",
    "LearningRateRangeDisplay",
    "LearningRateRangeResult",
    "LogisticCEClassifier",
    "LossCurveDisplay",
    "SigmoidSSEClassifier",
    "TinyMLPRegressor",
    "TraceStep",
    "__version__",
    "backprop_trace",
    "fastest_within_one_standard_error",
    "lr_range_test",
]
