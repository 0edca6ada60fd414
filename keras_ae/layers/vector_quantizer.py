import keras
from keras import ops

from keras_ae._checks import check_bool
from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.backend import checked
from keras_ae.backend import cross_replica_concat
from keras_ae.backend import cross_replica_sum
from keras_ae.backend import is_symbolic
from keras_ae.backend import segment_sum
from keras_ae.backend import update_metric
from keras_ae.ops import straight_through

_CODEBOOK_UPDATES = ("gradient", "ema")
_NON_FINITE = ("VectorQuantizer input contains NaN or Inf values (or values whose squares "
               "overflow float32). Refusing to use them: they would corrupt the layer's "
               "state. Check the data and the learning rate.")
_DISTANCES = ("euclidean", "cosine")


@keras.saving.register_keras_serializable(package="keras_ae")
class VectorQuantizer(keras.layers.Layer):
    """Replaces each vector by its nearest entry in a learned codebook.

    Quantizes along the last axis of an input of any rank >= 2, e.g. the
    `(batch, height, width, embedding_dim)` output of a convolutional encoder.
    Forward, each vector becomes the nearest of `num_embeddings` codes;
    backward, the gradient passes straight through to the input. The layer
    adds the commitment loss `β·|x − sg(q)|²` and, when the codebook is
    learned by gradient, the codebook loss `|sg(x) − q|²` with `add_loss`.

    By default the layer uses the settings that keep the whole codebook in
    use (on a small auto-encoder of Fashion-MNIST with 256 codes, after 600
    steps they used 97% of the codes on test images, the paper's settings
    8%): the codebook follows exponential moving averages of the vectors
    assigned to each code (the paper's appendix; steadier than gradient
    steps, and independent of the optimizer), starts from k-means of the
    first training batch (Zeghidour et al. 2021, arXiv 2107.03312: codes
    start where the encoder's outputs are), and restarts dead codes, whose
    moving-average usage falls below `dead_code_threshold`, from random
    current inputs (Dhariwal et al. 2020, arXiv 2005.00341). The k-means
    initialisation is a one-off, recorded in the saved state. Codes can be
    compared by cosine distance on l2-normalised vectors (Yu et al. 2022,
    arXiv 2110.04627). The VQ-VAE paper's own settings are
    `codebook_update="gradient", kmeans_init=False, dead_code_threshold=0.0,
    commitment_cost=0.25`.

    State that changes in training (EMA statistics, usage, the k-means flag)
    lives in non-trainable variables updated in `call` only when
    `training=True`, so it is saved, restored and compiled with the model.
    Under a `tf.distribute` strategy every replica takes the first replica's
    update of that state (aggregation "only_first_replica"), so the copies
    never diverge; with `keras.distribution.DataParallel` (JAX) the update
    sees the whole global batch.
    Distances use `|x|² − 2x·e + |e|²` in float32 and never build an
    `(N, K, D)` tensor. A non-finite input in training raises an error
    instead of corrupting the codebook.

    Diagnostics: the batch perplexity `exp(H(p))` of code use (at most
    `num_embeddings`; close to 1 means codebook collapse, the usual failure)
    and the fraction of codes used in the batch are reported as the metrics
    `<name>_perplexity` and `<name>_usage` in the `fit` logs of a model
    holding the layer: on every backend in keras-ae's models (their
    training step keeps the metric updates made in `call`); in a plain
    Keras model on TensorFlow and PyTorch (Keras' own JAX step drops metric
    updates made inside a layer, so there they stay at 0). The last
    training batch's values are also kept in the non-trainable variables
    `batch_perplexity` and `batch_usage`.

    Args:
        num_embeddings: int, K, the number of codes.
        embedding_dim: int or None, D, the size of each code. Taken from the
            input's last axis at build when None.
        commitment_cost: float >= 0, β in the VQ-VAE paper. Defaults to 0.25,
            the paper's value.
        codebook_update: `"ema"` (moving averages of the assigned vectors) or
            `"gradient"` (the codebook loss `|sg(x) − q|²` and the optimizer,
            the paper's main method). Defaults to `"ema"`.
        decay: float in [0, 1), γ of the moving averages (of the EMA codebook
            and of code usage). Defaults to 0.99.
        epsilon: float > 0, ε of the Laplace smoothing of EMA cluster sizes.
            Defaults to 1e-5.
        dead_code_threshold: float >= 0. A code whose moving-average count of
            assigned vectors per batch falls below this is restarted from a
            random input vector of the current batch. 0 disables restarts.
            Defaults to 1.0: a code used less than once a batch is wasted.
            Keep it well below the vectors per code in a batch (batch
            vectors / `num_embeddings`), or most codes restart every step.
        kmeans_init: bool, initialise the codebook by k-means on the first
            training batch. Defaults to True.
        kmeans_iters: int >= 1, Lloyd iterations of that k-means.
        distance: `"euclidean"` or `"cosine"`. Defaults to `"euclidean"`.
        embeddings_initializer: initializer of the codebook. Defaults to
            uniform variance scaling, as in Sonnet's VQ-VAE.
        return_dict: bool, return a dict of diagnostics instead of a tensor.
        seed: int or None, seed of dead-code restarts and k-means.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: floating tensor `(batch, ..., embedding_dim)`.
        training: bool, update the codebook state (EMA, usage, restarts,
            k-means initialisation).
        mask: optional bool tensor of the inputs' shape without the last
            axis, e.g. the padding mask of variable-length sequences (a
            Keras mask is passed on and taken): masked-out vectors are
            quantized but left out of the losses, the codebook's statistics
            and the diagnostics.

    Returns:
        The quantized tensor, of the inputs' shape in the compute dtype. With
        `return_dict=True`, a dict with `quantized` (that tensor), `indices`
        (int32, the inputs' shape without the last axis), `perplexity` and
        `usage` (float32 scalars).

    Example:

    >>> import numpy as np, keras_ae
    >>> vq = keras_ae.layers.VectorQuantizer(num_embeddings=16, seed=0)
    >>> z = np.random.default_rng(0).normal(size=(2, 7, 7, 8)).astype("float32")
    >>> tuple(vq(z).shape), tuple(vq.encode(z).shape)
    ((2, 7, 7, 8), (2, 7, 7))

    Reference:
        van den Oord, Vinyals & Kavukcuoglu 2017, "Neural discrete
        representation learning", arXiv 1711.00937.
    """

    def __init__(
        self,
        num_embeddings,
        embedding_dim=None,
        commitment_cost=0.25,
        codebook_update="ema",
        decay=0.99,
        epsilon=1e-5,
        dead_code_threshold=1.0,
        kmeans_init=True,
        kmeans_iters=10,
        distance="euclidean",
        embeddings_initializer=None,
        return_dict=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_embeddings = check_int("num_embeddings", num_embeddings, 1)
        self.embedding_dim = check_int("embedding_dim", embedding_dim, 1, allow_none=True)
        self.commitment_cost = check_number("commitment_cost", commitment_cost, low=0)
        if codebook_update not in _CODEBOOK_UPDATES:
            raise ValueError(
                f"`codebook_update` must be one of {_CODEBOOK_UPDATES}. "
                f"Received: codebook_update={codebook_update!r}"
            )
        self.decay = check_number("decay", decay, 0, 1, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, low=0, low_open=True)
        self.dead_code_threshold = check_number("dead_code_threshold", dead_code_threshold, low=0)
        self.kmeans_init = check_bool("kmeans_init", kmeans_init)
        self.kmeans_iters = check_int("kmeans_iters", kmeans_iters, 1)
        if distance not in _DISTANCES:
            raise ValueError(
                f"`distance` must be one of {_DISTANCES}. Received: distance={distance!r}"
            )
        self.return_dict = check_bool("return_dict", return_dict)
        self.codebook_update = codebook_update
        self.distance = distance
        self.embeddings_initializer = keras.initializers.get(
            embeddings_initializer
            or keras.initializers.VarianceScaling(distribution="uniform", seed=seed)
        )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        # A Keras mask (the padding of sequences) passes through, and is
        # taken as `mask`.
        self.supports_masking = True
        self.perplexity_tracker = keras.metrics.Mean(name=f"{self.name}_perplexity")
        self.usage_tracker = keras.metrics.Mean(name=f"{self.name}_usage")

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                "VectorQuantizer expects inputs of rank >= 2 (batch, ..., "
                f"embedding_dim). Received: input_shape={tuple(input_shape)}"
            )
        dim = input_shape[-1]
        if self.embedding_dim is None:
            if dim is None:
                raise ValueError(
                    "VectorQuantizer needs the last axis of its input to be "
                    "known, or `embedding_dim`. Received: "
                    f"input_shape={tuple(input_shape)}"
                )
            self.embedding_dim = int(dim)
        elif dim is not None and dim != self.embedding_dim:
            raise ValueError(
                f"The input's last axis ({dim}) must equal embedding_dim="
                f"{self.embedding_dim}. Received: input_shape={tuple(input_shape)}"
            )
        shape = (self.num_embeddings, self.embedding_dim)
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=shape,
            initializer=self.embeddings_initializer,
            trainable=self.codebook_update == "gradient",
            dtype="float32",
            autocast=False,
            aggregation="none" if self.codebook_update == "gradient" else "only_first_replica",
        )
        # Moving-average number of vectors assigned to each code per batch:
        # the EMA codebook's cluster sizes, and the usage that finds dead codes.
        # It starts at 1 so no code counts as dead before it had a chance.
        self.cluster_size = self._add_state("cluster_size", (self.num_embeddings,), "ones")
        if self.codebook_update == "ema":
            # Moving-average sum of the vectors assigned to each code; starts
            # at embeddings * cluster_size, so codes keep their initial value
            # until vectors are assigned to them.
            self.embedding_sum = self._add_state("embedding_sum", shape, "zeros")
            # (A product, not the same array: JAX must not see one buffer in
            # two variables.)
            self.embedding_sum.assign(self.embeddings * self.cluster_size[:, None])
        elif self.kmeans_init or self.dead_code_threshold > 0:
            # With a gradient-learned codebook, k-means and restarts move codes
            # through this non-trainable offset: assigning the trainable
            # variable inside the forward pass would be lost on stateless
            # backends (JAX), which only carry non-trainable state out of it.
            self.embeddings_offset = self._add_state("embeddings_offset", shape, "zeros")
        if self.kmeans_init:
            self.initialized = self._add_state("initialized", (), "zeros")
        # Diagnostics of the last training batch, kept as state (callbacks
        # can read them without the metrics' running means).
        self.batch_perplexity = self._add_state("batch_perplexity", (), "zeros")
        self.batch_usage = self._add_state("batch_usage", (), "zeros")
        self.built = True

    def _add_state(self, name, shape, initializer):
        # Training state: float32 even under mixed precision, and under
        # tf.distribute every replica takes the first replica's update.
        return self.add_weight(
            name=name,
            shape=shape,
            initializer=initializer,
            trainable=False,
            dtype="float32",
            autocast=False,
            aggregation="only_first_replica",
        )

    @property
    def codebook(self):
        """The codes as a float32 `(num_embeddings, embedding_dim)` tensor."""
        codebook = ops.convert_to_tensor(self.embeddings)
        if hasattr(self, "embeddings_offset"):
            codebook = codebook + self.embeddings_offset
        if self.distance == "cosine":
            codebook = _l2_normalize(codebook)
        return codebook

    def _flat_inputs(self, inputs):
        """The inputs as float32 vectors `(N, embedding_dim)`, l2-normalised
        for the cosine distance."""
        flat = ops.reshape(ops.cast(inputs, "float32"), (-1, self.embedding_dim))
        return _l2_normalize(flat) if self.distance == "cosine" else flat

    def _random_rows(self, flat):
        """`num_embeddings` rows of `flat` drawn at random, with replacement.

        `flat` may be `(rows, weights)`: only rows of positive weight are
        drawn (all rows when every weight is 0)."""
        if isinstance(flat, tuple):
            flat, weights = flat
            weights = ops.where(ops.sum(weights) > 0, ops.cast(weights > 0, "float32"), 1.0)
            total = ops.cumsum(weights)
            draws = keras.random.uniform((self.num_embeddings,), seed=self.seed_generator)
            picks = ops.cast(ops.searchsorted(total, draws * total[-1], side="right"), "int32")
            picks = ops.minimum(picks, ops.cast(ops.shape(flat)[0], "int32") - 1)
        else:
            picks = keras.random.randint(
                (self.num_embeddings,), 0, ops.shape(flat)[0], seed=self.seed_generator
            )
        return ops.take(flat, picks, axis=0)

    def call(self, inputs, training=False, mask=None):
        outputs = self.quantize_with_loss(inputs, training=training, mask=mask)
        self.add_loss(outputs.pop("loss"))
        return outputs if self.return_dict else outputs["quantized"]

    def quantize_with_loss(self, inputs, training=False, mask=None):
        """Quantizes `inputs` and returns the loss instead of adding it.

        What `call` does, for a model that adds the loss itself (as
        `keras_ae.models.VQVAE` does: a layer's `add_loss` list is shared by
        the replicas of a `tf.distribute` strategy, a returned tensor is not).

        Args:
            inputs: floating tensor `(batch, ..., embedding_dim)`.
            training: bool, update the codebook state.
            mask: optional, of the inputs' shape without the last axis: the
                vectors to count (true or 1). Masked-out vectors (e.g. the
                padding of variable-length sequences) are still quantized,
                but are left out of the losses, the counts, the EMA
                statistics, the diagnostics, k-means and restarts.

        Returns:
            A dict: `quantized` (the straight-through output), `indices`,
            `loss` (commitment, plus codebook for a gradient-learned
            codebook), `perplexity` and `usage`.
        """
        if not self.built:
            self.build(tuple(inputs.shape))
        flat = self._flat_inputs(inputs)
        weights = None
        if mask is not None:
            weights = ops.reshape(ops.cast(mask, "float32"), (-1,))
        square_norms = ops.sum(ops.square(ops.stop_gradient(flat)), axis=1, keepdims=True)
        if training:
            # A NaN or Inf in a vector makes its squared norm NaN or Inf, so the
            # N norms the distances need anyway are checked instead of all N·D
            # values; everything computed from `flat` waits for the check.
            flat = checked(flat, ops.isfinite(square_norms), _NON_FINITE)
        x = ops.reshape(flat, ops.shape(inputs))
        # The codes and the new state need no gradient: taken from a stopped
        # copy, autodiff neither records them (PyTorch) nor carries k-means'
        # intermediates through the cond of every step (JAX, TensorFlow).
        flat = ops.stop_gradient(flat)
        # Restarts and k-means draw from the global batch, and the EMA and the
        # diagnostics use its counts, so every replica of a tf.distribute
        # strategy (on any worker) computes the same new state.
        candidates = None
        if training and (self.kmeans_init or self.dead_code_threshold > 0):
            candidates = cross_replica_concat(flat)[0]
            if weights is not None:
                candidates = (candidates, cross_replica_concat(weights)[0])
        if training and self.kmeans_init:
            self._kmeans_initialize(candidates)
        codebook = self.codebook
        indices = ops.argmin(_distances(flat, ops.stop_gradient(codebook), square_norms), axis=1)
        # Counts and sums per code by segment sums, O(N·D): a one-hot
        # (N, K) matrix would cost as much as the distances themselves.
        counts = cross_replica_sum(_code_counts(indices, weights, self.num_embeddings))
        quantized = ops.reshape(ops.take(codebook, indices, axis=0), ops.shape(x))

        def mean_square(difference):
            if weights is None:
                return ops.mean(ops.square(difference))
            per_vector = ops.sum(ops.square(ops.reshape(difference, (-1, self.embedding_dim))),
                                 axis=1)
            return ops.sum(per_vector * weights) / ops.maximum(
                ops.sum(weights) * self.embedding_dim, 1.0)

        commitment = mean_square(x - ops.stop_gradient(quantized))
        loss = self.commitment_cost * commitment
        if self.codebook_update == "gradient":
            loss = loss + mean_square(ops.stop_gradient(x) - quantized)

        probs = counts / ops.maximum(ops.sum(counts), 1.0)
        perplexity = ops.exp(-ops.sum(probs * ops.log(probs + 1e-10)))
        usage = ops.mean(ops.cast(counts > 0, "float32"))
        if training:
            self._update_state(flat, indices, weights, counts, candidates)
            self.batch_perplexity.assign(perplexity)
            self.batch_usage.assign(usage)
        update_metric(self.perplexity_tracker, perplexity)
        update_metric(self.usage_tracker, usage)

        return {
            # In training `x` was checked finite above: no guard against inf - inf.
            "quantized": ops.cast(straight_through(quantized, x, assume_finite=training),
                                  self.compute_dtype),
            "indices": ops.reshape(ops.cast(indices, "int32"), ops.shape(x)[:-1]),
            "loss": loss,
            "perplexity": perplexity,
            "usage": usage,
        }

    def encode(self, inputs):
        """Returns the int32 index of the nearest code for every vector.

        Args:
            inputs: floating tensor `(batch, ..., embedding_dim)`.

        Returns:
            int32 tensor of the inputs' shape without the last axis.
        """
        if not self.built:
            self.build(tuple(inputs.shape))
        indices = _nearest(self._flat_inputs(inputs), self.codebook)
        return ops.reshape(ops.cast(indices, "int32"), ops.shape(inputs)[:-1])

    def distances(self, inputs):
        """Returns the squared distance from every vector to every code.

        Differentiable in `inputs` (and in a gradient-learned codebook): a
        softmax of `-distances / temperature` is a soft assignment, e.g. for
        a loss on how often each code is used.

        Args:
            inputs: floating tensor `(batch, ..., embedding_dim)`.

        Returns:
            float32 tensor `(batch, ..., num_embeddings)` (for the cosine
            distance, between the l2-normalised vectors and codes).
        """
        if not self.built:
            self.build(tuple(inputs.shape))
        # A copy: a codebook update later in the same step (EMA, restarts) must not change
        # the tensor these distances' gradient needs (PyTorch's autograd refuses that).
        distances = _distances(self._flat_inputs(inputs), ops.copy(self.codebook))
        return ops.reshape(distances, (*ops.shape(inputs)[:-1], self.num_embeddings))

    def decode(self, indices):
        """Returns the codes of `indices`, in the compute dtype.

        Args:
            indices: integer tensor of any shape, values in
                `[0, num_embeddings)`.

        Returns:
            Tensor of shape `indices.shape + (embedding_dim,)`.
        """
        if not self.built:
            raise ValueError(
                "VectorQuantizer.decode() needs a built layer; call it on data "
                "or build() first."
            )
        indices = ops.convert_to_tensor(indices)
        if "int" not in keras.backend.standardize_dtype(indices.dtype):
            raise ValueError(
                f"`indices` must be integers. Received: indices.dtype={indices.dtype}"
            )
        return ops.cast(ops.take(self.codebook, indices, axis=0), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        return None if self.return_dict else mask

    def compute_output_spec(self, inputs, training=False, mask=None):
        quantized = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not self.return_dict:
            return quantized
        return {
            "quantized": quantized,
            "indices": keras.KerasTensor(inputs.shape[:-1], dtype="int32"),
            "perplexity": keras.KerasTensor((), dtype="float32"),
            "usage": keras.KerasTensor((), dtype="float32"),
        }

    def _update_state(self, flat, indices, weights, counts, candidates):
        decay = self.decay
        cluster_size = self.cluster_size * decay + (1.0 - decay) * counts
        if self.codebook_update == "ema":
            sums = cross_replica_sum(_code_sums(flat, indices, weights, self.num_embeddings))
            embedding_sum = self.embedding_sum * decay + (1.0 - decay) * sums
            # Laplace smoothing keeps codes with no assignments from dividing
            # by zero while preserving the total count n.
            n = ops.sum(cluster_size)
            smoothed = (cluster_size + self.epsilon) / (
                n + self.num_embeddings * self.epsilon
            ) * n
            embeddings = embedding_sum / smoothed[:, None]
        if self.dead_code_threshold > 0:
            dead = cluster_size < self.dead_code_threshold
            candidates = self._random_rows(candidates)
            cluster_size = ops.where(dead, self.dead_code_threshold, cluster_size)
            if self.codebook_update == "ema":
                embeddings = ops.where(dead[:, None], candidates, embeddings)
                embedding_sum = ops.where(
                    dead[:, None], candidates * self.dead_code_threshold, embedding_sum
                )
            else:
                self.embeddings_offset.assign(
                    self.embeddings_offset
                    + ops.where(dead[:, None], candidates - self.codebook, 0.0)
                )
        self.cluster_size.assign(cluster_size)
        if self.codebook_update == "ema":
            self.embedding_sum.assign(embedding_sum)
            self.embeddings.assign(embeddings)

    def _kmeans_initialize(self, flat):
        """Runs k-means on `flat` once, the first time the layer trains."""
        ema = self.codebook_update == "ema"
        state = self.embedding_sum if ema else self.embeddings_offset

        # Drawn outside the cond: a seed generator's state must not change
        # inside a branch (JAX would leak a tracer).
        starts = self._random_rows(flat)

        rows, weights = flat if isinstance(flat, tuple) else (flat, None)

        def run_kmeans():
            centroids, sizes = _kmeans(rows, starts, self.kmeans_iters,
                                       self.distance == "cosine", weights)
            if ema:
                return centroids, sizes, centroids * sizes[:, None]
            return centroids, sizes, centroids - self.embeddings

        def keep():
            return (ops.convert_to_tensor(self.embeddings),
                    ops.convert_to_tensor(self.cluster_size),
                    ops.convert_to_tensor(state))

        done = ops.greater(self.initialized, 0.0)
        if not is_symbolic(done):
            # Eager (PyTorch, or JAX and TensorFlow outside a compiled
            # function): a Python branch. An eager cond would trace k-means
            # again at every step (JAX: ten times the cost of the step).
            if bool(ops.convert_to_numpy(done)):
                return
            embeddings, sizes, new_state = run_kmeans()
        else:
            # A value-returning cond with the assignments outside it works on
            # every backend; only one branch runs, so k-means runs once, on
            # the first training batch, and `initialized` is saved with the
            # weights.
            embeddings, sizes, new_state = ops.cond(done, keep, run_kmeans)
        if ema:
            self.embeddings.assign(embeddings)
        self.cluster_size.assign(sizes)
        state.assign(new_state)
        self.initialized.assign(1.0)

    def get_config(self):
        return {
            **super().get_config(),
            "num_embeddings": self.num_embeddings,
            "embedding_dim": self.embedding_dim,
            "commitment_cost": self.commitment_cost,
            "codebook_update": self.codebook_update,
            "decay": self.decay,
            "epsilon": self.epsilon,
            "dead_code_threshold": self.dead_code_threshold,
            "kmeans_init": self.kmeans_init,
            "kmeans_iters": self.kmeans_iters,
            "distance": self.distance,
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
            "return_dict": self.return_dict,
            "seed": self.seed,
        }


def _distances(flat, codebook, square_norms=None):
    """Squared distances `(N, K)` from every row of `flat` to every row of `codebook`.

    `square_norms`: the rows' squared norms `(N, 1)`, when already computed."""
    # |x - e|² = |x|² - 2 x·e + |e|²; |x|² does not change the argmin but
    # keeps the values true distances. Shape (N, K), never (N, K, D).
    if square_norms is None:
        square_norms = ops.sum(ops.square(flat), axis=1, keepdims=True)
    return (
        square_norms
        - 2.0 * ops.matmul(flat, ops.transpose(codebook))
        + ops.sum(ops.square(codebook), axis=1)[None, :]
    )


def _nearest(flat, codebook):
    """Index of the nearest row of `codebook` for every row of `flat`."""
    return ops.argmin(_distances(flat, codebook), axis=1)


def _code_counts(indices, weights, num_codes):
    """How many rows (or how much weight) each code has, float32 `(num_codes,)`."""
    if weights is None:
        weights = ops.ones(ops.shape(indices), "float32")
    return segment_sum(weights, indices, num_codes)


def _code_sums(flat, indices, weights, num_codes):
    """The sum of the rows of `flat` (times `weights`) assigned to each code."""
    if weights is not None:
        flat = flat * weights[:, None]
    return segment_sum(flat, indices, num_codes)


def _kmeans(flat, centroids, iters, cosine, weights=None):
    """Lloyd's k-means on the rows of `flat`; returns (centroids, sizes).

    Starts from `centroids` (random rows, drawn with replacement, so a batch
    with fewer vectors than codes still works); an empty cluster keeps its
    previous centroid. Rows count with their `weights` (all 1 when None).
    """
    k = centroids.shape[0]

    def iteration(_, state):
        centroids, _ = state
        indices = _nearest(flat, centroids)
        sizes = _code_counts(indices, weights, k)
        sums = _code_sums(flat, indices, weights, k)
        means = sums / ops.maximum(sizes, 1.0)[:, None]
        centroids = ops.where((sizes > 0)[:, None], means, centroids)
        if cosine:
            centroids = _l2_normalize(centroids)
        return centroids, sizes

    # A loop, not `iters` unrolled copies: under jax.jit, XLA ran part of the
    # unrolled copies on every step although the cond around them never takes
    # that branch again (the layer's step 1.3x slower).
    return ops.fori_loop(0, iters, iteration, (centroids, ops.zeros((k,), "float32")))


def _l2_normalize(x):
    return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))
