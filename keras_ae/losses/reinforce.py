"""REINFORCE for sequences of discrete choices: returns, baselines, the surrogate loss.

A policy that samples tokens cannot be trained by backpropagating through
the sample; the score-function (REINFORCE) estimator of Williams 1992
gives the gradient of the expected reward instead:

    ∇ E[R] = E[ Σ_t A_t ∇ log π(a_t | a_<t) ],

with `A_t` the return of step `t` minus a baseline that does not depend on
`a_t`. These functions compute each part with `keras.ops`, so a model's
loss written with them runs on every backend.
"""

from keras import ops

from keras_ae._checks import check_number


def discounted_returns(rewards, gamma=1.0, mask=None):
    """The discounted return of every step, `G_t = Σ_{s ≥ t} γ^(s−t) r_s`.

    Args:
        rewards: float tensor `(batch, steps)`, the reward of each step.
        gamma: float in [0, 1], the discount. 1 sums the rewards to come.
        mask: optional `(batch, steps)`, 1 on real steps and 0 on padding
            (after a sequence's end); padded steps give no reward and get a
            return of 0.

    Returns:
        float32 tensor `(batch, steps)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.losses import discounted_returns
    >>> np.asarray(discounted_returns(np.array([[1.0, 2.0, 4.0]]), gamma=0.5))
    array([[3., 4., 4.]], dtype=float32)
    """
    gamma = check_number("gamma", gamma, 0, 1)
    rewards = ops.cast(rewards, "float32")
    if mask is not None:
        rewards = rewards * ops.cast(mask, "float32")
    steps = rewards.shape[-1]
    index = ops.arange(steps, dtype="float32")
    # discount[s, t] = γ^(s − t) for s ≥ t, else 0; G = r · discount.
    lag = index[:, None] - index[None, :]
    discount = ops.where(lag >= 0, ops.power(float(gamma), ops.maximum(lag, 0.0)), 0.0)
    returns = ops.matmul(rewards, discount)
    if mask is not None:
        returns = returns * ops.cast(mask, "float32")
    return returns


def self_critical_advantage(sample_returns, greedy_returns):
    """The advantage of a sampled sequence over the greedy one (Rennie et al. 2017).

    The greedy sequence's return is the baseline: it does not depend on the
    sample, so the estimator stays unbiased, and a sample that scores as the
    greedy choice does gets no push either way. Broadcasting applies: a
    `(batch,)` greedy return serves every step of a `(batch, steps)` sample.

    Returns:
        float32 tensor, `sample_returns − greedy_returns`, with no gradient.
    """
    return ops.stop_gradient(ops.cast(sample_returns, "float32")
                             - ops.cast(greedy_returns, "float32"))


def reinforce_loss(log_probs, advantages, mask=None):
    """The surrogate whose gradient is minus the REINFORCE estimate.

    `−(1/batch) Σ_b Σ_t stop_gradient(A_bt) · log π(a_bt)`, over real steps:
    minimising it ascends the expected return.

    Args:
        log_probs: float tensor `(batch, steps)`, log π of the taken actions,
            differentiable in the policy's weights.
        advantages: float tensor `(batch, steps)` (or broadcastable), held
            constant.
        mask: optional `(batch, steps)`, 1 on real steps.

    Returns:
        A float32 scalar.
    """
    terms = ops.stop_gradient(ops.cast(advantages, "float32")) * ops.cast(log_probs, "float32")
    if mask is not None:
        terms = terms * ops.cast(mask, "float32")
    return -ops.mean(ops.sum(terms, axis=-1))
