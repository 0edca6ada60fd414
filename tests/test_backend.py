"""keras_ae.backend, on the running backend."""

import numpy as np
from keras import ops

from keras_ae.backend import segment_sum


def test_segment_sum_adds_the_rows_of_each_segment():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 3, 2)).astype("float32")
    ids = rng.integers(0, 6, size=50)
    ids[ids == 4] = 5  # segment 4 stays empty
    expected = np.zeros((7, 3, 2), "float32")
    np.add.at(expected, ids, data)
    out = segment_sum(ops.convert_to_tensor(data), ops.convert_to_tensor(ids, "int32"), 7)
    np.testing.assert_allclose(ops.convert_to_numpy(out), expected, rtol=1e-5, atol=1e-5)
    weights = rng.uniform(size=50).astype("float32")
    counts = segment_sum(weights, ops.convert_to_tensor(ids, "int64"), 7)
    np.testing.assert_allclose(ops.convert_to_numpy(counts),
                               np.bincount(ids, weights, minlength=7), rtol=1e-5)
