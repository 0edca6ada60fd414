"""Contrastive and mutual-information losses over a critic's score matrix."""

from keras_ae.losses.donsker_varadhan_loss import DonskerVaradhanLoss
from keras_ae.losses.info_nce import InfoNCE
from keras_ae.losses.jensen_shannon_loss import JensenShannonLoss

# isort: split
# Importing the submodule `info_nce` (above) binds `keras_ae.losses.info_nce`
# to that module; the functions are imported last so the name means the
# function, as documented.
from keras_ae.losses.estimators import donsker_varadhan_mi
from keras_ae.losses.estimators import info_nce
from keras_ae.losses.estimators import jensen_shannon_mi

__all__ = [
    "DonskerVaradhanLoss",
    "InfoNCE",
    "JensenShannonLoss",
    "donsker_varadhan_mi",
    "info_nce",
    "jensen_shannon_mi",
]
