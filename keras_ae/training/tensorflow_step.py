"""The training step on TensorFlow: one `tf.GradientTape` per player update.

Under a `tf.distribute` strategy `fit` runs this step on every replica; the
optimizers sum the replicas' gradients, so each loss is divided by the
replica count to take the mean over the global batch.
"""

import contextlib

import keras
import tensorflow as tf


def train_step(model, data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    shared = {}
    for player in model.active_players(y):
        optimizer = model.player_optimizer(player.name)
        for _ in range(player.steps):
            with tf.GradientTape() as tape:
                loss = player.loss(x, y, sample_weight, True, shared)
                scaled = optimizer.scale_loss(loss / replicas)
            # Read after the loss: a layer may have built itself in it.
            variables = player.variables
            gradients = tape.gradient(scaled, variables)
            # A variable the loss does not reach gets a zero gradient, as on JAX.
            gradients = [tf.zeros_like(v) if g is None else g
                         for g, v in zip(gradients, variables)]
            optimizer.apply_gradients(zip(gradients, variables))
    model.finish_train_step()
    return model.training_logs()


def test_step(model, data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    shared = {}
    for player in model.active_players(y):
        player.loss(x, y, sample_weight, False, shared)
    return model.training_logs()


def state_kept_on_error(model):
    """Variables hold their values throughout `fit` here: nothing to keep."""
    return contextlib.nullcontext()
