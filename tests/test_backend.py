"""keras_ae.backend, on the running backend."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_ae.backend import check
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


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch.compile")
def test_check_stays_inside_a_torch_compiled_graph():
    import torch

    def double_finite(x):
        check(ops.all(ops.isfinite(x)), "x must be finite")
        return x * 2

    explained = torch._dynamo.explain(double_finite)(torch.ones(3))
    assert explained.graph_break_count == 0
    compiled = torch.compile(double_finite)
    np.testing.assert_array_equal(compiled(torch.ones(3)).numpy(), 2.0)
    with pytest.raises(RuntimeError, match="x must be finite"):
        compiled(torch.tensor([1.0, float("nan")]))
