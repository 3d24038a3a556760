"""Generates test/fixtures/keras-defaults/defaults-optimizers.json from real Keras 3 (tensorflow-cpu 2.21.0,
Keras 3.15.1; `npm run parity:generate` runs it with the main generator, or run it directly with
.venv/bin/python). Read by test/layers/keras-defaults.test.ts and test/optimizers/keras-optimizers.test.ts.

Sections:
  - `recurrent`: LSTM, GRU and ConvLSTM2D built with Keras 3's defaults (recurrent_activation
    sigmoid, GRU reset_after=True, unit_forget_bias=True), every weight set to seeded values, and
    their predictions and MSE loss on seeded data; `initialBias` is the bias a freshly built layer
    gets from its default initializers (deterministic: zeros, with ones for the LSTM forget gate).
  - `recurrentTraining`: LSTM(3) / GRU(3) with Keras defaults, then Dense(1), seeded weights,
    trained with Adam(0.01) on MSE for 5 full-batch `fit` steps: epoch losses and final weights.
  - `initializers`: per layer type, the default kernel initializer's Keras class, the kernel shape,
    the Glorot-uniform bound sqrt(6 / (fan_in + fan_out)) and the standard deviation of Keras's own
    sample (bound / sqrt(3) for a uniform).
  - `optimizers`: a seeded Dense(4, tanh) -> Dense(2) model, MSE, trained with `fit` full-batch
    (one step per epoch, no shuffling) for 5 epochs with each optimizer; the weights at the end.
  - `schedules`: each learning-rate schedule's value at steps 0..23.
Everything is float32 on CPU with op determinism; numbers are written as the shortest decimal that
reads back as the same float32.
"""

import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as kl  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "keras-defaults", "defaults-optimizers.json"))


def f32(value):
    return float(repr(np.float32(value)).replace("np.float32(", "").rstrip(")"))


def tensor_json(array):
    array = np.asarray(array, dtype=np.float32)
    return {"shape": list(array.shape), "values": [f32(v) for v in array.reshape(-1)]}


def seeded_like(rng, weights):
    return [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in weights]


def recurrent_cases(rng):
    cases = []
    specs = [
        ("lstm", lambda: kl.LSTM(3), (4, 5, 2), {"units": 3}),
        ("gru", lambda: kl.GRU(3), (4, 5, 2), {"units": 3}),
        ("convLstm2d", lambda: kl.ConvLSTM2D(2, 2), (2, 3, 4, 4, 1), {"filters": 2, "kernelSize": 2}),
    ]
    for factory_name, make, input_shape, args in specs:
        layer = make()
        inputs = keras.Input(shape=input_shape[1:], batch_size=input_shape[0])
        model = keras.Model(inputs, layer(inputs))
        initial_bias = [w for w in layer.weights if w.name == "bias"][0].numpy()
        weights = seeded_like(rng, layer.get_weights())
        layer.set_weights(weights)
        x = rng.uniform(-1, 1, size=input_shape).astype(np.float32)
        prediction = model(x, training=False).numpy()
        y = rng.uniform(-1, 1, size=prediction.shape).astype(np.float32)
        loss = float(keras.losses.MeanSquaredError()(y, prediction))
        cases.append({
            "factory": factory_name,
            "kerasClass": type(layer).__name__,
            "args": args,
            "kerasConfig": {k: v for k, v in layer.get_config().items() if k in ("recurrent_activation", "reset_after", "unit_forget_bias")},
            "initialBias": tensor_json(initial_bias),
            "weights": [dict(name=w.name, **tensor_json(v)) for w, v in zip(layer.weights, weights)],
            "x": tensor_json(x),
            "y": tensor_json(y),
            "prediction": tensor_json(prediction),
            "loss": f32(loss),
        })
    return cases


