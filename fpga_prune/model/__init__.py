"""The trading model: features and labels, training, users' own models, metrics.

Owns ``features`` (leak-free features, chronological splits, the train-only
scaler), ``training`` (the Keras/QKeras MLP and its bundle configuration),
``load`` (a user's Dense-only Keras model with its preprocessing) and
``metrics`` (the decision rule, bootstrap intervals, retention bounds).
"""
