"""Trainable models: `compile()` + `fit()` is all a user writes."""

from keras_ae.models.adain_voice_converter import AdaINVoiceConverter
from keras_ae.models.adversarial_voice_converter import AdversarialVoiceConverter
from keras_ae.models.auto_encoder import AutoEncoder
from keras_ae.models.cpc import CPC
from keras_ae.models.deep_info_max import DeepInfoMax
from keras_ae.models.discrete_auto_encoder import DiscreteAutoEncoder
from keras_ae.models.quick_thought import QuickThought
from keras_ae.models.skip_thought import SkipThought
from keras_ae.models.summarizer import Seq2Seq2SeqSummarizer
from keras_ae.models.voice_converter import VoiceConverter
from keras_ae.models.vq_voice_converter import VQVoiceConverter
from keras_ae.models.vqvae import VQVAE

__all__ = ["AdaINVoiceConverter", "AdversarialVoiceConverter", "AutoEncoder", "CPC",
           "DeepInfoMax", "DiscreteAutoEncoder", "QuickThought", "Seq2Seq2SeqSummarizer",
           "SkipThought",
           "VQVAE", "VQVoiceConverter", "VoiceConverter"]
