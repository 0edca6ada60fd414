"""Mutual-information estimators over a critic's score matrix.

Every function takes `scores` of shape `(N, M)`, where `scores[i, j]` is a
critic's score `T(x_i, y_j)` that the pair `(x_i, y_j)` was drawn from the
joint distribution (a positive) rather than from the product of marginals (a
negative). The maths is done in float32 whatever the input dtype, so float16
and bfloat16 critics neither overflow in `exp` nor lose the small differences
between large scores; the result is float32.
"""

import numpy as np
from keras import ops


def info_nce(scores, labels=None):
    """Per-row InfoNCE loss: cross-entropy of each row's softmax with its positive.

    Row `i` is a classification of which of the `M` columns is the positive
    for `x_i`: `loss_i = logsumexp_j(scores[i, j]) - scores[i, labels[i]]`
    (van den Oord et al. 2018, arXiv 1807.03748). With `M` candidates per row,
    `log(M) - mean(loss)` is a lower bound on the mutual information, so the
    bound can never exceed `log(M)`.

    Args:
        scores: tensor of shape `(N, M)`, the critic's scores.
        labels: integer tensor of shape `(N,)` or `(N, 1)`, the column of the
            positive for each row, in `[0, M)`. Defaults to `arange(N)`
            (positives on the diagonal, as in a batch of `N` paired views),
            which needs `N <= M`.

    Returns:
        A float32 tensor of shape `(N,)`, the per-row losses.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> scores = np.array([[0.0, 0.0], [0.0, 0.0]], "float32")
    >>> loss = keras_ae.losses.info_nce(scores)
    >>> np.round(keras.ops.convert_to_numpy(loss), 4)  # log(2) per row
    array([0.6931, 0.6931], dtype=float32)
    """
    scores = _check_scores(scores)
    num_rows, num_cols = scores.shape
    if labels is None:
        if num_rows is not None and num_cols is not None and num_rows > num_cols:
            raise ValueError(
                "Without `labels`, the positives are on the diagonal, so "
                "`scores` needs at least as many columns as rows (N <= M). "
                f"Received: scores.shape={tuple(scores.shape)}"
            )
        labels = ops.arange(ops.shape(scores)[0], dtype="int32")
    else:
        labels = _check_labels(labels, scores)
    positive = ops.take_along_axis(scores, ops.expand_dims(labels, 1), axis=1)
    # logsumexp subtracts the row maximum, so huge scores stay finite.
    return ops.logsumexp(scores, axis=1) - positive[:, 0]


def jensen_shannon_mi(scores, positive_mask=None):
    """Jensen-Shannon mutual-information estimate of Deep InfoMax.

    `E_P[-softplus(-T)] - E_N[softplus(T)]`, the mean over positive entries
    (`positive_mask == 1`) minus the mean over negative entries (`== 0`): the
    f-GAN variational bound for the Jensen-Shannon divergence (Nowozin et al.
    2016, arXiv 1606.00709) used by Deep InfoMax (Hjelm et al. 2019, arXiv
    1808.06670). With this convention the estimate is at most 0, which it
    approaches for a perfect critic, and equals `-2 log 2` for a critic that
    scores everything 0. Higher means more mutual information; it is a
    bounded, low-variance training signal rather than a value in nats.

    Args:
        scores: tensor of shape `(N, M)`, the critic's scores.
        positive_mask: bool or 0/1 tensor of the shape of `scores`, 1 where
            the pair is a positive. Defaults to the identity, which needs
            `N == M`. It must hold at least one positive and one negative
            (checked when given as a numpy array or list; an empty set in a
            tensor mask gives NaN).

    Returns:
        A float32 scalar, the estimate.

    Example:

    >>> import numpy as np, keras_ae
    >>> scores = np.zeros((3, 3), "float32")
    >>> mi = keras_ae.losses.jensen_shannon_mi(scores)
    >>> round(float(mi), 4)  # -2 log 2
    -1.3863
    """
    pos_rows, neg_rows, num_pos, num_neg = _jensen_shannon_row_sums(
        scores, positive_mask
    )
    return ops.sum(pos_rows) / num_pos - ops.sum(neg_rows) / num_neg


