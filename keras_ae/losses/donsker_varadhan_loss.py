import keras
from keras import ops

from keras_ae.losses.estimators import donsker_varadhan_mi


@keras.saving.register_keras_serializable(package="keras_ae")
class DonskerVaradhanLoss(keras.losses.Loss):
    """Negative Donsker-Varadhan mutual-information bound of MINE.

    Minimising this loss maximises `keras_ae.losses.donsker_varadhan_mi`,
    `E_P[T] - log E_N[exp(T)]` over the positive and negative entries of the
    score matrix, computed stably in float32.

    The log-mean-exp makes the bound a statistic of the whole batch, which
    does not split into per-row terms, so `call` returns the negative
    estimate repeated once per row. The default reduction
    (`"sum_over_batch_size"`) therefore gives exactly the negative estimate;
    a per-row `sample_weight` can only scale it (by the mean weight), never
    emphasise particular pairs. The gradient of the batch estimate is biased
    (MINE corrects it with a moving average of the denominator, which this
    loss does not do).

    Args:
        reduction: the Keras reduction over rows; keep the default to get the
            negative estimate.
        name: name of the loss instance.
        dtype: dtype of the reduction; `None` means `keras.backend.floatx()`.

    Call arguments:
        y_true: bool or 0/1 tensor of shape `(N, M)`, 1 for positive pairs.
            It must hold at least one positive and one negative.
        y_pred: tensor of shape `(N, M)`, the critic's scores.
        sample_weight: optional tensor of shape `(N,)`, a weight per row.

    Returns:
        The reduced loss (a scalar by default; the `(N,)` repeated value with
        `reduction=None`).

    Example:

    >>> import numpy as np, keras_ae
    >>> scores = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    >>> loss = keras_ae.losses.DonskerVaradhanLoss()(np.eye(2), scores)
    >>> round(float(loss), 4)
    -1.0

    Reference:
        Belghazi et al. 2018, "Mutual Information Neural Estimation",
        arXiv 1801.04062.
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="donsker_varadhan_loss", dtype=None
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        estimate = donsker_varadhan_mi(y_pred, positive_mask=y_true)
        # Broadcasting (rather than ops.full) keeps the gradient path plain.
        return ops.zeros_like(y_pred[:, 0], dtype="float32") - estimate

    def get_config(self):
        # The base config omits dtype; the compute dtype is all a loss uses.
        return {**super().get_config(), "dtype": self.dtype}
