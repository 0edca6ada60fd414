import keras
from keras import ops

from keras_ae.models.inference import batched
from keras_ae.presets import PresetMixin
from keras_ae.training import Player
from keras_ae.training import PlayerTraining
from keras_ae.training import regularization

_RECONSTRUCTION_LOSSES = ("mse", "binary_crossentropy")


@keras.saving.register_keras_serializable(package="keras_ae")
class AutoEncoder(PlayerTraining, PresetMixin, keras.Model):
    """The plain auto-encoder: encoder, decoder, reconstruction loss.

    The baseline the lecture starts from, and the base of keras-ae's other
    auto-encoders: `fit(x)` minimises the reconstruction error of `x` (or of
    `y`, when given) plus any loss the layers add (`add_loss`). The logs hold
    `loss` and `reconstruction_loss` (subclasses add their own parts). It
    trains on TensorFlow, JAX and PyTorch (`keras_ae.training`).

    Args:
        encoder: a Keras model or layer mapping inputs to the latent code.
        decoder: a Keras model or layer mapping the code back to inputs.
        reconstruction_loss: `"mse"` (default) or `"binary_crossentropy"`
            (for targets in [0, 1] and a sigmoid output).
        **kwargs: `keras.Model` keyword arguments such as `name`.

    Call arguments:
        inputs: a batch of inputs for the encoder.
        training: bool, passed to the encoder, bottleneck and decoder.

    Returns:
        The reconstructions, the decoder's output.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> encoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    >>> decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8)])
    >>> model = keras_ae.models.AutoEncoder(encoder, decoder)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).normal(size=(32, 8)).astype("float32")
    >>> history = model.fit(x, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['loss', 'reconstruction_loss']

    Reference:
        Hinton & Salakhutdinov 2006, "Reducing the dimensionality of data
        with neural networks", Science 313.
    """

    def __init__(self, encoder, decoder, reconstruction_loss="mse", **kwargs):
        super().__init__(**kwargs)
        for name, value in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(value, keras.layers.Layer):
                raise ValueError(
                    f"`{name}` must be a Keras model or layer. Received: {name}={value!r}"
                )
        if reconstruction_loss not in _RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"`reconstruction_loss` must be one of {_RECONSTRUCTION_LOSSES}. "
                f"Received: reconstruction_loss={reconstruction_loss!r}"
            )
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_loss = reconstruction_loss
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        # Subclasses whose bottleneck has a loss of its own log it under its name.
        self.auxiliary_tracker = None

    def bottleneck(self, latent, training=False):
        """What happens between encoder and decoder: `(code, loss)`.

        The code goes to the decoder; the loss (a float32 scalar, or None)
        is the bottleneck's own part of the training loss. Here: the latent
        itself, and no loss.
        """
        return latent, None

    def call(self, inputs, training=False):
        latent = self.encoder(inputs, training=training)
        code, _ = self.bottleneck(latent, training=training)
        return self.decoder(code, training=training)

    @batched
    def encode(self, inputs):
        """The encoder's output for `inputs`, in inference mode."""
        return self.encoder(inputs, training=False)

    @batched
    def decode(self, latent):
        """The decoder's output for a latent code, in inference mode."""
        return self.decoder(latent, training=False)

    def players(self):
        return [Player("auto_encoder", [self], self.training_loss)]

    def training_loss(self, x, y, sample_weight=None, training=True, shared=None):
        """Reconstruction error + the bottleneck's loss + weight regularization.

        The reconstruction error is of `x`, or of `y` when given; the logs
        get `loss`, `reconstruction_loss` and the bottleneck's own part.
        """
        latent = self.encoder(x, training=training)
        code, auxiliary = self.bottleneck(latent, training=training)
        prediction = self.decoder(code, training=training)
        reconstruction = self.reconstruction_error(x if y is None else y, prediction,
                                                   sample_weight)
        loss = reconstruction + regularization(self.encoder, self.decoder)
        if auxiliary is not None:
            loss = loss + auxiliary
            self.auxiliary_tracker.update_state(auxiliary)
        self.reconstruction_tracker.update_state(reconstruction)
        self.loss_tracker.update_state(loss)
        return loss

    def reconstruction_error(self, target, reconstruction, sample_weight=None):
        """The mean reconstruction error of a batch, a float32 scalar.

        Args:
            target: the inputs (or `y`), `(batch, ...)`.
            reconstruction: the decoder's output, of the same shape.
            sample_weight: optional `(batch,)` weights of the examples.
        """
        target = ops.cast(target, "float32")
        prediction = ops.cast(reconstruction, "float32")
        if tuple(target.shape[1:]) != tuple(prediction.shape[1:]):
            raise ValueError(
                "The reconstruction and its target differ in shape: "
                f"reconstruction.shape={tuple(prediction.shape)}, "
                f"target.shape={tuple(target.shape)}. The decoder must output "
                "the shape of the inputs (or of `y`)."
            )
        if self.reconstruction_loss == "mse":
            per_example = ops.square(prediction - target)
        else:
            per_example = keras.losses.binary_crossentropy(target[..., None], prediction[..., None])
        per_example = ops.mean(ops.reshape(per_example, (ops.shape(target)[0], -1)), axis=1)
        if sample_weight is None:
            return ops.mean(per_example)
        weight = ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
        return ops.sum(per_example * weight) / ops.maximum(ops.sum(weight), 1e-12)

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "reconstruction_loss": self.reconstruction_loss,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "decoder", "quantizer", "bottleneck"):
            if key in config and isinstance(config[key], dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
