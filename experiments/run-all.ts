/**
 * Runs the four studies and rewrites EXPERIMENTS.md from what the reporter produced.
 *
 *   npm run experiments                  (full runs, ~20-25 minutes on the native backend)
 *   npm run experiments -- --quick       (smoke run; writes runs/EXPERIMENTS.quick.md instead, never the committed file)
 */
import * as fs from 'fs';
import * as path from 'path';
import { activeBackend } from '../lib/backend';
import { ExperimentResult, REPOSITORY_ROOT, ensureBackend, parseExperimentArguments } from './common';
import * as circles from './circles-activity';
import * as digits from './digits-uniform-vs-per-layer';
import * as mnist from './mnist-cnn-per-layer';
import * as moons from './moons-weight-decay';

const STUDIES = [moons, circles, digits, mnist];

function timing(result: ExperimentResult): string {
  if (result.skipped) return 'skipped on this backend';
  if (result.trainingSeconds === undefined) return `${Math.round(result.seconds)} s`;
  return `${result.trials} trials, ${Math.round(result.trainingSeconds)} s of training`;
}

function section(result: ExperimentResult, index: number): string {
  const report = result.reportDirectory ? `\n\nFull report (HTML, CSV, JSON): \`${path.relative(REPOSITORY_ROOT, result.reportDirectory)}/\` (git-ignored; rerun to produce it).` : '';
  return [
    `## ${index + 1}. \`${result.name}\``,
    '',
    `**Question.** ${result.question}`,
    '',
    `**Setup.** ${result.setup}`,
    '',
    `**Run.** \`npx ts-node --transpile-only experiments/${result.name}.ts\` (${timing(result)}).${report}`,
    '',
    result.markdown,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseExperimentArguments(process.argv.slice(2));
  options.onProgress = (line) => process.stderr.write(`${line}\n`);
  await ensureBackend();
  const backend = activeBackend()!;
  const results: ExperimentResult[] = [];
  for (const study of STUDIES) {
    process.stderr.write(`\n=== ${study.NAME}${options.quick ? ' (quick)' : ''} ===\n`);
    results.push(await study.run(options));
  }
  const total = results.reduce((sum, result) => sum + (result.trainingSeconds ?? result.seconds), 0);
  const text = [
    '# Experiments',
    '',
    'Four studies of per-layer regularization, each a thin script over the public API in `experiments/` that writes a full report ' +
      '(terminal table, Markdown, HTML with charts, CSV, JSON) into `runs/<experiment>/report/`. This file is generated: ' +
      '`npm run experiments` reruns every study and rewrites it. Each script also runs alone, and takes `--quick` for a smoke run.',
    '',
    `Generated ${new Date().toISOString().slice(0, 10)} on backend \`${backend.name}\` (${backend.name === 'tensorflow' ? 'tfjs-node, native TensorFlow' : 'fallback'}), ` +
      `tfjs ${backend.tfjsVersion}${options.quick ? ', QUICK MODE (not the committed numbers)' : ''}; total training time ${Math.round(total / 60)} min. ` +
      'Numbers are final-epoch metrics of each run, mean ± sample standard deviation over seeds; losses are data losses in inference mode (penalties excluded); ' +
      'loss gap = test − train loss, accuracy gap = train − test accuracy.',
    '',
    ...results.map(section),
  ].join('\n');
  const file = options.quick ? path.join(REPOSITORY_ROOT, 'runs', 'EXPERIMENTS.quick.md') : path.join(REPOSITORY_ROOT, 'EXPERIMENTS.md');
  fs.writeFileSync(file, text);
  process.stdout.write(`${path.relative(process.cwd(), file)} written (${Math.round(total)} s)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
