import keras

from keras_ae.losses.estimators import info_nce


@keras.saving.register_keras_serializable(package="keras_ae")
class InfoNCE(keras.losses.Loss):
    """InfoNCE contrastive loss over a score matrix, one term per row.

    Row `i` of the scores is a softmax classification of which of the `M`
    candidates is the positive for `x_i`; the loss is its cross-entropy,
    `logsumexp_j(scores[i, j]) - scores[i, y_true[i]]`. With `M` candidates
    per row, `log(M) - loss` is a lower bound on the mutual information.
    Computed in float32 with a stable log-sum-exp (see
    `keras_ae.losses.info_nce`).

    Args:
        reduction: the Keras reduction over rows; the default averages them.
        name: name of the loss instance.
        dtype: dtype of the reduction; `None` means `keras.backend.floatx()`.

    Call arguments:
        y_true: integer tensor of shape `(N,)` or `(N, 1)`, the column of
            each row's positive, in `[0, M)`.
        y_pred: tensor of shape `(N, M)`, the critic's scores.
        sample_weight: optional tensor of shape `(N,)`, a weight per row.

    Returns:
        The reduced loss (a scalar by default; shape `(N,)` with
        `reduction=None`).

    Example:

    >>> import numpy as np, keras_ae
    >>> scores = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]], "float32")
    >>> loss = keras_ae.losses.InfoNCE()(np.array([0, 2]), scores)
    >>> round(float(loss), 4)
    0.2395

    Reference:
        van den Oord et al. 2018, "Representation Learning with Contrastive
        Predictive Coding", arXiv 1807.03748.
    """

    def __init__(self, reduction="sum_over_batch_size", name="info_nce", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return info_nce(y_pred, labels=y_true)

    def get_config(self):
        # The base config omits dtype; the compute dtype is all a loss uses.
        return {**super().get_config(), "dtype": self.dtype}
