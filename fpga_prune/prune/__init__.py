"""Pruning library: criteria, masks, schedules, lottery tickets, structured removal.

FINN style: analyses (criteria, sensitivity, metrics) change nothing and return
numpy arrays or frozen dataclasses; transformations (``apply_masks``,
``remove_neurons``, ``rewind``) are small and do one thing.
"""
