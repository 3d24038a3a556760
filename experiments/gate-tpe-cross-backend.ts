/**
 * gate-tpe-cross-backend: the statistical CI gate across backends on a sampled sweep. The same TPE
 * definition (experiments/sweeps/gate-tpe.json) runs once on the native backend (`--backend
 * tensorflow`) and once on pure JS (`--backend cpu`), each through `layerwise sweep` as a user runs
 * it; a baseline is made from each run (`layerwise check --entries selected --update`) and the other
 * run is checked against it with `--undecided fail` (so the gate passes only if every metric is
 * decided within its margin). Entries are keyed `arm/selected`, never by the sampled coefficients,
 * which may differ between the backends in their last digits.
 *
 * The commands are run as child processes of the built CLI (`npm run build` first), exactly as
 * printed in EXPERIMENTS.md; the sweeps resume from runs/gate-tpe/ when they already finished.
 *
 *   npx ts-node --transpile-only experiments/gate-tpe-cross-backend.ts
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ExperimentOptions, ExperimentResult, REPOSITORY_ROOT, main, runDirectory } from './common';
import { loadTrials } from '../lib/sweep';

export const NAME = 'gate-tpe-cross-backend';

const CLI = path.join('dist', 'cli', 'main.js');
const DEFINITION = path.join('experiments', 'sweeps', 'gate-tpe.json');
const BACKENDS = ['tensorflow', 'cpu'] as const;

/** One CLI call: its command line (relative paths, as a user types it), exit status, output and wall time. */
interface CommandRun {
  command: string;
  status: number;
  output: string;
  seconds: number;
}

