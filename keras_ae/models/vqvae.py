import keras

from keras_ae.layers import VectorQuantizer
from keras_ae.models.auto_encoder import AutoEncoder
from keras_ae.models.inference import batched
from keras_ae.training import regularization


@keras.saving.register_keras_serializable(package="keras_ae")
class VQVAE(AutoEncoder):
    """VQ-VAE: encoder, a learned codebook, decoder.

    The encoder's output (e.g. a `(7, 7, D)` grid for a 28×28 image) is
    replaced vector by vector by its nearest code of a
    `keras_ae.layers.VectorQuantizer`, and the decoder reconstructs the input
    from the codes; gradients pass the quantizer straight through. `fit(x)`
    minimises the reconstruction error plus the quantizer's commitment (and,
    for a gradient-learned codebook, codebook) loss. The logs hold `loss`,
    `reconstruction_loss`, `vq_loss`, and the quantizer's `<name>_perplexity`
    and `<name>_usage` (fraction of codes used per batch), on every backend.

    Args:
        encoder: a Keras model or layer whose output's last axis is the code
            size.
        decoder: a Keras model or layer taking the quantized grid.
        quantizer: a `keras_ae.layers.VectorQuantizer` (with
            `return_dict=False`), or None for
            `VectorQuantizer(512, name="quantizer")` (its defaults: an EMA
            codebook started by k-means, dead codes restarted).
        reconstruction_loss: `"mse"` (default) or `"binary_crossentropy"`.
        **kwargs: `keras.Model` keyword arguments such as `name`.

    Call arguments:
        inputs: a batch of inputs for the encoder.
        training: bool; in training the quantizer updates its codebook state.

    Returns:
        The reconstructions.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> encoder = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 4, strides=4)])
    >>> decoder = keras.Sequential([keras.Input((7, 7, 8)),
    ...                             keras.layers.Conv2DTranspose(1, 4, strides=4)])
    >>> model = keras_ae.models.VQVAE(encoder, decoder,
    ...     keras_ae.layers.VectorQuantizer(32, codebook_update="ema", name="vq"))
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype("float32")
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> tuple(model.encode(x[:2]).shape), tuple(model.decode(model.encode(x[:2])).shape)
    ((2, 7, 7), (2, 28, 28, 1))

    Reference:
        van den Oord, Vinyals & Kavukcuoglu 2017, "Neural discrete
        representation learning", arXiv 1711.00937.
    """

    def __init__(self, encoder, decoder, quantizer=None, reconstruction_loss="mse", **kwargs):
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        if quantizer is None:
            quantizer = VectorQuantizer(512, name="quantizer")
        if not isinstance(quantizer, VectorQuantizer):
            raise ValueError(
                "`quantizer` must be a keras_ae.layers.VectorQuantizer or None. "
                f"Received: quantizer={quantizer!r}"
            )
        if quantizer.return_dict:
            raise ValueError(
                "VQVAE needs a quantizer that returns a tensor. Received: a "
                "VectorQuantizer with return_dict=True"
            )
        self.quantizer = quantizer
        self.auxiliary_tracker = keras.metrics.Mean(name="vq_loss")

    def bottleneck(self, latent, training=False):
        outputs = self.quantizer.quantize_with_loss(latent, training=training)
        return outputs["quantized"], outputs["loss"] + regularization(self.quantizer)

    @batched
    def encode(self, inputs):
        """The int32 code indices of `inputs`, e.g. `(batch, 7, 7)`."""
        return self.quantizer.encode(self.encoder(inputs, training=False))

    @batched
    def decode(self, indices):
        """Reconstructions from code indices (the output of `encode`)."""
        return self.decoder(self.quantizer.decode(indices), training=False)

    def get_config(self):
        return {
            **super().get_config(),
            "quantizer": keras.saving.serialize_keras_object(self.quantizer),
        }
