/**
 * fashion-mnist-time-scale: Wang & Aitchison's AdamW time scale (ICML 2025, arXiv 2405.13698).
 * With decoupled weight decay at a fixed learning rate, the weights are an exponential moving
 * average over τ_iter = 1/(lr·wd) updates; the paper finds the best τ measured in epochs,
 * τ_epoch = τ_iter / (iterations per epoch), roughly constant as the training set grows, so the
 * best wd falls as 1/N. Here: the same 784-128-10 MLP, optimizer, batch size, epoch count and wd
 * grid on stratified Fashion-MNIST subsets of N = 2k, 4k, 8k and 16k images, one sweep
 * definition per N (experiments/sweeps/fashion-mnist-time-scale-<N>.json, grid sampler, each wd
 * with the same seeds). Every number below is read from the sweeps' journals.
 *
 * The best wd is estimated two ways:
 *  - per seed, the vertex of the parabola through the validation loss at the seed's best grid point
 *    and its two neighbours, in log2(wd) (a grid step is a factor 2), then the mean of log2 wd* over
 *    seeds with its t-interval (seeds are independent: init and batch order);
 *  - the grid point with the lowest mean validation loss, with a bootstrap over seeds (resample the
 *    seeds, recompute the argmin) as its interval.
 * The test of the claim is the slope of log2 wd* against log2 N over every (N, seed): τ_epoch
 * constant predicts slope −1; a constant best wd (τ_iter constant) predicts 0.
 *
 *   npx ts-node --transpile-only experiments/fashion-mnist-time-scale.ts [--quick]
 */
import * as path from 'path';
import { ExperimentOptions, ExperimentResult, ensureBackend, main, runDefinition, runDirectory, studyDefinition, sweepWallSeconds, trainingSeconds, writeExperimentReport } from './common';
import { mean, sampleStd, studentTQuantile } from '../lib/report';
import type { TrialRecord } from '../lib/sweep';
import { RandomState } from '../lib/data/random';

export const NAME = 'fashion-mnist-time-scale';

/** The training-set sizes, each its own definition `fashion-mnist-time-scale-<label>.json`. */
export const SIZES: ReadonlyArray<{ label: string; samples: number }> = [
  { label: '2k', samples: 2000 },
  { label: '4k', samples: 4000 },
  { label: '8k', samples: 8000 },
  { label: '16k', samples: 16000 },
];

/** Confidence of every interval in the tables. */
const CONFIDENCE = 0.95;
/** Bootstrap resamples of the seeds for the grid argmin's interval. */
const BOOTSTRAP_RESAMPLES = 2000;

/** One size's definition; quick: 5 epochs, seeds 1-2 (a smoke run of the plumbing, not the study). */
export function timeScaleDefinition(label: string, quick: boolean): Record<string, any> {
  return studyDefinition(`${NAME}-${label}`, quick ? { epochs: 5, seeds: [1, 2], evaluateEvery: 5 } : undefined);
}

/** Validation loss by wd (grid order) and seed, from complete trials. */
export interface GridLosses {
  /** Grid values of wd, ascending. */
  decays: number[];
  /** Seeds present for every wd. */
  seeds: number[];
  /** validation[seedIndex][decayIndex]. */
  validation: number[][];
  /** test[seedIndex][decayIndex]. */
  test: number[][];
}

export function gridLosses(records: readonly TrialRecord[]): GridLosses {
  const complete = records.filter((record) => record.state === 'complete' && record.final?.validation !== undefined);
  const decays = [...new Set(complete.map((record) => Number(record.params.weightDecay)))].sort((a, b) => a - b);
  const seeds = [...new Set(complete.map((record) => record.seed))]
    .filter((seed) => decays.every((decay) => complete.some((record) => record.seed === seed && Number(record.params.weightDecay) === decay)))
    .sort((a, b) => a - b);
  const lookup = (seed: number, decay: number) => complete.find((record) => record.seed === seed && Number(record.params.weightDecay) === decay)!;
  return {
    decays,
    seeds,
    validation: seeds.map((seed) => decays.map((decay) => lookup(seed, decay).final!.validation!.loss)),
    test: seeds.map((seed) => decays.map((decay) => lookup(seed, decay).final!.test?.loss ?? Number.NaN)),
  };
}

