"""Callbacks that schedule the non-trainable state of keras-ae layers."""

from keras_ae.callbacks.temperature_schedule import TemperatureSchedule

__all__ = ["TemperatureSchedule"]
