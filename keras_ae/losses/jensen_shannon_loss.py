import keras
from keras import ops

from keras_ae.losses.estimators import _jensen_shannon_row_sums


@keras.saving.register_keras_serializable(package="keras_ae")
class JensenShannonLoss(keras.losses.Loss):
    """Negative Jensen-Shannon mutual-information estimate of Deep InfoMax.

    Minimising this loss maximises `keras_ae.losses.jensen_shannon_mi`,
    `E_P[-softplus(-T)] - E_N[softplus(T)]` over the positive and negative
    entries of the score matrix.

    The estimate averages over all positives and all negatives of the batch,
    not over rows, so it is split exactly into per-row terms:
    `r_i = -N * (sum_j P_ij / num_pos - sum_j N_ij / num_neg)`, where `P_ij`
    and `N_ij` are the positive and negative terms of entry `(i, j)`. The mean
    of `r` is exactly `-jensen_shannon_mi` for any mask, so the default
    reduction (`"sum_over_batch_size"`) gives the negative estimate. Other
    reductions scale it (`"sum"` gives `N` times it), and a per-row
    `sample_weight` reweights rows while `num_pos` and `num_neg` stay the
    unweighted batch counts. A single `r_i` is not a loss of its own.

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
        The reduced loss (a scalar by default; the `(N,)` terms `r` with
        `reduction=None`).

    Example:

    >>> import numpy as np, keras_ae
    >>> scores = np.zeros((3, 3), "float32")
    >>> loss = keras_ae.losses.JensenShannonLoss()(np.eye(3), scores)
    >>> round(float(loss), 4)  # 2 log 2
    1.3863

    Reference:
        Hjelm et al. 2019, "Learning deep representations by mutual
        information estimation and maximization", arXiv 1808.06670.
        Nowozin et al. 2016, "f-GAN", arXiv 1606.00709.
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="jensen_shannon_loss", dtype=None
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        pos_rows, neg_rows, num_pos, num_neg = _jensen_shannon_row_sums(
            y_pred, y_true
        )
        num_rows = ops.cast(ops.shape(pos_rows)[0], "float32")
        return -num_rows * (pos_rows / num_pos - neg_rows / num_neg)

    def get_config(self):
        # The base config omits dtype; the compute dtype is all a loss uses.
        return {**super().get_config(), "dtype": self.dtype}
