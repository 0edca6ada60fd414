"""How keras-ae's models train: players, their optimizers, one step per backend.

A model writes each player's loss once, with `keras.ops`, and declares its
players (`keras_ae.training.Player`); `PlayerTraining` runs them within
every training step on TensorFlow, JAX and PyTorch. The modules
`tensorflow_step`, `jax_step` and `torch_step` are the only places where
keras-ae's training touches a backend.
"""

from keras_ae.training.player import Player
from keras_ae.training.player import regularization
from keras_ae.training.player_optimizer import PlayerOptimizer
from keras_ae.training.player_training import PlayerTraining

__all__ = ["Player", "PlayerOptimizer", "PlayerTraining", "regularization"]