def recurrent_training_cases(rng):
    """LSTM / GRU with Keras defaults, then Dense(1); Adam(0.01), MSE, 5 full-batch fit steps."""
    cases = []
    for factory_name, make in (("lstm", lambda: kl.LSTM(3)), ("gru", lambda: kl.GRU(3))):
        inputs = keras.Input(shape=(5, 2))
        model = keras.Model(inputs, kl.Dense(1)(make()(inputs)))
        weights = seeded_like(rng, model.get_weights())
        model.set_weights(weights)
        x = rng.uniform(-1, 1, size=(8, 5, 2)).astype(np.float32)
        y = rng.uniform(-1, 1, size=(8, 1)).astype(np.float32)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
        history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)
        cases.append({
            "factory": factory_name,
            "args": {"units": 3},
            "initialWeights": [tensor_json(w) for w in weights],
            "x": tensor_json(x),
            "y": tensor_json(y),
            "losses": [f32(v) for v in history.history["loss"]],
            "finalWeights": [tensor_json(w) for w in model.get_weights()],
        })
    return cases


def initializer_cases(rng):
    keras.utils.set_random_seed(7)
    specs = [
        ("dense", lambda: kl.Dense(64), (1, 64), {"units": 64}, "kernel"),
        ("conv1d", lambda: kl.Conv1D(32, 3), (1, 8, 16), {"filters": 32, "kernelSize": 3}, "kernel"),
        ("conv2d", lambda: kl.Conv2D(16, 3), (1, 6, 6, 8), {"filters": 16, "kernelSize": 3}, "kernel"),
        ("conv3d", lambda: kl.Conv3D(8, 2), (1, 3, 3, 3, 8), {"filters": 8, "kernelSize": 2}, "kernel"),
        ("conv2dTranspose", lambda: kl.Conv2DTranspose(16, 3), (1, 4, 4, 8), {"filters": 16, "kernelSize": 3}, "kernel"),
        ("depthwiseConv2d", lambda: kl.DepthwiseConv2D(3), (1, 6, 6, 32), {"kernelSize": 3}, "kernel"),
        ("simpleRNN", lambda: kl.SimpleRNN(32), (1, 2, 32), {"units": 32}, "kernel"),
        ("lstm", lambda: kl.LSTM(16), (1, 2, 32), {"units": 16}, "kernel"),
        ("gru", lambda: kl.GRU(16), (1, 2, 32), {"units": 16}, "kernel"),
        ("convLstm2d", lambda: kl.ConvLSTM2D(8, 3), (1, 2, 5, 5, 8), {"filters": 8, "kernelSize": 3}, "kernel"),
    ]
    cases = []
    for factory_name, make, input_shape, args, weight_name in specs:
        layer = make()
        layer.build(input_shape)
        kernel = [w for w in layer.weights if w.name == weight_name][0]
        config = layer.get_config()
        init_key = "depthwise_initializer" if "depthwise_initializer" in config else "kernel_initializer"
        shape = list(kernel.shape)
        # keras.src.initializers.random_initializers.compute_fans
        receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
        values = kernel.numpy().reshape(-1)
        cases.append({
            "factory": factory_name,
            "args": args,
            "inputShape": list(input_shape[1:]),
            "initializer": config[init_key]["class_name"],
            "kernelShape": shape,
            "limit": f32(math.sqrt(6.0 / (fan_in + fan_out))),
            "kerasMaxAbs": f32(np.max(np.abs(values))),
            "kerasStd": f32(np.std(values)),
        })
    return cases


def schedule_of(spec):
    kind = spec["kind"]
    if kind == "exponentialDecay":
        return keras.optimizers.schedules.ExponentialDecay(spec["initialLearningRate"], spec["decaySteps"], spec["decayRate"], staircase=spec.get("staircase", False))
    if kind == "cosineDecay":
        return keras.optimizers.schedules.CosineDecay(spec["initialLearningRate"], spec["decaySteps"], alpha=spec.get("alpha", 0.0), warmup_target=spec.get("warmupTarget"), warmup_steps=spec.get("warmupSteps", 0))
    if kind == "piecewiseConstant":
        return keras.optimizers.schedules.PiecewiseConstantDecay(spec["boundaries"], spec["values"])
    raise ValueError(kind)


def keras_optimizer(spec):
    lr = spec.get("learningRate", None)
    lr = schedule_of(lr) if isinstance(lr, dict) else lr
    name = spec["name"]
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate=lr, momentum=spec.get("momentum", 0.9), nesterov=spec.get("nesterov", False))
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=lr, amsgrad=spec.get("amsgrad", False))
    if name == "adamw":
        return keras.optimizers.AdamW(learning_rate=lr, amsgrad=spec.get("amsgrad", False), **({"weight_decay": spec["weightDecay"]} if "weightDecay" in spec else {}))
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr, momentum=spec.get("momentum", 0.0), centered=spec.get("centered", False))
    if name == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=lr)
    raise ValueError(name)


