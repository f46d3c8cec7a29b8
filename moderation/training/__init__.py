"""Training code for the embedded models (training-only deps: the ``train`` extra)."""
