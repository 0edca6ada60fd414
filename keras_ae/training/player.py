import keras
from keras import ops

from keras_ae._checks import check_bool
from keras_ae._checks import check_int


class Player:
    """One optimizer's share of a training step: its networks, its loss, its steps.

    A model trained by several optimizers (a GAN's discriminator and
    generator, Deep InfoMax's prior discriminator, encoder and probe)
    declares one `Player` for each; `keras_ae.training.PlayerTraining` runs
    them in order within every training step, on every backend. A player's
    update is applied before the next player's loss is computed, so each
    player sees the weights the players before it have just updated.

    Args:
        name: str, the player's name; also the key of its optimizer in a
            `keras_ae.training.PlayerOptimizer` (a model with one player uses
            its `optimizer` directly).
        networks: a list of Keras layers or models; the player updates their
            trainable variables (each once, in order).
        loss: a callable `loss(x, y, sample_weight, training, shared)`
            returning the float32 scalar this player minimises, written with
            `keras.ops`. `shared` is a dict the players of one step share: a
            player may put values there (with `ops.stop_gradient`) for the
            players after it, instead of computing them again. A loss that
            assigns a state variable (an EMA codebook, a step counter) must
            not read it again afterwards: JAX's step then still sees the old
            value where TensorFlow and PyTorch see the new one, and PyTorch's
            autograd refuses a tensor changed in place after use.
        steps: int >= 1, how many updates the player makes per batch (e.g.
            a discriminator's k steps per generator step), each on the
            same batch.
        needs_labels: bool, skip the player on batches without `y` (e.g. an
            online probe when `fit` is given no labels).

    Example:

    >>> import keras, keras_ae
    >>> network = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> player = keras_ae.training.Player(
    ...     "model", [network],
    ...     lambda x, y, sample_weight, training, shared: keras.ops.mean(network(x) ** 2))
    >>> len(player.variables)
    2
    """

    def __init__(self, name, networks, loss, steps=1, needs_labels=False):
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty str. Received: name={name!r}")
        if not isinstance(networks, (list, tuple)) or not networks or not all(
                isinstance(n, keras.layers.Layer) for n in networks):
            raise ValueError(
                "`networks` must be a non-empty list of Keras layers or models. "
                f"Received: networks={networks!r}")
        if not callable(loss):
            raise ValueError(f"`loss` must be callable. Received: loss={loss!r}")
        self.name = name
        self.networks = list(networks)
        self.loss = loss
        self.steps = check_int("steps", steps, 1)
        self.needs_labels = check_bool("needs_labels", needs_labels)

    @property
    def variables(self):
        """The trainable variables the player updates, each once."""
        seen, variables = set(), []
        for network in self.networks:
            for variable in network.trainable_variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    variables.append(variable)
        return variables

    def __repr__(self):
        return f"Player({self.name!r}, steps={self.steps})"


def regularization(*networks):
    """The sum of the networks' `losses` (`add_loss` terms and weight
    regularizers) as a float32 scalar: what a player adds to its loss for
    the networks it trains.
    """
    losses = [ops.cast(loss, "float32") for network in networks if network is not None
              for loss in network.losses]
    return ops.sum(ops.stack(losses)) if losses else ops.convert_to_tensor(0.0, "float32")
