"""One arm of a sweep done the usual Python way, the peer of `layerwise sweep` in bench/sweep/main-job.ts:
Optuna (TPE, seeded) with a JournalStorage file, each trial trains one Keras 3 model per seed and
returns the mean final validation loss. bench/sweep/main-job.ts starts one process per arm, both at
once (as `--workers 2` does for layerwise), on the same journal file (one study per arm).

Usage:
  python optuna_keras.py --journal FILE --study NAME --arm uniform|per-layer --trials N --seeds 1,2,3
      --data moons:samples=300,noise=0.3,seed=7 | --data csv:/path/file.csv
      --hidden 16,16 --outputs 1 --epochs 60 --batch 32 --lr 0.01 --low 1e-5 --high 1e-1
      [--validation 0.3 --test 0.3 --split-seed 0] [--standardize]
Environment: BENCH_TF_THREADS (TensorFlow intra- and inter-op threads, default 1).
Prints one JSON object on the last stdout line: trials, trainings, seconds after imports, versions.

What each training does (the same work as a layerwise `train` trial, stated where it differs):
  - the 2-16-16-1 / 20-64-32-16-3 MLP (ReLU; sigmoid + binary cross-entropy for 1 output, softmax +
    categorical cross-entropy otherwise), L2 on the kernels: one coefficient (uniform arm) or one per
    Dense layer (per-layer arm), log-uniform in [low, high];
  - Adam(lr), batch size, epochs, shuffled each epoch; validation loss every epoch (fit's
    validation_data), test loss once at the end. layerwise also measures the training split every
    epoch (an extra inference pass Keras does not make).
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

started_imports = time.perf_counter()
import numpy as np  # noqa: E402
import optuna  # noqa: E402
from optuna.storages import JournalStorage  # noqa: E402
from optuna.storages.journal import JournalFileBackend  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import_seconds = time.perf_counter() - started_imports
# One intra-op thread per process (--threads), as layerwise's pool workers use: two processes share two cores.
THREADS = int(os.environ.get("BENCH_TF_THREADS", "1"))
tf.config.threading.set_intra_op_parallelism_threads(THREADS)
tf.config.threading.set_inter_op_parallelism_threads(THREADS)


def make_moons(samples, noise, seed):
    """scikit-learn's make_moons algorithm (sklearn is not installed here): two interleaved half circles plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    outer = samples // 2
    inner = samples - outer
    outer_angle = np.linspace(0, np.pi, outer)
    inner_angle = np.linspace(0, np.pi, inner)
    x = np.concatenate([
        np.stack([np.cos(outer_angle), np.sin(outer_angle)], 1),
        np.stack([1 - np.cos(inner_angle), 1 - np.sin(inner_angle) - 0.5], 1),
    ]).astype(np.float32)
    y = np.concatenate([np.zeros(outer), np.ones(inner)]).astype(np.int64)
    x += rng.normal(0, noise, x.shape).astype(np.float32)
    return x, y


def load(spec):
    if spec.startswith("moons"):
        params = dict(pair.split("=") for pair in spec.split(":", 1)[1].split(",")) if ":" in spec else {}
        return make_moons(int(params.get("samples", 100)), float(params.get("noise", 0.2)), int(params.get("seed", 1)))
    if spec.startswith("csv:"):
        table = np.loadtxt(spec[4:], delimiter=",", skiprows=1, dtype=np.float64)
        return table[:, :-1].astype(np.float32), table[:, -1].astype(np.int64)
    raise SystemExit(f"--data: {spec!r} is neither moons[:...] nor csv:PATH")


def split(x, y, validation, test, seed):
    """A seeded random split, stratified by class (as layerwise's default split is)."""
    rng = np.random.default_rng(seed)
    parts = {"train": [], "validation": [], "test": []}
    for label in np.unique(y):
        index = rng.permutation(np.flatnonzero(y == label))
        n_validation = int(round(len(index) * validation))
        n_test = int(round(len(index) * test))
        parts["validation"].append(index[:n_validation])
        parts["test"].append(index[n_validation:n_validation + n_test])
        parts["train"].append(index[n_validation + n_test:])
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}


def main():
    parser = argparse.ArgumentParser()
    for name in ["journal", "study", "data", "hidden", "seeds"]:
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--arm", choices=["uniform", "per-layer"], required=True)
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--outputs", type=int, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--low", type=float, required=True)
    parser.add_argument("--high", type=float, required=True)
    parser.add_argument("--validation", type=float, default=0.2)
    parser.add_argument("--test", type=float, default=0.2)
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--standardize", action="store_true")
    parser.add_argument("--sampler-seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()

    x, labels = load(args.data)
    parts = split(x, labels, args.validation, args.test, args.split_seed)
    if args.standardize:
        mean = x[parts["train"]].mean(0)
        std = x[parts["train"]].std(0)
        x = (x - mean) / np.where(std > 0, std, 1)
    if args.outputs == 1:
        targets = labels.astype(np.float32).reshape(-1, 1)
        loss, activation = "binary_crossentropy", "sigmoid"
    else:
        targets = keras.utils.to_categorical(labels, args.outputs).astype(np.float32)
        loss, activation = "categorical_crossentropy", "softmax"
    data = {name: (x[index], targets[index]) for name, index in parts.items()}
    hidden = [int(units) for units in args.hidden.split(",")]
    seeds = [int(seed) for seed in args.seeds.split(",")]
    layer_names = [f"dense_{i + 1}" for i in range(len(hidden))] + ["output"]
    trainings = 0

    def objective(trial):
        nonlocal trainings
        if args.arm == "uniform":
            value = trial.suggest_float("l2", args.low, args.high, log=True)
            coefficients = {name: value for name in layer_names}
        else:
            coefficients = {name: trial.suggest_float(f"l2_{name}", args.low, args.high, log=True) for name in layer_names}
        losses = []
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            layers = [keras.Input((x.shape[1],))]
            for units, name in zip(hidden, layer_names):
                layers.append(keras.layers.Dense(units, activation="relu", name=name, kernel_regularizer=keras.regularizers.L2(coefficients[name])))
            layers.append(keras.layers.Dense(args.outputs, activation=activation, name="output", kernel_regularizer=keras.regularizers.L2(coefficients["output"])))
            model = keras.Sequential(layers)
            model.compile(optimizer=keras.optimizers.Adam(args.lr), loss=loss)
            history = model.fit(*data["train"], batch_size=args.batch, epochs=args.epochs, shuffle=True, verbose=0, validation_data=data["validation"])
            model.evaluate(*data["test"], verbose=0)
            losses.append(history.history["val_loss"][-1])
            trainings += 1
            keras.backend.clear_session()
        return float(np.mean(losses))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(args.journal))
    study = optuna.create_study(study_name=args.study, storage=storage, sampler=optuna.samplers.TPESampler(seed=args.sampler_seed), load_if_exists=True)
    study.optimize(objective, n_trials=args.trials)
    sys.stdout.write(json.dumps({
        "arm": args.arm, "trials": len(study.trials), "trainings": trainings, "best_value": study.best_value,
        "seconds_after_imports": time.perf_counter() - started, "import_seconds": import_seconds,
        "threads": THREADS, "optuna": optuna.__version__, "keras": keras.__version__, "tensorflow": tf.__version__,
    }) + "\n")


if __name__ == "__main__":
    main()
