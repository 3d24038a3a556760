"""Keras reference for `npm run bench`: the same two models, trained with Keras 3 `fit` on TF CPU.

Usage: python keras_bench.py --model mlp|cnn --samples N --warmup-epochs W --timed-epochs T [--seed S]
Prints one JSON object on the last stdout line:
  {"model", "samples", "batch_size", "epoch_seconds": [...], "keras", "tensorflow", "jit_compile"}
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

BATCH = {"mlp": 128, "cnn": 64}


def build(name):
    if name == "mlp":
        model = keras.Sequential([
            keras.Input((784,)),
            keras.layers.Dense(256, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4)),
            keras.layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.L2(1e-4)),
        ])
    else:
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    return model


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn"], required=True)
    parser.add_argument("--samples", type=int, required=True)
    parser.add_argument("--warmup-epochs", type=int, default=1)
    parser.add_argument("--timed-epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    shape = (784,) if args.model == "mlp" else (28, 28, 1)
    x = rng.random((args.samples, *shape), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, args.samples), 10).astype(np.float32)
    keras.utils.set_random_seed(args.seed)

    model = build(args.model)
    timer = EpochTimer()
    model.fit(x, y, batch_size=BATCH[args.model], epochs=args.warmup_epochs + args.timed_epochs,
              shuffle=True, verbose=0, callbacks=[timer])
    result = {
        "model": args.model,
        "samples": args.samples,
        "batch_size": BATCH[args.model],
        "epoch_seconds": timer.seconds[args.warmup_epochs:],
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        # Keras 3 resolves jit_compile="auto" to False on CPU-only machines (no XLA).
        "jit_compile": bool(getattr(model, "jit_compile", False)),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
