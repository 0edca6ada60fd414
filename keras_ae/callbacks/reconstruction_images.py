import keras
import numpy as np

from keras_ae._checks import check_int


class ReconstructionImages(keras.callbacks.Callback):
    """Writes inputs beside their reconstructions to TensorBoard every epoch.

    For image auto-encoders: at the end of every `every_n_epochs`-th epoch the
    model reconstructs `images` and a grid with each input on the left of its
    reconstruction is written as the image summary `reconstructions`. When
    the model has a `quantizer` (a `keras_ae.layers.VectorQuantizer`, as in
    `keras_ae.models.VQVAE`), the histogram `code_usage` of the code indices
    of `images` is written too. TensorBoard summaries need TensorFlow, which
    keras-ae always installs; this callback works under any Keras backend.

    Args:
        images: numpy array `(n, height, width, channels)` with values in
            [0, 1]; up to 32 are shown.
        logdir: the TensorBoard folder (the `log_dir` of
            `keras.callbacks.TensorBoard`); summaries go to `<logdir>/images`.
        every_n_epochs: int >= 1.

    Example:

    >>> import numpy as np, keras_ae
    >>> images = np.zeros((8, 28, 28, 1), "float32")
    >>> callback = keras_ae.callbacks.ReconstructionImages(images, "/tmp/logs")
    """

    def __init__(self, images, logdir, every_n_epochs=1):
        super().__init__()
        images = np.asarray(images, "float32")
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(
                "`images` must be (n, height, width, 1 or 3). Received: "
                f"images.shape={images.shape}"
            )
        every_n_epochs = check_int("every_n_epochs", every_n_epochs, 1)
        self.images = images[:32]
        self.logdir = logdir
        self.every_n_epochs = every_n_epochs
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        import os

        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.logdir, "images"))
        recon = np.clip(np.asarray(self.model.predict(self.images, verbose=0), "float32"), 0, 1)
        grid = image_grid(self.images, recon)
        with self._writer.as_default():
            tf.summary.image("reconstructions", grid[None], step=epoch)
            quantizer = getattr(self.model, "quantizer", None)
            if quantizer is not None and hasattr(self.model, "encode"):
                indices = keras.ops.convert_to_numpy(self.model.encode(self.images)).ravel()
                tf.summary.histogram("code_usage", indices, step=epoch,
                                     buckets=min(quantizer.num_embeddings, 64))
        self._writer.flush()


def image_grid(inputs, reconstructions, columns=4):
    """A single image: rows of (input | reconstruction) pairs, `columns` pairs a row.

    Args:
        inputs: `(n, h, w, c)` array in [0, 1].
        reconstructions: array of the same shape.
        columns: pairs per row.

    Returns:
        A float32 array `(rows * (h + 1) + 1, columns * (2w + 1) + 1, c)`,
        pairs separated by 1-pixel white lines.
    """
    inputs = np.asarray(inputs, "float32")
    reconstructions = np.asarray(reconstructions, "float32")
    if inputs.shape != reconstructions.shape:
        raise ValueError(
            "inputs and reconstructions differ in shape: "
            f"{inputs.shape} != {reconstructions.shape}"
        )
    n, h, w, c = inputs.shape
    rows = -(-n // columns)
    grid = np.ones((rows * (h + 1) + 1, columns * (2 * w + 1) + 1, c), "float32")
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = 1 + r * (h + 1), 1 + col * (2 * w + 1)
        grid[top:top + h, left:left + w] = inputs[i]
        grid[top:top + h, left + w:left + 2 * w] = reconstructions[i]
    return grid
