"""keras-ae: representation learning beyond reconstruction, for Keras 3."""

from keras_ae import callbacks
from keras_ae import data
from keras_ae import evaluation
from keras_ae import layers
from keras_ae import losses
from keras_ae import models
from keras_ae import ops
from keras_ae import presets
from keras_ae import testing
from keras_ae import text
from keras_ae.version import __version__

__all__ = [
    "__version__",
    "callbacks",
    "data",
    "evaluation",
    "layers",
    "losses",
    "models",
    "ops",
    "presets",
    "testing",
    "text",
]
