import os

import keras
import numpy as np

from keras_ae._checks import check_int


class RepresentationHistogram(keras.callbacks.Callback):
    """Writes a histogram of a model's representations, beside its prior's, to TensorBoard.

    At the end of every `every_n_epochs`-th epoch the model encodes `inputs`
    (with `model.encode`) and the histogram `representation` of all their
    values is written. When the model matches a prior (a
    `keras_ae.models.DeepInfoMax` with `prior_weight > 0`), the histogram
    `prior` of as many prior samples is written at the same step, on the
    same range, so the two can be compared in TensorBoard's histogram tab:
    prior matching is working when they look alike. TensorBoard summaries
    need TensorFlow, which keras-ae always installs; this callback works
    under any Keras backend.

    Args:
        inputs: numpy array, a sample of model inputs (a few hundred is plenty).
        logdir: the TensorBoard folder (the `log_dir` of
            `keras.callbacks.TensorBoard`); summaries go to
            `<logdir>/representation`.
        every_n_epochs: int >= 1.
        buckets: int >= 2, histogram buckets.

    Example:

    >>> import numpy as np, keras_ae
    >>> images = np.zeros((256, 28, 28, 1), "float32")
    >>> callback = keras_ae.callbacks.RepresentationHistogram(images, "/tmp/logs")
    """

    def __init__(self, inputs, logdir, every_n_epochs=1, buckets=50):
        super().__init__()
        inputs = np.asarray(inputs)
        if inputs.ndim < 2 or len(inputs) == 0:
            raise ValueError(
                "`inputs` must be a non-empty batch of model inputs. Received: "
                f"inputs.shape={inputs.shape}"
            )
        self.inputs = inputs
        self.logdir = logdir
        self.every_n_epochs = check_int("every_n_epochs", every_n_epochs, 1)
        self.buckets = check_int("buckets", buckets, 2)
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        if not hasattr(self.model, "encode"):
            raise ValueError(
                "RepresentationHistogram needs a model with an `encode` method. Received: "
                f"{type(self.model).__name__}"
            )
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(
                os.path.join(self.logdir, "representation"))
        values = keras.ops.convert_to_numpy(self.model.encode(self.inputs)).astype("float32")
        prior = None
        if getattr(self.model, "prior_discriminator", None) is not None:
            prior = keras.ops.convert_to_numpy(self.model.sample_prior(len(values), seed=epoch))
        with self._writer.as_default():
            tf.summary.histogram("representation", values.ravel(), step=epoch,
                                 buckets=self.buckets)
            if prior is not None:
                tf.summary.histogram("prior", prior.ravel(), step=epoch, buckets=self.buckets)
        self._writer.flush()