def donsker_varadhan_mi(scores, positive_mask=None):
    """Donsker-Varadhan mutual-information lower bound of MINE.

    `E_P[T] - log E_N[exp(T)]`, with the expectations over the positive and
    the negative entries of `scores` (Belghazi et al. 2018, arXiv
    1801.04062). The log-mean-exp is computed stably: positives are replaced
    by the lowest float32 before a `logsumexp` over the whole matrix, then
    `log(number of negatives)` is subtracted. The value is in nats, but the
    estimate (and its gradient) is biased for small batches, because the log
    of a batch mean is not the log of the expectation.

    Args:
        scores: tensor of shape `(N, M)`, the critic's scores.
        positive_mask: bool or 0/1 tensor of the shape of `scores`, 1 where
            the pair is a positive. Defaults to the identity, which needs
            `N == M`. It must hold at least one positive and one negative
            (checked when given as a numpy array or list; an empty set in a
            tensor mask gives NaN or -inf).

    Returns:
        A float32 scalar, the estimate.

    Example:

    >>> import numpy as np, keras_ae
    >>> scores = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    >>> mi = keras_ae.losses.donsker_varadhan_mi(scores)
    >>> round(float(mi), 4)  # 1 - log(mean(exp([0, 0])))
    1.0
    """
    scores = _check_scores(scores)
    positive = _check_positive_mask(positive_mask, scores)
    num_pos = ops.sum(ops.cast(positive, "float32"))
    num_neg = ops.cast(ops.size(scores), "float32") - num_pos
    pos_term = ops.sum(ops.where(positive, scores, 0.0)) / num_pos
    # Masking with a finite lowest value (not -inf) keeps logsumexp and its
    # gradient free of inf - inf; exp(lowest - max) underflows to exactly 0.
    lowest = float(np.finfo("float32").min)
    negatives = ops.where(positive, lowest, scores)
    log_mean_exp = ops.logsumexp(negatives) - ops.log(num_neg)
    return pos_term - log_mean_exp


def _jensen_shannon_row_sums(scores, positive_mask):
    """Per-row sums of the two Jensen-Shannon terms, and the global counts.

    Shared with `JensenShannonLoss`, which splits the estimate into rows.
    """
    scores = _check_scores(scores)
    positive = _check_positive_mask(positive_mask, scores)
    num_pos = ops.sum(ops.cast(positive, "float32"))
    num_neg = ops.cast(ops.size(scores), "float32") - num_pos
    # softplus is computed stably by every backend; `where` (not a product
    # with the mask) keeps an infinite score in a masked-out entry from
    # turning into 0 * inf = NaN.
    pos_rows = ops.sum(ops.where(positive, -ops.softplus(-scores), 0.0), axis=1)
    neg_rows = ops.sum(ops.where(positive, 0.0, ops.softplus(scores)), axis=1)
    return pos_rows, neg_rows, num_pos, num_neg


def _check_scores(scores):
    scores = ops.convert_to_tensor(scores)
    if len(scores.shape) != 2:
        raise ValueError(
            "`scores` must be a rank-2 matrix of shape (N, M) with scores[i, j] "
            f"= T(x_i, y_j). Received: scores.shape={tuple(scores.shape)}"
        )
    return ops.cast(scores, "float32")


def _check_labels(labels, scores):
    if not ops.is_tensor(labels):
        # A static array can be checked now rather than failing inside a gather.
        values = np.asarray(labels)
        num_cols = scores.shape[1]
        if values.size and num_cols is not None and (
            values.min() < 0 or values.max() >= num_cols
        ):
            raise ValueError(
                f"`labels` must be column indices in [0, {num_cols}). "
                f"Received: labels with min={values.min()}, max={values.max()}"
            )
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) == 2 and labels.shape[1] == 1:
        labels = ops.reshape(labels, (-1,))
    if len(labels.shape) != 1 or not _same_dims(labels.shape[:1], scores.shape[:1]):
        raise ValueError(
            "`labels` must have shape (N,) or (N, 1) for `scores` of shape "
            f"(N, M). Received: labels.shape={tuple(labels.shape)}, "
            f"scores.shape={tuple(scores.shape)}"
        )
    # Loss.__call__ hands over y_true as floats; indices must be integers.
    return ops.cast(labels, "int32")


def _check_positive_mask(positive_mask, scores):
    if positive_mask is None:
        num_rows, num_cols = scores.shape
        if num_rows is not None and num_cols is not None and (
            num_rows != num_cols or num_rows < 2
        ):
            raise ValueError(
                "Without `positive_mask`, the positives are on the diagonal, so "
                "`scores` must be square with N >= 2 (to hold a negative). "
                f"Received: scores.shape={tuple(scores.shape)}"
            )
        size = ops.shape(scores)[0]
        return ops.cast(ops.eye(size, dtype="float32"), "bool")
    if not ops.is_tensor(positive_mask):
        # A static mask can be checked now; a tensor mask cannot be, in
        # general, without a host round trip inside a compiled step.
        values = np.asarray(positive_mask)
        if not np.isin(values, (0, 1)).all():
            raise ValueError(
                "`positive_mask` must hold only 0/1 (or booleans). Received: "
                f"positive_mask with values {np.unique(values)[:5]}"
            )
        if values.all() or not values.any():
            raise ValueError(
                "`positive_mask` must hold at least one positive (1) and one "
                f"negative (0). Received: positive_mask with {int(values.sum())} "
                f"positives out of {values.size} entries"
            )
    positive_mask = ops.convert_to_tensor(positive_mask)
    if not _same_dims(positive_mask.shape, scores.shape):
        raise ValueError(
            "`positive_mask` must have the shape of `scores`. Received: "
            f"positive_mask.shape={tuple(positive_mask.shape)}, "
            f"scores.shape={tuple(scores.shape)}"
        )
    return ops.cast(positive_mask, "bool")


def _same_dims(shape_a, shape_b):
    """Shapes agree in rank and in every dimension known in both."""
    if len(shape_a) != len(shape_b):
        return False
    return all(a is None or b is None or a == b for a, b in zip(shape_a, shape_b))
