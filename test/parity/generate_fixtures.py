"""Generates the Keras parity fixtures in test/fixtures/keras/ from real Keras.

Run with `npm run parity:generate` (uses .venv/bin/python, or $LAYERWISE_PYTHON), with the
versions pinned in test/parity/requirements.txt (tensorflow-cpu 2.21.0, Keras 3.15.1).

Each case builds a small model in Keras, sets every weight to seeded values, and records:
  - `model`: the architecture in a neutral JSON form (Keras layer type, Keras argument names,
    regularizers as Keras configs, and the call graph), which the jest replay rebuilds with
    layerwise's layer factories;
  - `initialWeights`: every weight of every layer, in `layer.weights` order (which is also tfjs's
    order), with Keras short name, shape and float32 values;
  - `data`: inputs and targets;
  - `penalties`: `layerName.slot` -> penalty after one inference call on the whole data set.
    Weight slots are `regularizer(variable)` for each trainable regularized variable (what Keras 3's
    `layer.losses` holds for it); `layerName.activity` is the sum of the activity losses the
    layer's calls added (`layer._losses`), each already divided by the batch size. Their sum is
    checked against `sum(model.losses)`;
  - `evaluate`: `model.evaluate(x, y, batch_size)`'s loss (data loss + every penalty; with a batch
    size that does not divide the data set, the sample-weighted mean over batches) and the data loss
    alone (`keras.losses.get(loss)` on the whole set);
  - `training`: optimizer (Keras config + a neutral spec), batch size, epochs, the loss of each
    epoch from `fit` (one step per epoch when full-batch) and of each step, weights after the
    first epoch and at the end;
  - `expectedDifferences` (only when a case sets it; none does at present): intended differences
    between Keras and layerwise (id, what they affect, why). The replay knows no ids today and fails
    on any fixture that lists one, so a new difference must come with its own check.
All arithmetic is float32 on CPU with op determinism enabled; numbers are written as the shortest
decimal that reads back as the same float32.
"""

import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # Deterministic, non-fused CPU kernels.

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as kl  # noqa: E402
from keras import regularizers as kr  # noqa: E402

FORMAT_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "fixtures", "keras"))

# Keras weight short name -> the slot its regularizer argument names (`kernel_regularizer`, ...),
# which is also layerwise's `layerName.slot` key.
SLOT_OF_WEIGHT = {
    "kernel": "kernel",
    "recurrent_kernel": "recurrent",
    "depthwise_kernel": "depthwise",
    "pointwise_kernel": "pointwise",
    "embeddings": "embeddings",
    "bias": "bias",
    "gamma": "gamma",
    "beta": "beta",
}


def f32(value):
    """The shortest decimal that reads back as the same float32, as a Python float."""
    return float(repr(np.float32(value)).replace("np.float32(", "").rstrip(")"))


def tensor_json(array):
    array = np.asarray(array)
    if array.dtype.kind in "iu":
        return {"shape": list(array.shape), "dtype": "int32", "values": [int(v) for v in array.reshape(-1)]}
    return {"shape": list(array.shape), "dtype": "float32", "values": [f32(v) for v in array.reshape(-1)]}


def reg_config(regularizer):
    return None if regularizer is None else kr.serialize(regularizer)


class LayerDef:
    """One layer: Keras class, Keras constructor arguments (no regularizers), regularizers by slot."""

    def __init__(self, kind, name, args, regularizers=None, trainable=True):
        self.kind = kind
        self.name = name
        self.args = args
        self.regularizers = regularizers or {}
        self.trainable = trainable

    def build(self):
        cls = getattr(kl, self.kind)
        kwargs = dict(self.args)
        for slot, reg in self.regularizers.items():
            kwargs[slot + "_regularizer"] = reg
        layer = cls(name=self.name, **kwargs)
        layer.trainable = self.trainable
        return layer

    def to_json(self):
        return {
            "type": self.kind,
            "name": self.name,
            "args": self.args,
            "regularizers": {slot: reg_config(reg) for slot, reg in self.regularizers.items()},
            "trainable": self.trainable,
        }


