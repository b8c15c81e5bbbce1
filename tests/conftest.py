import os

# Quiet TensorFlow before any test imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
