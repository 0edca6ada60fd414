"""REINFORCE's returns, self-critical baseline and surrogate loss."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_ae.losses import discounted_returns
from keras_ae.losses import reinforce_loss
from keras_ae.losses import self_critical_advantage


def test_discounted_returns_match_a_hand_computation():
    rewards = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 9.0]], "float32")
    mask = np.array([[1, 1, 1, 1], [1, 1, 1, 0]], "float32")
    got = ops.convert_to_numpy(discounted_returns(rewards, gamma=0.3, mask=mask))
    # By hand: G_3 = r_3, G_2 = r_2 + 0.3 r_3, ...; the padded step of row 2 gives nothing.
    row1 = [1 + 0.3 * 2 + 0.09 * 3 + 0.027 * 4, 2 + 0.3 * 3 + 0.09 * 4, 3 + 0.3 * 4, 4]
    row2 = [0.5 + 0.3 * -1 + 0.09 * 2, -1 + 0.3 * 2, 2, 0]
    np.testing.assert_allclose(got, [row1, row2], rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(discounted_returns(rewards, gamma=0.0)),
                               rewards)
    np.testing.assert_allclose(ops.convert_to_numpy(discounted_returns(rewards, gamma=1.0))[:, 0],
                               rewards.sum(1))
    with pytest.raises(ValueError, match="gamma.*1.5"):
        discounted_returns(rewards, gamma=1.5)


def test_self_critical_advantage_is_zero_when_the_sample_is_the_greedy_choice():
    returns = np.array([[0.7, 0.2], [1.0, -3.0]], "float32")
    np.testing.assert_array_equal(
        ops.convert_to_numpy(self_critical_advantage(returns, returns)), 0.0)
    # A (batch,) greedy return broadcasts over the steps.
    got = ops.convert_to_numpy(self_critical_advantage(returns, np.array([[0.5], [1.0]])))
    np.testing.assert_allclose(got, [[0.2, -0.3], [0.0, -4.0]], rtol=1e-6)


def test_surrogate_gradient_equals_the_score_function_estimate():
    # A policy over 4 actions, 2 steps, batch of 3: logits θ (steps, actions).
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(2, 4)).astype("float32")
    actions = np.array([[0, 3], [2, 2], [1, 0]])
    advantages = np.array([[1.5, -0.5], [0.25, 2.0], [-1.0, 0.75]], "float32")
    mask = np.array([[1, 1], [1, 0], [1, 1]], "float32")
    variable = tf.Variable(theta)
    with tf.GradientTape() as tape:
        log_probs = tf.nn.log_softmax(variable, axis=-1)  # (steps, actions)
        taken = tf.stack([tf.gather(log_probs[t], actions[:, t]) for t in range(2)], axis=1)
        loss = reinforce_loss(taken, advantages, mask)
    grad = tape.gradient(loss, variable).numpy()
    # Score function: ∇_θ log softmax(θ_t)[a] = onehot(a) − softmax(θ_t).
    p = np.exp(theta) / np.exp(theta).sum(1, keepdims=True)
    expected = np.zeros_like(theta)
    for b in range(3):
        for t in range(2):
            expected[t] += mask[b, t] * advantages[b, t] * (np.eye(4)[actions[b, t]] - p[t])
    np.testing.assert_allclose(grad, -expected / 3, rtol=1e-5, atol=1e-6)


def test_advantages_get_no_gradient():
    advantages = tf.Variable([[1.0, 2.0]])
    log_probs = tf.Variable([[-0.1, -0.2]])
    with tf.GradientTape(persistent=True) as tape:
        loss = reinforce_loss(log_probs, advantages * 1.0)
        advantage = self_critical_advantage(advantages * 2.0, advantages)
    assert tape.gradient(loss, advantages) is None
    assert tape.gradient(advantage, advantages) is None