def build_model(input_spec, layer_defs, calls):
    """`calls`: list of (layer name, input tensor name, output tensor name); the first input is `input`."""
    inputs = keras.Input(shape=tuple(input_spec["shape"]), dtype=input_spec["dtype"], name="input")
    built = {d.name: d.build() for d in layer_defs}
    tensors = {"input": inputs}
    for layer_name, source, target in calls:
        tensors[target] = built[layer_name](tensors[source])
    model = keras.Model(inputs, tensors[calls[-1][2]], name="model")
    return model, built


def seeded_weights(model, rng):
    """Sets every weight to seeded values: normal(0, 0.5), gamma and moving variance in [0.5, 1.5]."""
    for layer in model.layers:
        values = []
        for weight in layer.weights:
            shape = tuple(weight.shape)
            short = weight.name
            if short in ("gamma", "moving_variance"):
                value = rng.uniform(0.5, 1.5, size=shape)
            elif short == "moving_mean":
                value = rng.normal(0.0, 0.2, size=shape)
            else:
                value = rng.normal(0.0, 0.5, size=shape)
            values.append(value.astype(np.float32))
        if values:
            layer.set_weights(values)


def weights_json(model):
    out = {}
    for layer in model.layers:
        if not layer.weights:
            continue
        out[layer.name] = [
            {"name": w.name, "trainable": bool(w.trainable), **tensor_json(np.asarray(w.numpy()))} for w in layer.weights
        ]
    return out


def penalties_json(model, x):
    """Per `layerName.slot` penalties after one inference call on `x`; checks they add up to model.losses."""
    model(x, training=False)
    out = {}
    for layer in model.layers:
        for weight in layer.trainable_weights:
            regularizer = getattr(weight, "regularizer", None)
            if regularizer is None:
                continue
            slot = SLOT_OF_WEIGHT[weight.name]
            if isinstance(layer, kl.DepthwiseConv2D) and weight.name == "kernel":
                slot = "depthwise"  # Keras names the weight `kernel`, its regularizer `depthwise_regularizer`.
            key = f"{layer.name}.{slot}"
            out[key] = out.get(key, 0.0) + float(np.asarray(regularizer(weight)))
        own = [float(np.asarray(loss)) for loss in layer._losses]
        if own:
            out[f"{layer.name}.activity"] = float(np.sum(np.asarray(own, dtype=np.float32)))
    total = float(np.sum([np.asarray(loss) for loss in model.losses])) if model.losses else 0.0
    recorded = float(np.sum(list(out.values()))) if out else 0.0
    if abs(total - recorded) > 1e-5 * max(1.0, abs(total)):
        raise AssertionError(f"penalties by slot sum to {recorded}, model.losses to {total}")
    return {key: f32(value) for key, value in out.items()}, f32(total), len(model.losses)


class StepLosses(keras.callbacks.Callback):
    """Each step's loss (data + penalties, weights before the step), recovered from Keras's running
    batch-size-weighted mean `logs["loss"]`: l_k = (m_k * S_k - m_(k-1) * S_(k-1)) / n_k."""

    def __init__(self, samples, batch):
        super().__init__()
        self.samples = samples
        self.batch = batch
        self.losses = []

    def on_epoch_begin(self, epoch, logs=None):
        self.previous_mean = 0.0
        self.previous_count = 0

    def on_train_batch_end(self, batch, logs=None):
        size = min(self.batch, self.samples - batch * self.batch)
        count = self.previous_count + size
        mean = float(logs["loss"])
        self.losses.append((mean * count - self.previous_mean * self.previous_count) / size)
        self.previous_mean, self.previous_count = mean, count


