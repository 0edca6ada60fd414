import keras
import numpy as np
from keras import ops

from keras_ae._checks import check_bool
from keras_ae._checks import check_int
from keras_ae._checks import check_number


@keras.saving.register_keras_serializable(package="keras_ae")
class WeightedBagOfWords(keras.layers.Layer):
    """A sentence vector: the weighted sum of its tokens' embeddings.

    `v = sum_t w[id_t] * E[id_t]` over the tokens that are not padding (id
    0), with an embedding table `E` and a trainable weight `w` per token.
    Started with `token_weights` set to the inverse document frequencies
    (`keras_ae.text.inverse_document_frequency`) and Gaussian embeddings,
    the cosine of two such vectors approximates the cosine of the sentences'
    TF-IDF vectors (a random projection of them, closer the larger
    `output_dim`), so an untrained encoder already holds the lexical signal
    of TF-IDF, and training moves from there.

    Two kinds of table:

    - `trainable_embeddings=True` (default): `E` is a trainable weight.
    - `trainable_embeddings=False`: `E = P + A B`, where `P` is a fixed
      standard-normal matrix drawn from `seed` (with numpy, so the same on
      every backend and machine; it is rebuilt from the seed, never saved),
      and `A` `(vocabulary_size, adapter_rank)`, started at zero, and `B`
      `(adapter_rank, output_dim)` are trainable: a wide random projection
      whose saved weights are only the token weights and the low-rank
      adapter, so a few MB hold a model of any `output_dim`.

    With `token_dropout`, each token is dropped (weight 0) with that
    probability during training; inference uses every token.

    Args:
        vocabulary_size: int >= 2, the number of token ids (id 0 is padding).
        output_dim: int >= 1, the size of the embeddings and of the output.
        token_weights: None (every weight 1), or `vocabulary_size` initial
            weights, e.g. inverse document frequencies (the weight of id 0
            is never used).
        trainable_embeddings: bool, see above.
        seed: int, the seed of the fixed projection `P`
            (`trainable_embeddings=False` only).
        adapter_rank: int >= 0, the rank of the trainable correction `A B`
            (`trainable_embeddings=False` only; 0 for none).
        embeddings_initializer: initializer of the trainable `E`. Defaults
            to a standard normal: with unit-variance entries, sums of
            distinct tokens are nearly orthogonal in a few hundred
            dimensions.
        adapter_initializer: initializer of `B`. Defaults to a normal of
            standard deviation 0.1, so that `A` moves `E` slowly.
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
                 trainable_embeddings=True, seed=0, adapter_rank=0,
                 embeddings_initializer=None, adapter_initializer=None, token_dropout=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        vocabulary_size = check_int("vocabulary_size", vocabulary_size, 2)
        output_dim = check_int("output_dim", output_dim, 1)
        adapter_rank = check_int("adapter_rank", adapter_rank, 0)
        seed = check_int("seed", seed, 0)
        if token_weights is not None:
            token_weights = np.asarray(token_weights, "float32")
            if token_weights.shape != (vocabulary_size,):
                raise ValueError(
                    f"`token_weights` must hold one weight per token id, shape "
                    f"({vocabulary_size},). Received shape {token_weights.shape}")
            if not np.all(np.isfinite(token_weights)):
                raise ValueError("`token_weights` must be finite. Received non-finite values.")
        token_dropout = check_number("token_dropout", token_dropout, 0, 1, high_open=True)
        trainable_embeddings = check_bool("trainable_embeddings", trainable_embeddings)
        if trainable_embeddings and adapter_rank:
            raise ValueError(
                "`adapter_rank` corrects a fixed projection: it needs trainable_embeddings="
                f"False. Received: adapter_rank={adapter_rank}, trainable_embeddings=True")
        self.vocabulary_size = vocabulary_size
        self.trainable_embeddings = trainable_embeddings
        self.seed = seed
        self.adapter_rank = adapter_rank
        self.adapter_initializer = keras.initializers.get(
            adapter_initializer or keras.initializers.RandomNormal(stddev=0.1))
        self.output_dim = output_dim
        self.token_weights = token_weights
        self.embeddings_initializer = keras.initializers.get(
            embeddings_initializer or keras.initializers.RandomNormal(stddev=1.0))
        self.token_dropout = token_dropout
        self.seed_generator = keras.random.SeedGenerator(1337)
        shape = (self.vocabulary_size, self.output_dim)
        if self.trainable_embeddings:
            self.embeddings = self.add_weight(
                shape=shape, initializer=self.embeddings_initializer, name="embeddings")
        else:
            table = np.random.default_rng(self.seed).standard_normal(shape, dtype="float32")
            self.embeddings = self.add_weight(
                shape=shape, initializer=keras.initializers.Constant(table),
                trainable=False, name="projection")
        weights = (keras.initializers.Constant(token_weights) if token_weights is not None
                   else "ones")
        self.weights_per_token = self.add_weight(
            shape=(self.vocabulary_size,), initializer=weights, name="token_weights")
        self.adapter = None
        if self.adapter_rank:
            self.adapter = (
                self.add_weight(shape=(self.vocabulary_size, self.adapter_rank),
                                initializer="zeros", name="adapter_a"),
                self.add_weight(shape=(self.adapter_rank, self.output_dim),
                                initializer=self.adapter_initializer, name="adapter_b"))
        self.built = True

    def _saved_variables(self):
        # The fixed projection is rebuilt from the seed: it is not saved.
        return [v for v in self.variables if self.trainable_embeddings or v is not
                self.embeddings]

    def save_own_variables(self, store):
        for i, variable in enumerate(self._saved_variables()):
            store[f"{i}"] = variable

    def load_own_variables(self, store):
        variables = self._saved_variables()
        if len(store.keys()) != len(variables):
            raise ValueError(
                f"Layer '{self.name}' expects {len(variables)} saved variables "
                f"({[v.name for v in variables]}), but the file holds {len(store.keys())}.")
        for i, variable in enumerate(variables):
            variable.assign(store[f"{i}"])

    def call(self, inputs, training=False):
        ids = ops.cast(inputs, "int32")
        weights = ops.take(self.weights_per_token, ids, axis=0)
        keep = ops.cast(ops.not_equal(ids, 0), weights.dtype)
        if training and self.token_dropout > 0:
            drawn = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
            keep = keep * ops.cast(ops.greater_equal(drawn, self.token_dropout), weights.dtype)
        weights = weights * keep
        # Batched matrix products rather than a product and a sum: the
        # adapter is applied to the (batch, rank) sums, not to every token.
        out = ops.einsum("bl,bld->bd", weights, ops.take(self.embeddings, ids, axis=0))
        if self.adapter is not None:
            a, b = self.adapter
            out = out + ops.matmul(ops.einsum("bl,blr->br", weights, ops.take(a, ids, axis=0)), b)
        return out

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
            "trainable_embeddings": self.trainable_embeddings,
            "seed": self.seed,
            "adapter_rank": self.adapter_rank,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            "adapter_initializer": keras.initializers.serialize(self.adapter_initializer),
            "token_dropout": self.token_dropout,
        }
