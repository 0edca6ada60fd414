"""Test helpers for layers built on keras-ae (public, for users' layers too)."""

from keras_ae.testing.layer_test import run_layer_test

__all__ = ["run_layer_test"]