def make_optimizer(spec):
    name = spec["name"]
    wd = spec.get("weightDecay")
    if name == "sgd":
        opt = keras.optimizers.SGD(learning_rate=spec["learningRate"], weight_decay=wd)
    elif name == "momentum":
        opt = keras.optimizers.SGD(learning_rate=spec["learningRate"], momentum=spec["momentum"], nesterov=spec.get("nesterov", False), weight_decay=wd)
    elif name == "adam":
        opt = keras.optimizers.Adam(learning_rate=spec["learningRate"], beta_1=spec["beta1"], beta_2=spec["beta2"], epsilon=spec["epsilon"], weight_decay=wd)
    elif name == "adamw":
        opt = keras.optimizers.AdamW(learning_rate=spec["learningRate"], beta_1=spec["beta1"], beta_2=spec["beta2"], epsilon=spec["epsilon"], weight_decay=wd)
    else:
        raise ValueError(name)
    if spec.get("excludeFromWeightDecay"):
        opt.exclude_from_weight_decay(var_names=spec["excludeFromWeightDecay"])
    return opt


def optimizer_config_json(opt):
    config = opt.get_config()
    # Not "name": Keras numbers it per process (adam, adam_1, ...), which would make regeneration noisy.
    keep = ("learning_rate", "weight_decay", "momentum", "nesterov", "beta_1", "beta_2", "epsilon", "amsgrad")
    out = {}
    for key in keep:
        if key in config:
            value = config[key]
            out[key] = f32(value) if isinstance(value, (float, np.floating)) else value
    out["class_name"] = type(opt).__name__
    return out


def make_data(rng, input_spec, output_units, samples):
    shape = (samples, *input_spec["shape"])
    if input_spec["dtype"] == "int32":
        x = rng.integers(0, input_spec["vocabulary"], size=shape).astype(np.int32)
    else:
        x = rng.normal(0.0, 1.0, size=shape).astype(np.float32)
    y = rng.normal(0.0, 1.0, size=(samples, output_units)).astype(np.float32)
    return x, y


def run_case(case, versions):
    keras.utils.set_random_seed(case.get("seed", 1234))
    rng = np.random.default_rng(case.get("seed", 1234))
    input_spec = case["input"]
    layer_defs = case["layers"]
    calls = case.get("calls") or chain_calls(layer_defs)
    samples = case.get("samples", 8)
    loss_name = case.get("loss", "mse")

    model, _ = build_model(input_spec, layer_defs, calls)
    seeded_weights(model, rng)
    output_units = int(model.outputs[0].shape[-1])
    x, y = make_data(rng, input_spec, output_units, samples)

    fixture = {
        "format": FORMAT_VERSION,
        "name": case["name"],
        "description": case["description"],
        "versions": versions,
        "model": {
            "input": input_spec,
            "layers": [d.to_json() for d in layer_defs],
            "calls": [{"layer": l, "input": s, "output": t} for l, s, t in calls],
            "output": calls[-1][2],
        },
        "loss": loss_name,
        "initialWeights": weights_json(model),
        "data": {"x": tensor_json(x), "y": tensor_json(y)},
    }

    if case.get("expectError"):
        # The error happens when Keras computes the penalty (e.g. OrthogonalRegularizer on a rank-1 bias).
        try:
            penalties_json(model, x)
        except Exception as error:  # noqa: BLE001 - recorded, then asserted in the replay
            fixture["expectedError"] = {"type": type(error).__name__, "message": str(error), "where": case["expectError"]}
        else:
            raise AssertionError(f"{case['name']}: Keras did not raise")
        return fixture

    penalties, total, count = penalties_json(model, x)
    eval_batch = case.get("evalBatchSize", samples)
    # Eager: OrthogonalRegularizer as an activity regularizer fails to trace with a None batch
    # dimension in Keras 3.15 (ops.eye(None)); eager runs the same float32 kernels.
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss=loss_name, run_eagerly=True)
    evaluate_loss = model.evaluate(x, y, batch_size=eval_batch, verbose=0)
    data_loss = float(np.asarray(keras.losses.get(loss_name)(y, model(x, training=False))).mean())
    fixture["penalties"] = penalties
    fixture["penaltyTotal"] = total
    fixture["kerasLossCount"] = count
    fixture["evaluate"] = {"batchSize": eval_batch, "loss": f32(evaluate_loss), "dataLoss": f32(data_loss)}

    training = case.get("training", {"optimizer": {"name": "sgd", "learningRate": 0.05}})
    if training is not None:
        opt = make_optimizer(training["optimizer"])
        model.compile(optimizer=opt, loss=loss_name, run_eagerly=True)
        epochs = training.get("epochs", 10)
        batch = training.get("batchSize", samples)
        steps = StepLosses(samples, batch)
        first = model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0, callbacks=[steps])
        after_first = weights_json(model)
        rest = model.fit(x, y, batch_size=batch, epochs=epochs - 1, shuffle=False, verbose=0, callbacks=[steps]) if epochs > 1 else None
        losses = list(first.history["loss"]) + (list(rest.history["loss"]) if rest else [])
        fixture["training"] = {
            "optimizer": training["optimizer"],
            "kerasOptimizer": optimizer_config_json(opt),
            "batchSize": batch,
            "epochs": epochs,
            "stepsPerEpoch": int(np.ceil(samples / batch)),
            "shuffle": False,
            "epochLosses": [f32(v) for v in losses],
            "stepLosses": [f32(v) for v in steps.losses],
            "weightsAfterFirstEpoch": after_first,
            "finalWeights": weights_json(model),
        }
    differences = list(case.get("expectedDifferences", []))
    if differences:
        fixture["expectedDifferences"] = differences
    return fixture


