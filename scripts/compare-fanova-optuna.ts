/**
 * layerwise's layer importance next to Optuna's fANOVA on the same rows (see
 * scripts/compare-fanova-optuna.py, which writes the cases and Optuna's numbers).
 * Usage: npx ts-node --transpile-only scripts/compare-fanova-optuna.ts cases.json
 */
import * as fs from 'fs';
import { estimateImportance } from '../lib/report/importance';

interface Case {
  name: string;
  features: string[];
  x: number[][];
  y: number[];
  optunaRaw: Record<string, number>;
  optunaNormalized: Record<string, number>;
}

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as { optuna: string; cases: Case[] };
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
// Optuna's evaluator decomposes on the linear scale of each parameter (transform_log=False in
// optuna/importance/_fanova/_evaluator.py); layerwise uses log10. Both are shown: the linear column
// is the like-for-like comparison, the log10 column is what a layerwise report prints.
console.log(`| case | parameter | Optuna ${input.optuna} (linear scale) | layerwise, linear scale [95% interval] | layerwise, log10 scale (report) [95% interval] |`);
console.log('| --- | --- | ---: | ---: | ---: |');
for (const entry of input.cases) {
  const options = { trees: 64, resamples: 100, seed: 'compare' };
  const onLog = estimateImportance({ features: entry.features, x: entry.x, y: entry.y }, options);
  const onLinear = estimateImportance({ features: entry.features, x: entry.x.map((row) => row.map((value) => 10 ** value)), y: entry.y }, options);
  const cell = (importance: (typeof onLog.importances)[number]): string =>
    `${percent(importance.share)}` + (importance.interval ? ` [${percent(importance.interval.lower)}, ${percent(importance.interval.upper)}]` : '');
  onLog.importances.forEach((importance, f) => {
    console.log(`| ${entry.name} | ${importance.feature} | ${percent(entry.optunaRaw[importance.feature])} | ${cell(onLinear.importances[f])} | ${cell(importance)} |`);
  });
}
