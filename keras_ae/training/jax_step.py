"""The training step on JAX: `jax.grad` per player update, on the state `fit` carries.

JAX's `fit` keeps the model's variables outside the model during an epoch
and passes their values through the (jitted) step as a state tuple:
trainable, non-trainable, optimizer and metric variables. This step runs
the players' Keras code inside a `keras.StatelessScope` that maps every
variable to its current value, so whatever the code assigns (an EMA
codebook, a seed generator, a metric, a temperature) is collected as the
new value instead of being lost; each player's gradient is `jax.grad` of
its loss with respect to its own variables' values, and its optimizer's
`apply` runs in the same kind of scope. Every optimizer's variables are in
`model.optimizer.variables` (a `PlayerOptimizer` holds them all), so they
travel with the state. Under `keras.distribution.DataParallel` the step
sees the global batch, sharded over the devices, so contrastive negatives
come from all of it.
"""

import contextlib

import jax
import keras


class _State:
    """The current value of every variable of the model's state, by variable."""

    def __init__(self, variables, values):
        self.variables = list(variables)
        self.values = list(values)
        self._index = {id(v): i for i, v in enumerate(self.variables)}

    def get(self, variables):
        return [self.values[self._index[id(v)]] for v in variables]

    def replace(self, variables, values):
        new = _State.__new__(_State)
        new.variables, new._index = self.variables, self._index
        new.values = list(self.values)
        for variable, value in zip(variables, values):
            new.values[self._index[id(variable)]] = value
        return new

    def run(self, function, collect_losses=False):
        """`function()` with the variables at these values; returns (output, new state)."""
        mapping = list(zip(self.variables, self.values))
        with keras.StatelessScope(state_mapping=mapping, collect_losses=collect_losses) as scope:
            output = function()
        new = self.replace([], [])
        for i, variable in enumerate(self.variables):
            value = scope.get_current_value(variable)
            if value is not None:
                new.values[i] = value
        return output, new

    def split(self, sizes):
        parts, start = [], 0
        for size in sizes:
            parts.append(self.values[start:start + size])
            start += size
        return tuple(parts)


def _groups(model, optimizer=True):
    groups = [model.trainable_variables, model.non_trainable_variables]
    if optimizer:
        groups.append(model.optimizer.variables)
    groups.append(model.metrics_variables)
    return groups


def _player_update(model, player, state, data, shared):
    x, y, sample_weight = data
    optimizer = model.player_optimizer(player.name)
    variables = player.variables

    def scaled_loss(values):
        inner = state.replace(variables, values)
        local = dict(shared)

        def compute():
            loss = player.loss(x, y, sample_weight, True, local)
            return optimizer.scale_loss(loss)

        scaled, inner = inner.run(compute, collect_losses=True)
        added = {k: v for k, v in local.items() if shared.get(k) is not v}
        # The player's own values are the differentiated inputs: hand back
        # the outer ones, or their tracers would escape `jax.grad`.
        # (As lists: JAX converts only pytrees in `aux` back to arrays.)
        return scaled, (inner.replace(variables, state.get(variables)).values, added)

    gradients, (values, added) = jax.grad(scaled_loss, has_aux=True)(state.get(variables))
    state = state.replace(state.variables, values)
    shared.update(added)
    # `stateless_apply`, not `apply` in a scope: a LossScaleOptimizer's
    # stateless version avoids state changes inside its `cond`.
    optimizer_variables = optimizer.variables
    trained, optimizer_values = optimizer.stateless_apply(
        state.get(optimizer_variables), gradients, state.get(variables))
    return state.replace(variables + optimizer_variables, trained + optimizer_values)


def train_step(model, state, data):
    groups = _groups(model)
    state = _State([v for g in groups for v in g], [v for part in state for v in part])
    data = keras.utils.unpack_x_y_sample_weight(data)
    shared = {}
    for player in model.active_players(data[1]):
        for _ in range(player.steps):
            state = _player_update(model, player, state, data, shared)
    _, state = state.run(model.finish_train_step)
    logs, state = state.run(model.training_logs)
    return logs, state.split([len(g) for g in groups])


def test_step(model, state, data):
    groups = _groups(model, optimizer=False)
    state = _State([v for g in groups for v in g], [v for part in state for v in part])
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    shared = {}

    def evaluate():
        for player in model.active_players(y):
            player.loss(x, y, sample_weight, False, shared)
        return model.training_logs()

    logs, state = state.run(evaluate, collect_losses=True)
    return logs, state.split([len(g) for g in groups])


@contextlib.contextmanager
def state_kept_on_error(model):
    """Gives the model back its values if `fit` or `evaluate` fails.

    Keras' JAX trainer takes the variables' values out of the model for an
    epoch and drops them when a step raises (bad input found while tracing
    the step, say), which would leave a model without weights. The values
    from before the call are put back where they still exist (not donated
    to a step that ran).
    """
    variables = _groups(model, optimizer=getattr(model, "optimizer", None) is not None)
    variables = [v for group in variables for v in group]
    saved = [v.value for v in variables]
    try:
        yield
    except Exception:
        for variable, value in zip(variables, saved):
            if not value.is_deleted():
                variable.assign(value)
        raise
