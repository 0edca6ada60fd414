"""Evaluation of learned representations."""

from keras_ae.evaluation.linear_probe import linear_probe

__all__ = ["linear_probe"]
