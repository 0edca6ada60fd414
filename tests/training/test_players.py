"""Players, their optimizers, and who moves in a step, on the running backend."""

import keras
import numpy as np
import pytest
import tiny_models

import keras_ae
from keras_ae.training import Player
from keras_ae.training import PlayerOptimizer


def _fit_once(model, kind):
    x, y = tiny_models.batch(kind)
    return model.fit(x, y, batch_size=tiny_models.BATCH, epochs=1, shuffle=False, verbose=0)


@pytest.mark.parametrize("kind", sorted(tiny_models.BUILDERS))
def test_one_step_moves_every_network_of_every_player(kind):
    keras.utils.set_random_seed(0)
    model = tiny_models.build(kind)
    model.compile(optimizer=tiny_models.optimizer(kind))
    players = model.players()
    trained = {id(v) for p in players for v in p.variables}
    assert trained == {id(v) for v in model.trainable_variables}, "a weight no player trains"
    before = {p.name: [tiny_models.values(n.trainable_variables) for n in p.networks]
              for p in players}
    history = _fit_once(model, kind)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    for player in players:
        for network, old in zip(player.networks, before[player.name]):
            new = tiny_models.values(network.trainable_variables)
            assert any(not np.array_equal(a, b) for a, b in zip(old, new)), (
                f"{player.name}: {network.name} did not move")


def test_each_player_moves_only_its_own_weights():
    names = ("discriminator", "encoder", "probe")
    for moving in names:
        keras.utils.set_random_seed(0)
        model = tiny_models.build("deep_info_max")
        model.compile(optimizer=PlayerOptimizer({
            name: keras.optimizers.Adam(1e-2) if name == moving else keras.optimizers.SGD(0.0)
            for name in names}))
        players = {p.name: p for p in model.players()}
        before = {name: tiny_models.values(p.variables) for name, p in players.items()}
        _fit_once(model, "deep_info_max")
        for name, player in players.items():
            moved = [not np.array_equal(a, b)
                     for a, b in zip(before[name], tiny_models.values(player.variables))]
            if name == moving:
                assert any(moved), f"{name} did not move"
            else:
                assert not any(moved), f"{name} moved while only {moving} trained"


def test_the_discriminator_moves_before_the_encoder_sees_it():
    """The encoder's prior loss is computed with the discriminator after its update."""
    keras.utils.set_random_seed(0)
    model = tiny_models.build("deep_info_max")
    model.compile(optimizer=PlayerOptimizer({"discriminator": keras.optimizers.SGD(1.0),
                                             "encoder": keras.optimizers.SGD(0.0),
                                             "probe": keras.optimizers.SGD(0.0)}))
    x, y = tiny_models.batch("deep_info_max")
    history = model.fit(x, y, batch_size=tiny_models.BATCH, epochs=1, verbose=0)
    representation = model.encode(x, batch_size=None)
    after = keras.ops.convert_to_numpy(model._discriminator_logits(representation, False))
    np.testing.assert_allclose(history.history["prior_loss"][0],
                               np.mean(np.logaddexp(0.0, -after)), rtol=1e-5)


def test_player_checks_its_arguments():
    network = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    loss = lambda x, y, sample_weight, training, shared: keras.ops.mean(network(x))  # noqa: E731
    for kwargs, match in ((dict(name=""), "name"), (dict(networks=[]), "networks"),
                          (dict(networks=["dense"]), "networks"), (dict(loss=3), "loss"),
                          (dict(steps=0), "steps=0"), (dict(steps=True), "steps"),
                          (dict(needs_labels=1), "needs_labels")):
        arguments = {"name": "p", "networks": [network], "loss": loss, **kwargs}
        with pytest.raises(ValueError, match=match):
            Player(**arguments)
    shared = Player("p", [network, network], loss)
    assert len(shared.variables) == 2  # a network given twice is trained once


def test_player_optimizer_round_trip_and_errors():
    optimizer = PlayerOptimizer({"g": keras.optimizers.Adam(1e-3), "d": "sgd"})
    config = keras.saving.serialize_keras_object(optimizer)
    again = keras.saving.deserialize_keras_object(config)
    assert isinstance(again, PlayerOptimizer) and again.names == ["g", "d"]
    assert isinstance(again["d"], keras.optimizers.SGD)
    assert float(keras.ops.convert_to_numpy(again.learning_rate)) == pytest.approx(1e-3)
    with pytest.raises(KeyError, match="'x'"):
        optimizer["x"]
    with pytest.raises(ValueError, match="non-empty dict"):
        PlayerOptimizer({})
    same = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="its own optimizer"):
        PlayerOptimizer({"a": same, "b": same})
    with pytest.raises(ValueError, match="not an optimizer"):
        PlayerOptimizer({"a": "no-such-optimizer"})
    with pytest.raises(NotImplementedError, match="Each player"):
        optimizer.apply([])
    with pytest.raises(AttributeError, match="one learning rate per player"):
        optimizer.learning_rate = 0.1


def test_compile_refuses_a_loss_and_a_single_optimizer_for_several_players():
    model = tiny_models.build("deep_info_max")
    with pytest.raises(ValueError, match="`loss` is not taken"):
        model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="Players and optimizers differ"):
        model.compile(optimizer=PlayerOptimizer({"encoder": "adam"}))
    with pytest.raises(ValueError, match="one optimizer each"):
        keras_ae.training.PlayerTraining.compile(model, optimizer="adam")
    auto_encoder = tiny_models.build("autoencoder")
    auto_encoder.compile(optimizer="adam")
    assert not isinstance(auto_encoder.optimizer, PlayerOptimizer)
