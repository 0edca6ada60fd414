import keras
from keras import ops

from keras_ae._checks import check_number
from keras_ae.layers.instance_normalization import instance_moments


@keras.saving.register_keras_serializable(package="keras_ae")
class AdaptiveInstanceNormalization(keras.layers.Layer):
    """Instance-normalises `content`, then gives it the scale and shift of `style`.

    Called as `layer([content, style])`. The content's per-example,
    per-channel mean and standard deviation (over all its non-batch,
    non-channel axes) are removed, and replaced by ones taken from the
    style. How, depends on the style's rank, fixed when the layer is built:

    - a style vector `(batch, style_dim)` ("vector" mode, as in AdaIN-VC):
      learned affine maps give per-channel `gamma = style @ gamma_kernel +
      gamma_bias` and `beta = style @ beta_kernel + beta_bias`, and the output
      is `IN(content) * gamma + beta`;
    - a style feature map of the content's rank and channel count
      ("statistics" mode, as in Huang & Belongie): the output is
      `std(style) * (content - mean(content)) / std(content) + mean(style)`,
      with per-channel statistics of each example and no weights. The style
      may differ in length or size from the content.

    Standard deviations are `sqrt(variance + epsilon)`. Keras masks over the
    leading non-channel axes (e.g. `(batch, time)` for padded sequences) are
    honoured: masked positions of the content, and in statistics mode of the
    style, do not enter the statistics; the content's mask is passed on. The
    statistics are computed in float32. `layer.mode` is "vector" or
    "statistics" once built.

    Args:
        epsilon: positive float added to the variances. Defaults to 1e-5.
        kernel_initializer: initializer of `gamma_kernel` and `beta_kernel`
            (vector mode). Defaults to "glorot_uniform".
        gamma_bias_initializer: initializer of `gamma_bias` (vector mode).
            Defaults to "ones", so the scale starts around 1.
        beta_bias_initializer: initializer of `beta_bias` (vector mode).
            Defaults to "zeros".
        kernel_regularizer: optional regularizer of both kernels.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: a list `[content, style]`. `content` is a floating tensor of
            rank >= 3 with a known channel size (last axis), e.g. `(batch,
            time, channels)`; `style` is `(batch, style_dim)` or a tensor of
            the content's rank with the same number of channels.
        mask: optional list of the content's and the style's masks, set by
            Keras from masked inputs.

    Returns:
        A tensor of the content's shape in the compute dtype.

    Example:

    >>> import numpy as np, keras_ae
    >>> content = np.random.default_rng(0).normal(size=(2, 40, 8)).astype("float32")
    >>> speaker = np.random.default_rng(1).normal(size=(2, 16)).astype("float32")
    >>> layer = keras_ae.layers.AdaptiveInstanceNormalization()
    >>> tuple(layer([content, speaker]).shape), layer.mode
    ((2, 40, 8), 'vector')

    Reference:
        Huang & Belongie 2017, "Arbitrary style transfer in real-time with
        adaptive instance normalization", arXiv 1703.06868; Chou, Yeh & Lee
        2019, "One-shot voice conversion by separating speaker and content
        representations with instance normalization" (AdaIN-VC), arXiv
        1904.05742.
    """

    def __init__(
        self,
        epsilon=1e-5,
        kernel_initializer="glorot_uniform",
        gamma_bias_initializer="ones",
        beta_bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.epsilon = check_number("epsilon", epsilon, low=0, low_open=True)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.gamma_bias_initializer = keras.initializers.get(gamma_bias_initializer)
        self.beta_bias_initializer = keras.initializers.get(beta_bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.mode = None
        # The inputs are used as given and cast to float32 here, not first
        # cast to float16 by Keras, where large values would lose precision.
        self.autocast = False

    def build(self, input_shape):
        content_shape, style_shape = _split_shapes(input_shape)
        rank = len(content_shape)
        channels = content_shape[-1]
        if rank < 3 or channels is None:
            raise ValueError(
                "The content must have rank >= 3, e.g. (batch, time, channels), "
                "and a known number of channels (last axis). Received: "
                f"content.shape={content_shape}"
            )
        if len(style_shape) == 2:
            style_dim = style_shape[-1]
            if style_dim is None:
                raise ValueError(
                    "A style vector must have a known size. Received: "
                    f"style.shape={style_shape}"
                )
            self.mode = "vector"
            self.gamma_kernel, self.gamma_bias = self._add_projection(
                "gamma", style_dim, channels, self.gamma_bias_initializer
            )
            self.beta_kernel, self.beta_bias = self._add_projection(
                "beta", style_dim, channels, self.beta_bias_initializer
            )
        elif len(style_shape) == rank:
            if style_shape[-1] != channels:
                raise ValueError(
                    "In statistics mode the style must have as many channels "
                    "(last axis) as the content. Received: "
                    f"content.shape={content_shape}, style.shape={style_shape}"
                )
            self.mode = "statistics"
        else:
            raise ValueError(
                "The style must be a vector (batch, style_dim) or have the "
                f"content's rank ({rank}). Received: content.shape="
                f"{content_shape}, style.shape={style_shape}"
            )
        self.built = True

    def _add_projection(self, name, style_dim, channels, bias_initializer):
        kernel = self.add_weight(
            name=f"{name}_kernel",
            shape=(style_dim, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            autocast=False,
        )
        bias = self.add_weight(
            name=f"{name}_bias",
            shape=(channels,),
            initializer=bias_initializer,
            autocast=False,
        )
        return kernel, bias

    def call(self, inputs, mask=None):
        content, style = inputs
        if isinstance(mask, (list, tuple)):
            content_mask, style_mask = mask
        else:
            content_mask, style_mask = None, None
        x = ops.cast(content, "float32")
        rank = len(x.shape)
        mean, variance = instance_moments(x, rank - 1, content_mask)
        normalized = (x - mean) * ops.rsqrt(variance + self.epsilon)
        s = ops.cast(style, "float32")
        if self.mode == "vector":
            gamma = _affine(s, self.gamma_kernel, self.gamma_bias)
            beta = _affine(s, self.beta_kernel, self.beta_bias)
            for _ in range(rank - 2):
                gamma = ops.expand_dims(gamma, 1)
                beta = ops.expand_dims(beta, 1)
        else:
            beta, style_variance = instance_moments(s, rank - 1, style_mask)
            gamma = ops.sqrt(style_variance + self.epsilon)
        return ops.cast(normalized * gamma + beta, self.compute_dtype)

    def compute_mask(self, inputs, previous_mask):
        if isinstance(previous_mask, (list, tuple)):
            return previous_mask[0]
        return None

    def compute_output_shape(self, input_shape):
        content_shape, _ = _split_shapes(input_shape)
        return content_shape

    def get_config(self):
        serialize = keras.initializers.serialize
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "kernel_initializer": serialize(self.kernel_initializer),
            "gamma_bias_initializer": serialize(self.gamma_bias_initializer),
            "beta_bias_initializer": serialize(self.beta_bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }


def _affine(x, kernel, bias):
    return ops.matmul(x, ops.cast(kernel, "float32")) + ops.cast(bias, "float32")


def _split_shapes(input_shape):
    if (
        not isinstance(input_shape, (list, tuple))
        or len(input_shape) != 2
        or not all(isinstance(s, (list, tuple)) for s in input_shape)
    ):
        raise ValueError(
            "AdaptiveInstanceNormalization is called on a list [content, style]. "
            f"Received: input_shape={input_shape}"
        )
    return tuple(input_shape[0]), tuple(input_shape[1])
