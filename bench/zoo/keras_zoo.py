"""Keras peer of the model zoo (`npm run bench -- --suite zoo`): the same models as bench/zoo/models.ts.

Usage: python keras_zoo.py --model ID --samples N --epochs E [--seed S]
Protocol: after data, model and one untimed warm-up epoch it prints `ZOO_READY {...}`; then for each
stdin line `run` it trains E epochs with `fit` and prints `ZOO_REPEAT {"seconds": ..., "cpuSeconds": ...}`;
on `quit` it prints `ZOO_DONE {"maxRssBytes": ...}` (resource.getrusage ru_maxrss, kilobytes on Linux) and exits.

What is timed, the same intervals as layerwise's worker (bench/zoo/worker.ts):
- seconds: the sum of the epochs' wall time (epoch callbacks; fit's own setup excluded, as the
  worker sums `train`'s per-epoch training seconds);
- cpuSeconds: process CPU time, all threads, from the `fit` call to the last epoch's end (the worker
  measures from the `train` call to its last epoch's end, so each side pays its own per-call setup:
  for Keras the data adapter and callbacks, ~25-35 ms of CPU per call on this machine; for layerwise
  its planning and first shuffle, ~5 ms). Before session 4's second pass Keras's figure was the sum
  of per-epoch CPU only, which left out Keras's setup while layerwise's included its own.

Stated settings that differ from Keras defaults: LSTM/GRU recurrent_activation="sigmoid" (the Keras
default, written out), GRU reset_after=True (the Keras 3 default, written out; layerwise's layers.gru).
"""
import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

L = keras.layers


def l2():
    return keras.regularizers.L2(1e-4)


# id -> (input shape, target: classes or "binary", batch size, learning rate)
SHAPES = {
    "mlp": ((784,), 10, 128, 1e-3),
    "cnn": ((28, 28, 1), 10, 64, 1e-3),
    "mlp-general": ((784,), 10, 128, 1e-3),
    "mlp-binary": ((784,), "binary", 128, 1e-3),
    "cnn-bn": ((28, 28, 1), 10, 64, 1e-3),
    "conv1d": ((128, 8), 5, 64, 1e-3),
    "lstm": ((32, 16), 5, 64, 1e-3),
    "gru": ((32, 16), 5, 64, 1e-3),
    "functional-shared": ((784,), 10, 128, 1e-3),
    "tiny-mlp": ((2,), "binary", 32, 1e-2),
}


def build(name):
    shape = SHAPES[name][0]
    if name == "mlp":
        layers = [L.Dense(256, activation="relu", kernel_regularizer=l2()), L.Dense(10, activation="softmax", kernel_regularizer=l2())]
    elif name == "cnn":
        layers = [L.Conv2D(16, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dense(10, activation="softmax")]
    elif name == "mlp-general":
        layers = [
            L.Dense(256, activation="relu", kernel_regularizer=l2(), activity_regularizer=keras.regularizers.L1(1e-5)),
            L.Dropout(0.3),
            L.BatchNormalization(),
            L.Dense(128, activation="relu", kernel_regularizer=l2()),
            L.Dense(10, activation="softmax", kernel_regularizer=l2()),
        ]
    elif name == "mlp-binary":
        layers = [L.Dense(256, activation="relu", kernel_regularizer=l2()), L.Dense(1, activation="sigmoid", kernel_regularizer=l2())]
    elif name == "cnn-bn":
        layers = [
            L.Conv2D(16, 3, activation="relu", kernel_regularizer=l2()), L.BatchNormalization(), L.MaxPooling2D(2),
            L.Conv2D(32, 3, activation="relu", kernel_regularizer=l2()), L.BatchNormalization(), L.MaxPooling2D(2),
            L.Flatten(), L.Dropout(0.25), L.Dense(10, activation="softmax", kernel_regularizer=l2()),
        ]
    elif name == "conv1d":
        layers = [
            L.Conv1D(32, 5, activation="relu", kernel_regularizer=l2()), L.MaxPooling1D(2),
            L.Conv1D(32, 5, activation="relu", kernel_regularizer=l2()), L.GlobalAveragePooling1D(),
            L.Dense(5, activation="softmax", kernel_regularizer=l2()),
        ]
    elif name == "lstm":
        layers = [L.LSTM(64, recurrent_activation="sigmoid", kernel_regularizer=l2()), L.Dense(5, activation="softmax", kernel_regularizer=l2())]
    elif name == "gru":
        layers = [L.GRU(64, recurrent_activation="sigmoid", reset_after=True, kernel_regularizer=l2()), L.Dense(5, activation="softmax", kernel_regularizer=l2())]
    elif name == "functional-shared":
        inputs = keras.Input(shape)
        hidden = L.Dense(256, activation="relu", kernel_regularizer=l2())(inputs)
        shared = L.Dense(256, activation="relu", kernel_regularizer=l2(), name="shared")
        once = shared(hidden)
        twice = shared(once)
        outputs = L.Dense(10, activation="softmax", kernel_regularizer=l2())(L.Add()([once, twice]))
        return keras.Model(inputs, outputs)
    elif name == "tiny-mlp":
        layers = [
            L.Dense(16, activation="relu", kernel_regularizer=l2()), L.Dense(16, activation="relu", kernel_regularizer=l2()),
            L.Dense(1, activation="sigmoid", kernel_regularizer=l2()),
        ]
    else:
        raise SystemExit(f"unknown zoo model {name!r}; allowed: {', '.join(SHAPES)}")
    return keras.Sequential([keras.Input(shape), *layers])


class EpochTimer(keras.callbacks.Callback):
    """Per-epoch wall seconds, and the process CPU time at the last epoch's end."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self.cpu_at_last_epoch_end = None
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_at_last_epoch_end = time.process_time()


def emit(prefix, payload):
    sys.stdout.write(f"{prefix} {json.dumps(payload)}\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=list(SHAPES), required=True)
    parser.add_argument("--samples", type=int, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    shape, target, batch, learning_rate = SHAPES[args.model]
    rng = np.random.default_rng(args.seed)
    x = rng.random((args.samples, *shape), dtype=np.float32)
    if target == "binary":
        y = rng.integers(0, 2, (args.samples, 1)).astype(np.float32)
        loss = "binary_crossentropy"
    else:
        y = keras.utils.to_categorical(rng.integers(0, target, args.samples), target).astype(np.float32)
        loss = "categorical_crossentropy"
    keras.utils.set_random_seed(args.seed)
    model = build(args.model)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)

    def train(epochs):
        timer = EpochTimer()
        # CPU from the fit call (its setup included), as the layerwise worker counts from the train call.
        cpu_start = time.process_time()
        model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
        return sum(timer.seconds), timer.cpu_at_last_epoch_end - cpu_start

    train(1)
    emit("ZOO_READY", {
        "keras": keras.__version__, "tensorflow": tf.__version__, "parameters": int(model.count_params()),
        # Keras 3 resolves jit_compile="auto" to False on CPU-only machines (no XLA).
        "jit_compile": bool(getattr(model, "jit_compile", False)),
    })
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            seconds, cpu_seconds = train(args.epochs)
            emit("ZOO_REPEAT", {"seconds": seconds, "cpuSeconds": cpu_seconds})
        elif command == "quit":
            break
    emit("ZOO_DONE", {"maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})


if __name__ == "__main__":
    main()
