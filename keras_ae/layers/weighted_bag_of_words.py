import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_ae")
class WeightedBagOfWords(keras.layers.Layer):
    """A sentence vector: the weighted sum of its tokens' embeddings.

    `v = sum_t w[id_t] * E[id_t]` over the tokens that are not padding (id
    0), with a trainable embedding table `E` and a trainable weight `w` per
    token. Started with `token_weights` set to the inverse document
    frequencies (`keras_ae.text.inverse_document_frequency`) and Gaussian
    embeddings, the cosine of two such vectors approximates the cosine of
    the sentences' TF-IDF vectors (a random projection of them), so an
    untrained encoder already holds the lexical signal of TF-IDF, and
    training moves from there.

    With `token_dropout`, each token is dropped (weight 0) with that
    probability during training; a sentence keeps at least its tokens that
    were not dropped, and inference uses every token.

    Args:
        vocabulary_size: int >= 2, the number of token ids (id 0 is padding).
        output_dim: int >= 1, the size of the embeddings and of the output.
        token_weights: None (every weight 1), or `vocabulary_size` initial
            weights, e.g. inverse document frequencies (the weight of id 0
            is never used).
        embeddings_initializer: initializer of `E`. Defaults to a standard
            normal: with unit-variance entries, sums of distinct tokens are
            nearly orthogonal in a few hundred dimensions.
        token_dropout: float in [0, 1), the probability of dropping a token
            in training.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: int token ids, `(batch, length)`, 0 for padding.
        training: bool, whether to drop tokens.

    Returns:
        `(batch, output_dim)`; all zeros for a sentence of padding only.

    Example:

    >>> import numpy as np, keras_ae
    >>> layer = keras_ae.layers.WeightedBagOfWords(
    ...     5, 3, token_weights=[0.0, 1.0, 2.0, 1.0, 1.0], embeddings_initializer="identity")
    >>> np.asarray(layer(np.array([[1, 2, 0, 0]]))).tolist()
    [[0.0, 1.0, 2.0]]
    """

    def __init__(self, vocabulary_size, output_dim, token_weights=None,
                 embeddings_initializer=None, token_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value, low in (("vocabulary_size", vocabulary_size, 2),
                                 ("output_dim", output_dim, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"`{name}` must be an int >= {low}. Received: {name}={value!r}")
        if token_weights is not None:
            token_weights = np.asarray(token_weights, "float32")
            if token_weights.shape != (vocabulary_size,):
                raise ValueError(
                    f"`token_weights` must hold one weight per token id, shape "
                    f"({vocabulary_size},). Received shape {token_weights.shape}")
            if not np.all(np.isfinite(token_weights)):
                raise ValueError("`token_weights` must be finite. Received non-finite values.")
        if isinstance(token_dropout, bool) or not isinstance(token_dropout, (int, float)) or \
                not 0 <= token_dropout < 1:
            raise ValueError(
                f"`token_dropout` must be in [0, 1). Received: token_dropout={token_dropout!r}")
        self.vocabulary_size = int(vocabulary_size)
        self.output_dim = int(output_dim)
        self.token_weights = token_weights
        self.embeddings_initializer = keras.initializers.get(
            embeddings_initializer or keras.initializers.RandomNormal(stddev=1.0))
        self.token_dropout = float(token_dropout)
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.output_dim),
            initializer=self.embeddings_initializer, name="embeddings")
        weights = (keras.initializers.Constant(token_weights) if token_weights is not None
                   else "ones")
        self.weights_per_token = self.add_weight(
            shape=(self.vocabulary_size,), initializer=weights, name="token_weights")
        self.built = True

    def call(self, inputs, training=False):
        ids = ops.cast(inputs, "int32")
        weights = ops.take(self.weights_per_token, ids, axis=0)
        keep = ops.cast(ops.not_equal(ids, 0), weights.dtype)
        if training and self.token_dropout > 0:
            drawn = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
            keep = keep * ops.cast(ops.greater_equal(drawn, self.token_dropout), weights.dtype)
        vectors = ops.take(self.embeddings, ids, axis=0)
        return ops.sum(vectors * ops.expand_dims(weights * keep, -1), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "output_dim": self.output_dim,
            # The initial weights, so that a copy from the config (e.g.
            # QuickThought's default g) starts as this layer did.
            "token_weights": (None if self.token_weights is None
                              else [float(w) for w in self.token_weights]),
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            "token_dropout": self.token_dropout,
        }