def chain_calls(layer_defs):
    calls = []
    source = "input"
    for index, d in enumerate(layer_defs):
        target = f"t{index}"
        calls.append((d.name, source, target))
        source = target
    return calls


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------

def head(units=1):
    return LayerDef("Dense", "head", {"units": units})


def flatten():
    return LayerDef("Flatten", "flatten", {})


def dense_input(features=4):
    return {"shape": [features], "dtype": "float32"}


SGD = {"name": "sgd", "learningRate": 0.05}
MOMENTUM = {"name": "momentum", "learningRate": 0.05, "momentum": 0.9, "nesterov": False}
ADAM = {"name": "adam", "learningRate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}


def cases():
    out = []
    # Dense with each regularizer type on kernel, bias and output (different coefficients per slot).
    for tag, make in [
        ("l1", lambda c: kr.L1(c)),
        ("l2", lambda c: kr.L2(c)),
        ("l1l2", lambda c: kr.L1L2(l1=c, l2=c / 2)),
    ]:
        out.append({
            "name": f"dense_{tag}_kernel_bias_activity",
            "description": f"Dense(3, tanh) with {tag} kernel (0.02), bias (0.01) and activity (0.03) regularizers, then Dense(1); MSE; SGD 0.05, 10 full-batch steps.",
            "input": dense_input(),
            "layers": [
                LayerDef("Dense", "dense", {"units": 3, "activation": "tanh"}, {"kernel": make(0.02), "bias": make(0.01), "activity": make(0.03)}),
                head(),
            ],
        })
        for slot in ("kernel", "bias", "activity"):
            out.append({
                "name": f"dense_{tag}_{slot}_only",
                "description": f"Dense(3, tanh) with only a {tag}(0.05) {slot} regularizer, then Dense(1); MSE; SGD 0.05, 10 full-batch steps.",
                "input": dense_input(),
                "layers": [LayerDef("Dense", "dense", {"units": 3, "activation": "tanh"}, {slot: make(0.05)}), head()],
            })
    for mode in ("rows", "columns"):
        out.append({
            "name": f"dense_orthogonal_{mode}_kernel_activity",
            "description": f"Dense(3, tanh) with OrthogonalRegularizer(0.1, {mode}) on kernel and OrthogonalRegularizer(0.05, {mode}) on the (batch x units) output; SGD 0.05, 10 steps.",
            "input": dense_input(),
            "layers": [
                LayerDef("Dense", "dense", {"units": 3, "activation": "tanh"}, {"kernel": kr.OrthogonalRegularizer(0.1, mode), "activity": kr.OrthogonalRegularizer(0.05, mode)}),
                head(),
            ],
        })
    out.append({
        "name": "dense_orthogonal_bias_error",
        "description": "OrthogonalRegularizer as a bias regularizer: Keras raises because the bias has rank 1; layerwise must refuse too.",
        "input": dense_input(),
        "layers": [LayerDef("Dense", "dense", {"units": 3}, {"bias": kr.OrthogonalRegularizer(0.1)}), head()],
        "expectError": "dense.bias",
    })
    # Other layer types, each slot with a different regularizer.
    out.append({
        "name": "conv1d_regularizers",
        "description": "Conv1D(3, 2, tanh) with L2 kernel, L1 bias, L1L2 activity; Flatten; Dense(1); SGD 0.05.",
        "input": {"shape": [5, 2], "dtype": "float32"},
        "samples": 6,
        "layers": [
            LayerDef("Conv1D", "conv", {"filters": 3, "kernel_size": 2, "activation": "tanh"}, {"kernel": kr.L2(0.02), "bias": kr.L1(0.01), "activity": kr.L1L2(0.01, 0.02)}),
            flatten(), head(),
        ],
    })
    out.append({
        "name": "conv2d_regularizers",
        "description": "Conv2D(2, 2, tanh) with L1L2 kernel, L2 bias, L1 activity; Flatten; Dense(1); SGD 0.05.",
        "input": {"shape": [4, 4, 2], "dtype": "float32"},
        "samples": 6,
        "layers": [
            LayerDef("Conv2D", "conv", {"filters": 2, "kernel_size": 2, "activation": "tanh"}, {"kernel": kr.L1L2(0.01, 0.02), "bias": kr.L2(0.03), "activity": kr.L1(0.01)}),
            flatten(), head(),
        ],
    })
    out.append({
        "name": "depthwise_conv2d_regularizers",
        "description": "DepthwiseConv2D(2, depth_multiplier 2, tanh) with L1 depthwise, L2 bias, L2 activity; Flatten; Dense(1); SGD 0.05.",
        "input": {"shape": [4, 4, 2], "dtype": "float32"},
        "samples": 6,
        "layers": [
            LayerDef("DepthwiseConv2D", "depthwise", {"kernel_size": 2, "depth_multiplier": 2, "activation": "tanh"}, {"depthwise": kr.L1(0.02), "bias": kr.L2(0.03), "activity": kr.L2(0.01)}),
            flatten(), head(),
        ],
    })
    out.append({
        "name": "separable_conv2d_regularizers",
        "description": "SeparableConv2D(3, 2, tanh) with L2 depthwise, L1 pointwise, L1L2 bias, L1 activity; Flatten; Dense(1); SGD 0.05.",
        "input": {"shape": [4, 4, 2], "dtype": "float32"},
        "samples": 6,
        "layers": [
            LayerDef("SeparableConv2D", "separable", {"filters": 3, "kernel_size": 2, "activation": "tanh"}, {"depthwise": kr.L2(0.02), "pointwise": kr.L1(0.01), "bias": kr.L1L2(0.01, 0.01), "activity": kr.L1(0.02)}),
            flatten(), head(),
        ],
    })
    out.append({
        "name": "embedding_regularizers",
        "description": "Embedding(6, 3) with OrthogonalRegularizer(0.1, rows) on the embeddings matrix and L2 activity on the (batch, 3, 3) output; Flatten; Dense(1); SGD 0.05.",
        "input": {"shape": [3], "dtype": "int32", "vocabulary": 6},
        "layers": [
            LayerDef("Embedding", "embedding", {"input_dim": 6, "output_dim": 3}, {"embeddings": kr.OrthogonalRegularizer(0.1, "rows"), "activity": kr.L2(0.02)}),
            flatten(), head(),
        ],
    })
    out.append({
        "name": "embedding_l1_l2",
        "description": "Embedding(6, 3) with L1L2(0.01, 0.03) on the embeddings matrix (the whole matrix is penalised every step); Flatten; Dense(1); SGD 0.05.",
        "input": {"shape": [3], "dtype": "int32", "vocabulary": 6},
        "layers": [LayerDef("Embedding", "embedding", {"input_dim": 6, "output_dim": 3}, {"embeddings": kr.L1L2(0.01, 0.03)}), flatten(), head()],
    })
    out.append({
        "name": "lstm_regularizers",
        "description": "LSTM(3) (tanh/sigmoid) with L2 kernel, OrthogonalRegularizer(0.1, columns) recurrent, L1 bias, L2 activity; Dense(1); SGD 0.05.",
        "input": {"shape": [3, 2], "dtype": "float32"},
        "samples": 6,
        "layers": [
            LayerDef("LSTM", "lstm", {"units": 3, "activation": "tanh", "recurrent_activation": "sigmoid"},
                     {"kernel": kr.L2(0.02), "recurrent": kr.OrthogonalRegularizer(0.1, "columns"), "bias": kr.L1(0.01), "activity": kr.L2(0.02)}),
            head(),
        ],
    })
    out.append({
        "name": "gru_regularizers",
        "description": "GRU(3, reset_after=False, the variant tfjs implements) with L1L2 kernel, L2 recurrent, L1 bias, L1 activity; Dense(1); SGD 0.05.",
        "input": {"shape": [3, 2], "dtype": "float32"},
        "samples": 6,
        "layers": [
            LayerDef("GRU", "gru", {"units": 3, "activation": "tanh", "recurrent_activation": "sigmoid", "reset_after": False},
                     {"kernel": kr.L1L2(0.01, 0.01), "recurrent": kr.L2(0.02), "bias": kr.L1(0.01), "activity": kr.L1(0.01)}),
            head(),
        ],
    })
    out.append({
        "name": "batch_normalization_gamma_beta",
        "description": "Dense(3) -> BatchNormalization with L2 gamma, L1 beta, L1L2 activity -> Dense(1). Training uses batch statistics and updates the moving ones (momentum 0.99, biased variance in both); evaluate uses the moving statistics. SGD 0.05.",
        "input": dense_input(),
        "layers": [
            LayerDef("Dense", "dense", {"units": 3}),
            LayerDef("BatchNormalization", "batchnorm", {"momentum": 0.99, "epsilon": 0.001}, {"gamma": kr.L2(0.05), "beta": kr.L1(0.02), "activity": kr.L1L2(0.01, 0.01)}),
            head(),
        ],
    })
    # A layer shared twice: weight penalties once, activity penalties once per call.
    out.append({
        "name": "shared_dense_twice",
        "description": "Functional model calling one Dense(4, tanh) twice (L2 kernel, L1 bias, L2 activity): weight penalties count once, the activity penalty once per call; then Dense(1). SGD 0.05.",
        "input": dense_input(),
        "layers": [
            LayerDef("Dense", "shared", {"units": 4, "activation": "tanh"}, {"kernel": kr.L2(0.02), "bias": kr.L1(0.01), "activity": kr.L2(0.03)}),
            head(),
        ],
        "calls": [("shared", "input", "h1"), ("shared", "h1", "h2"), ("head", "h2", "out")],
    })
    # Frozen layer: Keras 3 does not penalise non-trainable weights (layerwise's default too).
    out.append({
        "name": "frozen_dense_not_penalised",
        "description": "Dense(3, tanh, trainable=False) with L2 kernel and bias: Keras 3 skips penalties of frozen weights (tfjs and tf.keras keep them in the loss); then a trainable Dense(1) with L2 kernel. SGD 0.05.",
        "input": dense_input(),
        "layers": [
            LayerDef("Dense", "frozen", {"units": 3, "activation": "tanh"}, {"kernel": kr.L2(0.5), "bias": kr.L2(0.5)}, trainable=False),
            LayerDef("Dense", "head", {"units": 1}, {"kernel": kr.L2(0.02)}),
        ],
    })
    # Activity regularization with a batch size that does not divide the data set.
    for tag, reg in [("l2", kr.L2(0.05)), ("orthogonal", kr.OrthogonalRegularizer(0.2, "rows"))]:
        out.append({
            "name": f"activity_{tag}_partial_batches",
            "description": f"Dense(3, tanh) with {tag} activity regularizer; 10 samples, batch 4 (4 + 4 + 2) for evaluate and for 2 epochs of SGD 0.05 without shuffling. Keras divides each batch's activity penalty by that batch's size and averages batches weighted by size.",
            "input": dense_input(),
            "samples": 10,
            "evalBatchSize": 4,
            "layers": [LayerDef("Dense", "dense", {"units": 3, "activation": "tanh"}, {"kernel": kr.L2(0.01), "activity": reg}), head()],
            "training": {"optimizer": SGD, "batchSize": 4, "epochs": 2},
        })
    # Optimizers: 10 full-batch steps on the same model.
    base_layers = lambda: [  # noqa: E731
        LayerDef("Dense", "dense", {"units": 4, "activation": "tanh"}, {"kernel": kr.L2(0.02), "bias": kr.L1(0.01)}),
        head(),
    ]
    out.append({"name": "optimizer_sgd", "description": "Dense(4, tanh, L2 kernel, L1 bias) -> Dense(1); SGD(0.05), 10 full-batch steps.", "input": dense_input(), "layers": base_layers(), "training": {"optimizer": SGD}})
    out.append({"name": "optimizer_momentum", "description": "Same model; SGD(0.05, momentum 0.9), 10 full-batch steps. Keras m = 0.9 m - lr g, w += m equals tfjs accum = 0.9 accum + g, w -= lr accum at constant lr.", "input": dense_input(), "layers": base_layers(), "training": {"optimizer": MOMENTUM}})
    out.append({
        "name": "optimizer_adam",
        "description": "Same model; Adam(0.01, 0.9, 0.999, eps 1e-7), 10 full-batch steps. Keras applies eps outside the bias correction (lr_t = lr sqrt(1-b2^t)/(1-b1^t); w -= lr_t m / (sqrt(v) + eps)), and so does layerwise's LeanAdam (tfjs's Adam puts it inside: w -= lr m_hat / (sqrt(v_hat) + eps)).",
        "input": dense_input(), "layers": base_layers(), "training": {"optimizer": ADAM},
    })
    out.append({"name": "optimizer_adam_no_regularizer", "description": "Dense(4, tanh) -> Dense(1) without regularizers; Adam(0.01), 10 full-batch steps: the optimizer alone.", "input": dense_input(), "layers": [LayerDef("Dense", "dense", {"units": 4, "activation": "tanh"}), head()], "training": {"optimizer": ADAM}})
    # Decoupled weight decay (Keras 3 `weight_decay`), biases excluded.
    out.append({
        "name": "weight_decay_sgd",
        "description": "Dense(4, tanh) -> Dense(1), no regularizers; SGD(0.05, weight_decay=0.1) with exclude_from_weight_decay(var_names=['bias']): w <- w - lr*wd*w on kernels, then the SGD update. Replayed with layerwise train(weightDecay: 0.1), which decays kernels only.",
        "input": dense_input(),
        "layers": [LayerDef("Dense", "dense", {"units": 4, "activation": "tanh"}), head()],
        "training": {"optimizer": {**SGD, "weightDecay": 0.1, "excludeFromWeightDecay": ["bias"]}},
    })
    out.append({
        "name": "weight_decay_adamw",
        "description": "Dense(4, tanh, L2 kernel 0.01) -> Dense(1); AdamW(0.01, weight_decay=0.05) with biases excluded; 10 full-batch steps. The L2 penalty is in the loss, the decay is not.",
        "input": dense_input(),
        "layers": [LayerDef("Dense", "dense", {"units": 4, "activation": "tanh"}, {"kernel": kr.L2(0.01)}), head()],
        "training": {"optimizer": {"name": "adamw", "learningRate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7, "weightDecay": 0.05, "excludeFromWeightDecay": ["bias"]}},
    })
    return out


def main():
    tf.config.experimental.enable_op_determinism()
    versions = {
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(sys.argv[1:])
    written = []
    for case in cases():
        if only and case["name"] not in only:
            continue
        fixture = run_case(case, versions)
        path = os.path.join(OUT_DIR, case["name"] + ".json")
        with open(path, "w") as handle:
            json.dump(fixture, handle, separators=(",", ":"))
            handle.write("\n")
        written.append((case["name"], os.path.getsize(path)))
    for name, size in written:
        print(f"{size:7d}  {name}")
    print(f"{sum(size for _, size in written):7d}  total ({len(written)} fixtures in {os.path.relpath(OUT_DIR)})")


if __name__ == "__main__":
    main()
