"""Contrastive and mutual-information losses over a critic's score matrix, and REINFORCE's
surrogate loss for sequences of discrete choices."""

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
from keras_ae.losses.reinforce import discounted_returns
from keras_ae.losses.reinforce import reinforce_loss
from keras_ae.losses.reinforce import self_critical_advantage

__all__ = [
    "DonskerVaradhanLoss",
    "InfoNCE",
    "JensenShannonLoss",
    "discounted_returns",
    "donsker_varadhan_mi",
    "info_nce",
    "jensen_shannon_mi",
    "reinforce_loss",
    "self_critical_advantage",
]
