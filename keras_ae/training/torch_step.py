"""The training step on PyTorch: `torch.autograd.grad` per player update.

Each player's gradients are taken for its own variables only, so players
never see each other's leftover `.grad`. PyTorch runs on one device here.
"""

import contextlib

import keras
import torch


def train_step(model, data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    shared = {}
    for player in model.active_players(y):
        optimizer = model.player_optimizer(player.name)
        for _ in range(player.steps):
            loss = player.loss(x, y, sample_weight, True, shared)
            scaled = optimizer.scale_loss(loss)
            # Read after the loss: a layer may have built itself in it.
            variables = player.variables
            tensors = [v.value for v in variables]
            if scaled.requires_grad:
                gradients = torch.autograd.grad(scaled, tensors, allow_unused=True)
            else:
                gradients = [None] * len(tensors)
            # A variable the loss does not reach gets a zero gradient, as on JAX.
            gradients = [torch.zeros_like(t) if g is None else g
                         for g, t in zip(gradients, tensors)]
            with torch.no_grad():
                optimizer.apply(gradients, variables)
    with torch.no_grad():
        model.finish_train_step()
    return model.training_logs()


def test_step(model, data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    shared = {}
    with torch.no_grad():
        for player in model.active_players(y):
            player.loss(x, y, sample_weight, False, shared)
    return model.training_logs()


def state_kept_on_error(model):
    """Variables hold their values throughout `fit` here: nothing to keep."""
    return contextlib.nullcontext()