function argmin(values: readonly number[]): number {
  let best = 0;
  values.forEach((value, index) => {
    if (value < values[best]) best = index;
  });
  return best;
}

/**
 * log2 of the best wd for one seed: the vertex of the parabola through the best positive grid
 * point and its neighbours (in log2 wd), clamped to the neighbours; at the grid's edge, the edge.
 * wd = 0 (τ = ∞) has no logarithm and only serves as the reference row of the table.
 */
export function parabolicLog2Optimum(decays: readonly number[], losses: readonly number[]): { log2: number; atEdge: boolean } {
  const positive = decays.map((decay, index) => ({ decay, loss: losses[index] })).filter((point) => point.decay > 0);
  const x = positive.map((point) => Math.log2(point.decay));
  const y = positive.map((point) => point.loss);
  const i = argmin(y);
  if (i === 0 || i === y.length - 1) return { log2: x[i], atEdge: true };
  const curvature = y[i - 1] - 2 * y[i] + y[i + 1];
  const step = (x[i + 1] - x[i - 1]) / 2;
  const offset = curvature > 0 ? (step * (y[i - 1] - y[i + 1])) / (2 * curvature) : 0;
  return { log2: Math.min(x[i + 1], Math.max(x[i - 1], x[i] + offset)), atEdge: false };
}

function tInterval(values: readonly number[]): [number, number] | null {
  if (values.length < 2) return null;
  const half = studentTQuantile(0.5 + CONFIDENCE / 2, values.length - 1) * (sampleStd(values) / Math.sqrt(values.length));
  return [mean(values) - half, mean(values) + half];
}

/** Percentile interval of the grid argmin of the seed-mean validation loss, over seed resamples. */
function bootstrapArgmin(grid: GridLosses, seed: number): [number, number] {
  const random = new RandomState(seed);
  const picks: number[] = [];
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    const rows = grid.seeds.map(() => Math.floor(random.random() * grid.seeds.length));
    const averaged = grid.decays.map((_, d) => mean(rows.map((row) => grid.validation[row][d])));
    picks.push(argmin(averaged));
  }
  picks.sort((a, b) => a - b);
  const at = (q: number) => grid.decays[picks[Math.min(picks.length - 1, Math.floor(q * picks.length))]];
  return [at((1 - CONFIDENCE) / 2), at((1 + CONFIDENCE) / 2)];
}

/** Ordinary least squares of y on x: slope, its (1 − α) t-interval (n − 2 degrees of freedom). */
export function slopeWithInterval(x: readonly number[], y: readonly number[]): { slope: number; interval: [number, number]; n: number } {
  const n = x.length;
  const mx = mean(x);
  const my = mean(y);
  const sxx = x.reduce((sum, value) => sum + (value - mx) ** 2, 0);
  const slope = x.reduce((sum, value, i) => sum + (value - mx) * (y[i] - my), 0) / sxx;
  const intercept = my - slope * mx;
  const residual = y.reduce((sum, value, i) => sum + (value - intercept - slope * x[i]) ** 2, 0);
  const standardError = Math.sqrt(residual / (n - 2) / sxx);
  const half = studentTQuantile(0.5 + CONFIDENCE / 2, n - 2) * standardError;
  return { slope, interval: [slope - half, slope + half], n };
}

const format = (value: number, digits = 3) => Number(value.toPrecision(digits)).toString();

/** Training settings the analysis needs. */
export interface TimeScaleTraining {
  epochs: number;
  batchSize: number;
  optimizer: { learningRate: number };
}