OPTIMIZER_SPECS = [
    {"name": "sgd", "learningRate": 0.1},
    {"name": "momentum", "learningRate": 0.05, "momentum": 0.9},
    {"name": "momentum", "learningRate": 0.05, "momentum": 0.9, "nesterov": True},
    {"name": "adam", "learningRate": 0.01},
    {"name": "adamw", "learningRate": 0.01},
    {"name": "adamw", "learningRate": 0.01, "weightDecay": 0.5},
    {"name": "adam", "learningRate": 0.05, "amsgrad": True},
    {"name": "adamw", "learningRate": 0.05, "amsgrad": True},
    {"name": "rmsprop", "learningRate": 0.01},
    {"name": "rmsprop", "learningRate": 0.01, "momentum": 0.5, "centered": True},
    {"name": "adagrad", "learningRate": 0.1},
    {"name": "adam", "learningRate": {"kind": "exponentialDecay", "initialLearningRate": 0.02, "decaySteps": 2, "decayRate": 0.5}},
    {"name": "adamw", "learningRate": {"kind": "cosineDecay", "initialLearningRate": 0.0, "decaySteps": 3, "warmupTarget": 0.02, "warmupSteps": 2}},
    {"name": "sgd", "learningRate": {"kind": "piecewiseConstant", "boundaries": [1, 3], "values": [0.1, 0.05, 0.01]}},
]

SCHEDULE_SPECS = [
    {"kind": "exponentialDecay", "initialLearningRate": 0.1, "decaySteps": 4, "decayRate": 0.5},
    {"kind": "exponentialDecay", "initialLearningRate": 0.1, "decaySteps": 4, "decayRate": 0.5, "staircase": True},
    {"kind": "cosineDecay", "initialLearningRate": 0.1, "decaySteps": 10},
    {"kind": "cosineDecay", "initialLearningRate": 0.1, "decaySteps": 10, "alpha": 0.1},
    {"kind": "cosineDecay", "initialLearningRate": 0.0, "decaySteps": 10, "warmupTarget": 0.1, "warmupSteps": 5},
    {"kind": "piecewiseConstant", "boundaries": [3, 7], "values": [0.1, 0.01, 0.001]},
]


def optimizer_cases(rng):
    x = rng.uniform(-1, 1, size=(8, 3)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(8, 2)).astype(np.float32)
    inputs = keras.Input(shape=(3,))
    probe = keras.Model(inputs, kl.Dense(2)(kl.Dense(4, activation="tanh")(inputs)))
    initial = seeded_like(rng, probe.get_weights())
    cases = []
    for spec in OPTIMIZER_SPECS:
        inputs = keras.Input(shape=(3,))
        model = keras.Model(inputs, kl.Dense(2, name="out")(kl.Dense(4, activation="tanh", name="hidden")(inputs)))
        model.set_weights(initial)
        model.compile(optimizer=keras_optimizer(spec), loss="mse")
        history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)
        cases.append({
            "spec": spec,
            "losses": [f32(v) for v in history.history["loss"]],
            "finalWeights": [tensor_json(w) for w in model.get_weights()],
        })
    return {"x": tensor_json(x), "y": tensor_json(y), "initialWeights": [tensor_json(w) for w in initial], "epochs": 5, "cases": cases}


def schedule_cases():
    cases = []
    for spec in SCHEDULE_SPECS:
        schedule = schedule_of(spec)
        cases.append({"spec": spec, "values": [f32(float(schedule(step))) for step in range(24)]})
    return cases


def main():
    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(20261201)
    rng = np.random.default_rng(20261201)
    fixture = {
        "generator": "test/parity/generate_defaults_optimizers.py",
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "python": sys.version.split()[0]},
        "recurrent": recurrent_cases(rng),
        "recurrentTraining": recurrent_training_cases(rng),
        "initializers": initializer_cases(rng),
        "optimizers": optimizer_cases(rng),
        "schedules": schedule_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as handle:
        json.dump(fixture, handle, separators=(",", ":"))
        handle.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
