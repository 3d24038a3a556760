/**
 * Runs the studies and rewrites EXPERIMENTS.md from what the sweeps recorded.
 *
 *   npm run experiments                  (every study; each resumes from runs/<study>/ when it already ran)
 *   npm run experiments -- --only=fashion-mnist-time-scale,gate-tpe-cross-backend
 *                                        (rerun only these studies and replace their sections, keeping the others as they are)
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
import * as fashionTimeScale from './fashion-mnist-time-scale';
import * as fashionMlp from './fashion-mnist-mlp';
import * as fashionCnn from './fashion-mnist-cnn';
import * as gateTpe from './gate-tpe-cross-backend';
import * as sequentialAa from './sequential-aa';

/** The studies in EXPERIMENTS.md order. */
const STUDIES = [moons, circles, digits, mnist, fashionTimeScale, fashionMlp, fashionCnn, gateTpe, sequentialAa];

/**
 * What the file says once, above the sections: how it is made, and what the Fashion-MNIST studies'
 * "selection seeds" mean until evaluation seeds exist.
 */
const PREAMBLE = [
  'Studies of per-layer regularization, each a sweep definition in `experiments/sweeps/` that `layerwise sweep` runs as is, and a thin script in `experiments/` ' +
    'that runs (or resumes) it and turns the recorded trials into the tables below; full reports (terminal table, Markdown, HTML with charts, CSV, JSON) go to `runs/<experiment>/`. ' +
    'This file is generated: `npm run experiments` reruns every study and rewrites it (`-- --only=<name,...>` reruns some and keeps the other sections). Each script also runs alone, and takes `--quick` for a smoke run.',
  '',
  'Numbers are final-epoch metrics of each run, mean ± sample standard deviation over seeds unless an interval is given; losses are data losses in inference mode (penalties excluded); ' +
    'loss gap = test − train loss, accuracy gap = train − test accuracy. Intervals over seeds are 95% t-intervals; a conclusion says "no evidence of a difference at this budget" when the interval contains zero.',
  '',
  '**Selection and evaluation seeds.** Every study selects each arm\'s configuration on validation loss over its selection seeds. The Fashion-MNIST MLP and CNN studies then re-run each ' +
    'arm\'s selected configuration on fresh paired seeds, never used to select, until the always-valid confidence sequence is decisive or 10 seeds are reached (the `evaluation` ' +
    'block of their definitions), and answer from those. The other studies compare on test over the seeds that selected (said in each answer): their test differences are not independent of selection.',
].join('\n');

/** A study's section text by name, parsed from an existing EXPERIMENTS.md (headings `## N. \`name\``). */
function existingSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = text.split(/^(?=## \d+\. `)/m).slice(1);
  for (const part of parts) {
    const name = /^## \d+\. `([^`]+)`/.exec(part)?.[1];
    if (name) sections.set(name, part.replace(/^## \d+\. `[^`]+`\n/, '').trimEnd());
  }
  return sections;
}

function timing(result: ExperimentResult): string {
  if (result.skipped) return 'skipped on this backend';
  if (result.trainingSeconds === undefined) return `${Math.round(result.seconds)} s`;
  const wall = result.sweepWallSeconds ? `, ${Math.round(result.sweepWallSeconds / 60)} min wall time between the first trial's start and the last one's finish` : '';
  return `${result.trials} trials, ${Math.round(result.trainingSeconds)} s of training${wall}`;
}

/** A section's body (everything under its heading). */
function sectionBody(result: ExperimentResult, backend: string, tfjsVersion: string, quick: boolean): string {
  const report = result.reportDirectory ? `\n\nFull report (HTML, CSV, JSON): \`${path.relative(REPOSITORY_ROOT, result.reportDirectory)}/\` (git-ignored; rerun to produce it).` : '';
  return [
    '',
    `*Generated ${new Date().toISOString().slice(0, 10)} on backend \`${backend}\`, tfjs ${tfjsVersion}${quick ? ', QUICK MODE (not the committed numbers)' : ''}; wall time of this call ${Math.round(result.seconds)} s.*`,
    '',
    `**Question.** ${result.question}`,
    '',
    `**Setup.** ${result.setup}`,
    '',
    `**Run.** \`npx ts-node --transpile-only experiments/${result.name}.ts\` (${timing(result)}).${report}`,
    '',
    result.markdown,
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const only = argv.find((argument) => argument.startsWith('--only='))?.slice('--only='.length).split(',');
  const options = parseExperimentArguments(argv.filter((argument) => !argument.startsWith('--only=')));
  options.onProgress = (line) => process.stderr.write(`${line}\n`);
  const known: string[] = STUDIES.map((study) => study.NAME);
  const unknown = (only ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`--only: unknown studies ${unknown.join(', ')}; known: ${known.join(', ')}`);
  await ensureBackend();
  const backend = activeBackend()!;
  const file = options.quick ? path.join(REPOSITORY_ROOT, 'runs', 'EXPERIMENTS.quick.md') : path.join(REPOSITORY_ROOT, 'EXPERIMENTS.md');
  const sections = only && fs.existsSync(file) ? existingSections(fs.readFileSync(file, 'utf8')) : new Map<string, string>();
  let total = 0;
  for (const study of STUDIES) {
    if (only && !only.includes(study.NAME)) continue;
    process.stderr.write(`\n=== ${study.NAME}${options.quick ? ' (quick)' : ''} ===\n`);
    const result = await study.run(options);
    total += result.trainingSeconds ?? result.seconds;
    sections.set(study.NAME, sectionBody(result, backend.name, backend.tfjsVersion, options.quick === true));
  }
  const ordered = STUDIES.map((study) => study.NAME).filter((name) => sections.has(name));
  const text = ['# Experiments', '', PREAMBLE, '', ...ordered.map((name, index) => `## ${index + 1}. \`${name}\`\n${sections.get(name)}\n`)].join('\n');
  fs.writeFileSync(file, text);
  process.stdout.write(`${path.relative(process.cwd(), file)} written (${ordered.length} sections; ${Math.round(total)} s of training in this call)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
