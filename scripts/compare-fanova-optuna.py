"""Optuna's fANOVA on the synthetic layer-importance cases of docs/importance.md.

Writes the cases and Optuna's importances (raw first-order shares, normalize=False, and the
normalized ones Optuna reports by default) as JSON; scripts/compare-fanova-optuna.ts reads it and
adds layerwise's estimate on the same rows. Run from the repository root:

    .venv/bin/python scripts/compare-fanova-optuna.py > /tmp/fanova-cases.json
    npx ts-node --transpile-only scripts/compare-fanova-optuna.ts /tmp/fanova-cases.json
"""
import json
import sys

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.importance import FanovaImportanceEvaluator, get_param_importances

optuna.logging.set_verbosity(optuna.logging.WARNING)
LOW, HIGH = 1e-6, 1e-2
NAMES = ["l2.dense_1", "l2.dense_2", "l2.dense_3"]


def case(name, count, loss_of, seed):
    rng = np.random.default_rng(seed)
    logs = rng.uniform(np.log10(LOW), np.log10(HIGH), size=(count, len(NAMES)))
    noise = rng.uniform(-0.001, 0.001, size=count)
    losses = np.array([loss_of(row) for row in logs]) + noise
    study = optuna.create_study()
    distributions = {n: FloatDistribution(LOW, HIGH, log=True) for n in NAMES}
    for row, loss in zip(logs, losses):
        study.add_trial(optuna.trial.create_trial(params={n: float(10 ** v) for n, v in zip(NAMES, row)}, distributions=distributions, value=float(loss)))
    raw = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0), normalize=False)
    normalized = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))
    return {
        "name": name,
        "features": NAMES,
        "x": logs.tolist(),
        "y": losses.tolist(),
        "optunaRaw": {n: raw[n] for n in NAMES},
        "optunaNormalized": {n: normalized[n] for n in NAMES},
    }


cases = [
    # Only the first layer's coefficient matters.
    case("only dense_1", 60, lambda r: 0.3 + 0.05 * (r[0] + 4) ** 2, 1),
    # Additive: dense_1 has twice dense_2's effect size, so 4x its variance (0.8 / 0.2); dense_3 none.
    case("dense_1 + dense_2 additive", 100, lambda r: 0.3 + 0.02 * r[0] + 0.01 * r[1], 2),
    # An interaction: the loss rises only when both coefficients are large.
    case("dense_1 x dense_2 interaction", 100, lambda r: 0.3 + 0.02 * max(r[0] + 4, 0) * max(r[1] + 4, 0), 3),
]
json.dump({"optuna": optuna.__version__, "bounds": [np.log10(LOW), np.log10(HIGH)], "cases": cases}, sys.stdout)
