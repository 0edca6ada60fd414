"""Callbacks: schedules of layers' state, and TensorBoard images of models."""

from keras_ae.callbacks.reconstruction_images import ReconstructionImages
from keras_ae.callbacks.reconstruction_images import image_grid
from keras_ae.callbacks.temperature_schedule import TemperatureSchedule

__all__ = ["ReconstructionImages", "TemperatureSchedule", "image_grid"]