/** The study's tables and conclusion from each size's records (complete trials only; seeds present for every wd). */
export function timeScaleMarkdown(perSize: ReadonlyArray<{ label: string; samples: number; grid: GridLosses }>, training: TimeScaleTraining): string {
  const learningRate = training.optimizer.learningRate;
  const batchSize = training.batchSize;
  /** τ in epochs for a wd at N samples: (1/(lr·wd)) / ceil(N / batch). */
  const tauEpochs = (decay: number, samples: number) => 1 / (learningRate * decay) / Math.ceil(samples / batchSize);

  // Table 1: mean validation loss (± sd over seeds) for every wd and N.
  const decays = perSize[0].grid.decays;
  const gridLines = [
    `| wd | ${perSize.map((size) => `N = ${size.label}: val loss`).join(' | ')} |`,
    `| ---: | ${perSize.map(() => '---:').join(' | ')} |`,
    ...decays.map((decay, d) => {
      const cells = perSize.map((size) => {
        const column = size.grid.validation.map((row) => row[d]);
        const best = argmin(size.grid.decays.map((_, k) => mean(size.grid.validation.map((row) => row[k]))));
        const text = column.length > 1 ? `${column.length > 0 ? mean(column).toFixed(4) : '–'} ± ${sampleStd(column).toFixed(4)}` : column.length === 1 ? column[0].toFixed(4) : '–';
        return best === d ? `**${text}**` : text;
      });
      return `| ${decay} | ${cells.join(' | ')} |`;
    }),
  ];

  // Table 2: the best wd and τ in epochs per N.
  const slopeX: number[] = [];
  const slopeY: number[] = [];
  const bestLines = [
    '| N | seeds | iterations/epoch | best grid wd (bootstrap 95%) | wd* (parabola, 95% t-interval) | τ_epoch = 1/(lr·wd*·iters/epoch) (95%) | τ_iter | test loss at best grid wd | edge hits |',
    '| ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: |',
  ];
  const tauCenters: number[] = [];
  let edgeHits = 0;
  for (const size of perSize) {
    const { grid } = size;
    const meanValidation = grid.decays.map((_, d) => mean(grid.validation.map((row) => row[d])));
    const bestGrid = argmin(meanValidation);
    const bootstrap = grid.seeds.length > 1 ? bootstrapArgmin(grid, 17) : null;
    const optima = grid.validation.map((row) => parabolicLog2Optimum(grid.decays, row));
    edgeHits += optima.filter((optimum) => optimum.atEdge).length;
    const logs = optima.map((optimum) => optimum.log2);
    logs.forEach((value) => {
      slopeX.push(Math.log2(size.samples));
      slopeY.push(value);
    });
    const center = 2 ** mean(logs);
    const interval = tInterval(logs);
    const tau = tauEpochs(center, size.samples);
    tauCenters.push(tau);
    const testAtBest = grid.test.map((row) => row[bestGrid]);
    bestLines.push(
      `| ${size.samples} | ${grid.seeds.length} | ${Math.ceil(size.samples / batchSize)} | ${grid.decays[bestGrid]}${bootstrap ? ` [${bootstrap[0]}, ${bootstrap[1]}]` : ''} | ` +
        `${format(center)}${interval ? ` [${format(2 ** interval[0])}, ${format(2 ** interval[1])}]` : ''} | ` +
        `${format(tau)}${interval ? ` [${format(tauEpochs(2 ** interval[1], size.samples))}, ${format(tauEpochs(2 ** interval[0], size.samples))}]` : ''} | ` +
        `${format(1 / (learningRate * center))} | ${testAtBest.length > 1 ? `${mean(testAtBest).toFixed(4)} ± ${sampleStd(testAtBest).toFixed(4)}` : (testAtBest[0] ?? Number.NaN).toFixed(4)} | ` +
        `${optima.filter((optimum) => optimum.atEdge).length}/${optima.length} |`,
    );
  }
  const fit = slopeX.length > 2 ? slopeWithInterval(slopeX, slopeY) : null;
  const seedCounts = perSize.map((size) => size.grid.seeds.length);
  let conclusion = 'Too few points for a slope.';
  if (fit) {
    const [low, high] = fit.interval;
    const verdict =
      low <= -1 && high >= -1 && high < 0
        ? 'consistent with τ_epoch constant (slope −1) and excludes a constant wd (slope 0): the claim holds at this precision'
        : low <= -1 && high >= 0
          ? 'contains both −1 (τ_epoch constant) and 0 (wd constant): no evidence either way at this number of seeds'
          : high < -1
            ? 'below −1: the best wd falls faster than 1/N, so the best τ_epoch grows with N'
            : low > -1 && high < 0
              ? 'excludes −1 and 0: the best wd falls with N, but more slowly than 1/N, so the best τ_epoch shrinks as N grows; the claim does not hold quantitatively here'
              : 'excludes −1 and contains 0 or more: no evidence that the best wd falls with N; the claim does not hold here';
    conclusion =
      `Slope of log2 wd* on log2 N over ${fit.n} (N, seed) points: **${fit.slope.toFixed(2)}** [${low.toFixed(2)}, ${high.toFixed(2)}] (95% t-interval, ${fit.n - 2} df); ` +
      `${verdict}. Across the 8× range of N the point estimate of τ_epoch moves ${format(tauCenters[0])} → ${format(tauCenters[tauCenters.length - 1])} epochs ` +
      `(${format(tauCenters[0] / tauCenters[tauCenters.length - 1])}× change; a constant τ_epoch means 1×, a constant wd means 8×).` +
      (edgeHits > 0
        ? ` ${edgeHits} of ${slopeY.length} seed optima lie at an edge of the wd grid (the optimum may be beyond it, and the estimate is pulled toward the grid), so the slope is less certain than its interval says.`
        : ' No seed\'s optimum lies at an edge of the wd grid.');
  }
  return [
    `Validation loss at the final epoch (mean ± sample sd over seeds; bold: lowest mean per N), seeds per N: ${seedCounts.join(', ')}.`,
    '',
    gridLines.join('\n'),
    '',
    `Best wd and time scale per N (lr ${learningRate}, batch ${batchSize}, ${training.epochs} epochs). "edge hits": seeds whose best positive grid point is at the grid's edge (the parabola then cannot place the optimum inside).`,
    '',
    bestLines.join('\n'),
    '',
    `**Conclusion.** ${conclusion}`,
  ].join('\n');
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const perSize: Array<{ label: string; samples: number; grid: GridLosses; records: TrialRecord[]; definition: Record<string, any> }> = [];
  for (const size of SIZES) {
    const definition = timeScaleDefinition(size.label, quick);
    const sizeDirectory = path.join(directory, size.label);
    const records = await runDefinition(definition, sizeDirectory, options);
    await writeExperimentReport(sizeDirectory, records, `${NAME}-${size.label}`);
    perSize.push({ label: size.label, samples: size.samples, grid: gridLosses(records), records, definition });
  }
  const training = perSize[0].definition.training as TimeScaleTraining;
  const markdown = timeScaleMarkdown(perSize, training);
  const decays = perSize[0].grid.decays;
  const learningRate = training.optimizer.learningRate;
  const batchSize = training.batchSize;
  const allRecords = perSize.flatMap((size) => size.records);
  return {
    name: NAME,
    question:
      'With AdamW-style decoupled weight decay at a fixed learning rate, does the best time scale τ = 1/(lr·wd), measured in epochs, stay constant as the training set grows (so that the best wd falls as 1/N), as Wang & Aitchison (ICML 2025, arXiv 2405.13698) report?',
    setup:
      `MLP 784 → 128 ReLU → 10 softmax, Adam (lr ${learningRate}) with decoupled weight decay w ← w·(1 − lr·wd) on both kernels (biases not decayed), batch ${batchSize}, ` +
      `${training.epochs} epochs, categorical cross-entropy. Data: Fashion-MNIST (Debian \`dataset-fashion-mnist\`), a stratified seeded draw of N + 4,000 of the official train images ` +
      '(`fashion-mnist:part=train,subset=N+4000,seed=1,shape=flat`), the first N train, the next 2,000 validate, the last 2,000 test; N ∈ {2k, 4k, 8k, 16k}. ' +
      `wd ∈ {${decays.join(', ')}} for every N (grid sampler), seeds ${perSize[0].grid.seeds.join(', ')} (selection seeds: the same seeds choose and report; see the note at the top of this file). ` +
      `Definitions \`experiments/sweeps/${NAME}-{2k,4k,8k,16k}.json\`; each runs alone with \`layerwise sweep experiments/sweeps/${NAME}-16k.json --out runs/${NAME}/16k/sweep --workers 2\`. Backend: ${backend}.`,
    markdown,
    reportDirectory: directory,
    trainingSeconds: trainingSeconds(allRecords),
    sweepWallSeconds: sweepWallSeconds(allRecords),
    trials: allRecords.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
