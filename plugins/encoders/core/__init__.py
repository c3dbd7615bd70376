"""The torch core shared by every neural encoder.

* :mod:`~plugins.encoders.core.blocks`: network building blocks and seeded initialisation;
* :mod:`~plugins.encoders.core.losses`: the loss terms, as small pure functions;
* :mod:`~plugins.encoders.core.training`: the one training loop;
* :mod:`~plugins.encoders.core.estimator`: fit, transform, save and load, written once.
"""
