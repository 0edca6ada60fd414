"""Evaluation of learned representations."""

from keras_ae.evaluation.linear_probe import linear_probe
from keras_ae.evaluation.pooled_features import pooled_features

__all__ = ["linear_probe", "pooled_features"]