function runCli(argumentsList: string[]): CommandRun {
  const started = Date.now();
  const result = spawnSync(process.execPath, [CLI, ...argumentsList], { cwd: REPOSITORY_ROOT, encoding: 'utf8', env: { ...process.env, LAYERWISE_BACKEND: '' }, maxBuffer: 64 * 1024 * 1024 });
  const noise = /^(I0000|WARNING: All log|=+$|Hi, looks like|To enable the following|\s*$)/;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
    .split('\n')
    .filter((line) => !noise.test(line) && !line.includes('oneDNN') && !line.includes('cpu_feature_guard'))
    .join('\n')
    .trim();
  return { command: `node ${CLI} ${argumentsList.join(' ')}`, status: result.status ?? -1, output, seconds: (Date.now() - started) / 1000 };
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  if (options.quick) {
    return { name: NAME, question: '', setup: '', markdown: 'skipped in quick mode (it runs the full gate twice).', skipped: true, seconds: 0 };
  }
  if (!fs.existsSync(path.join(REPOSITORY_ROOT, CLI))) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const directory = path.relative(REPOSITORY_ROOT, runDirectory(options, 'gate-tpe'));
  const sweeps: CommandRun[] = [];
  for (const backend of BACKENDS) {
    const run = runCli(['sweep', DEFINITION, '--out', path.join(directory, backend), '--backend', backend, '--workers', '1', '--no-report', '--quiet']);
    options.onProgress?.(`${run.command}: exit ${run.status} (${run.seconds.toFixed(1)} s)`);
    if (run.status !== 0) throw new Error(`${run.command} failed (exit ${run.status}):\n${run.output}`);
    sweeps.push(run);
  }
  // Trial seconds, backends and proposals as the journals recorded them (a resumed sweep's wall time is only the resume).
  const recorded = await Promise.all(
    BACKENDS.map(async (backend) => {
      const records = await loadTrials(path.join(REPOSITORY_ROOT, directory, backend));
      const proposals = new Map(records.filter((record) => record.seed === records[0]?.seed).map((record) => [`${record.arm}#${record.index}`, JSON.stringify(record.params)]));
      const selected = [...new Set(records.map((record) => record.arm))].map((arm) => {
        const byConfig = new Map<string, { params: string; losses: number[] }>();
        for (const record of records.filter((r) => r.arm === arm && r.state === 'complete' && r.final?.validation)) {
          const entry = byConfig.get(record.configId) ?? { params: JSON.stringify(record.params, (_, value) => (typeof value === 'number' ? Number(value.toPrecision(3)) : value)), losses: [] };
          entry.losses.push(record.final!.validation!.loss);
          byConfig.set(record.configId, entry);
        }
        const best = [...byConfig.values()].sort((a, b) => a.losses.reduce((x, y) => x + y, 0) / a.losses.length - b.losses.reduce((x, y) => x + y, 0) / b.losses.length)[0];
        return `${arm} ${best?.params ?? '–'}`;
      });
      return {
        backend,
        seconds: records.reduce((sum, record) => sum + (record.seconds ?? 0), 0),
        backends: [...new Set(records.map((record) => record.backend))].join(', '),
        trials: records.length,
        proposals,
        selected,
      };
    }),
  );
  const checks: Array<{ baseline: string; fresh: string; update: CommandRun; check: CommandRun }> = [];
  for (const [baselineBackend, freshBackend] of [
    ['tensorflow', 'cpu'],
    ['cpu', 'tensorflow'],
  ] as const) {
    const baselineFile = path.join(directory, `baseline-${baselineBackend}.json`);
    const update = runCli(['check', '--results', path.join(directory, baselineBackend), '--entries', 'selected', '--update', '--baseline', baselineFile]);
    if (update.status !== 0) throw new Error(`${update.command} failed (exit ${update.status}):\n${update.output}`);
    const check = runCli(['check', '--results', path.join(directory, freshBackend), '--baseline', baselineFile, '--undecided', 'fail']);
    options.onProgress?.(`${check.command}: exit ${check.status}`);
    checks.push({ baseline: baselineBackend, fresh: freshBackend, update, check });
  }
  const passed = checks.every((entry) => entry.check.status === 0);
  const keys = [...recorded[0].proposals.keys()];
  const differing = keys.filter((key) => recorded[0].proposals.get(key) !== recorded[1].proposals.get(key));
  const sameSelection = recorded[0].selected.every((line, i) => line === recorded[1].selected[i]);
  const markdown = [
    '| backend | trials | recorded on | training time (sum of trial seconds) | selected on validation loss |',
    '| --- | ---: | --- | ---: | --- |',
    ...recorded.map((entry) => `| \`--backend ${entry.backend}\` | ${entry.trials} | ${entry.backends} | ${Math.round(entry.seconds)} s | ${entry.selected.map((line) => `\`${line}\``).join('<br>')} |`),
    '',
    `TPE proposals that differ between the two runs: ${differing.length} of ${keys.length} (arm, index)${differing.length > 0 ? ` (${differing.join(', ')})` : ''}; ` +
      `the selected configurations are ${sameSelection ? 'the same' : 'different'} on the two backends. Either way the baseline keys entries by arm (\`uniform/selected\`), so the check compares the configuration each backend selected, not a sampled float.`,
    '',
    'Commands (run from the repository root after `npm run build`):',
    '',
    '```sh',
    ...sweeps.map((entry) => entry.command),
    ...checks.flatMap((entry) => [entry.update.command, entry.check.command]),
    '```',
    '',
    ...checks.flatMap((entry) => [
      `**${entry.fresh} checked against a baseline from ${entry.baseline}** (exit ${entry.check.status}, ${entry.check.status === 0 ? 'passed' : 'FAILED'}):`,
      '',
      '```text',
      entry.check.output,
      '```',
      '',
    ]),
    `**Conclusion.** ${
      passed
        ? 'The gate passes in both directions with `--undecided fail`: every metric of both arms is decided within its non-inferiority margin, with no missing or new entries, although the two backends are separate runs of a sampled (TPE) sweep.'
        : 'The gate does NOT pass in both directions; see the tables above.'
    }`,
  ].join('\n');
  return {
    name: NAME,
    question: 'Does `layerwise check` pass a pure-JS run of a TPE sweep against a baseline made from a native run of the same definition (and the reverse), comparing configuration for configuration rather than sampled float for sampled float?',
    setup:
      '`experiments/sweeps/gate-tpe.json`: uniform vs per-layer L2 on a 2-16-16-1 MLP for generated two-moons data (300 points, noise 0.3; split 40/30/30), Adam lr 1e-2, batch 32, 60 epochs, ' +
      'TPE sampler (seed 0), budget 4 per arm, seeds 1-5. Baseline entries `uniform/selected` and `per-layer/selected` (the configuration each arm selects on validation loss), ' +
      'five metrics each (test accuracy, test loss, train accuracy, loss gap, accuracy gap), paired t non-inferiority per metric at one-sided α = 0.05 with the default margins ' +
      '(accuracy 0.03 absolute, loss 10% relative, gap 0.05 absolute; docs/statistics.md).',
    markdown,
    trainingSeconds: recorded.reduce((sum, entry) => sum + entry.seconds, 0),
    trials: recorded.reduce((sum, entry) => sum + entry.trials, 0),
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
