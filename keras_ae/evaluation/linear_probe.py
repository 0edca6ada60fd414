import keras
import numpy as np

from keras_ae._checks import check_int
from keras_ae._checks import check_number


def linear_probe(train_features, train_labels, test_features, test_labels, epochs=30,
                 batch_size=256, l2=1e-4, learning_rate=1e-3, seed=0, verbose=0):
    """Test accuracy of a logistic-regression probe on frozen features.

    The standard measure of a representation's quality (Deep InfoMax, CPC):
    features are flattened and standardised with the training split's mean
    and standard deviation, a softmax linear classifier with an L2 penalty is
    trained on the training split with Adam, and its accuracy on the test
    split is returned. Works with the features of any encoder.

    Args:
        train_features: array `(n_train, ...)`, flattened to vectors.
        train_labels: int array `(n_train,)`, classes `0 .. k-1`.
        test_features: array `(n_test, ...)` of the same feature shape.
        test_labels: int array `(n_test,)`.
        epochs: int >= 1, passes over the training split. The probe should
            converge: a small training split needs more passes.
        batch_size: int >= 1.
        l2: float >= 0, the weight of the L2 penalty on the classifier.
        learning_rate: float > 0, Adam's learning rate.
        seed: int, seed of the initialisation and shuffling.
        verbose: Keras `fit` verbosity.

    Returns:
        A float, the test accuracy in [0, 1].

    Example:

    >>> import numpy as np
    >>> from keras_ae.evaluation import linear_probe
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 5)).astype("float32")
    >>> y = (x[:, 0] > 0).astype(int)  # the class is in the first feature
    >>> accuracy = linear_probe(x[:150], y[:150], x[150:], y[150:], epochs=20, batch_size=32,
    ...                         learning_rate=0.05)
    >>> accuracy > 0.9
    True
    """
    train_features = _as_matrix(train_features, "train_features")
    test_features = _as_matrix(test_features, "test_features")
    if train_features.shape[1] != test_features.shape[1]:
        raise ValueError(
            "`train_features` and `test_features` must have the same feature size. Received: "
            f"{train_features.shape[1]} and {test_features.shape[1]}"
        )
    train_labels = _as_labels(train_labels, "train_labels", len(train_features))
    test_labels = _as_labels(test_labels, "test_labels", len(test_features))
    epochs = check_int("epochs", epochs, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    l2 = check_number("l2", l2, low=0)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)

    mean = train_features.mean(0)
    std = train_features.std(0) + 1e-6  # constant features stay finite
    train_features = (train_features - mean) / std
    test_features = (test_features - mean) / std
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1

    keras.utils.set_random_seed(seed)
    probe = keras.Sequential([
        keras.Input((train_features.shape[1],)),
        keras.layers.Dense(num_classes, kernel_regularizer=keras.regularizers.L2(l2)),
    ])
    # Many steps per call of the compiled step: a small probe's steps cost less than the
    # calls themselves, and the steps (so the result) are the same.
    probe.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=64)
    probe.fit(train_features, train_labels, epochs=epochs, batch_size=batch_size,
              shuffle=True, verbose=verbose)
    logits = probe.predict(test_features, batch_size=1024, verbose=0)
    return float(np.mean(np.argmax(logits, axis=1) == test_labels))


def _as_matrix(x, name):
    x = np.asarray(x, "float32")
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"`{name}` must be a non-empty array (n, ...). Received: shape={x.shape}")
    x = x.reshape(len(x), -1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or Inf values")
    return x


def _as_labels(y, name, n):
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError(
            f"`{name}` must be {n} non-negative integer class labels. Received: "
            f"shape={y.shape}, dtype={y.dtype}"
        )
    return y
