/**
 * Writing TensorBoard logs loads no TensorFlow: the report's writer is JavaScript
 * (lib/report/tensorboard-event-file.ts), so a sweep's report neither pays libtensorflow's load
 * time nor prints its notices ("oneDNN custom operations are on", the CPU-feature guard's lines)
 * into the user's terminal after the sweep's last line. Each case runs in a fresh Node process
 * with TF_CPP_MIN_LOG_LEVEL unset (TensorFlow reads it once, when the library loads), and lists
 * the loaded tfjs-node modules from `require.cache`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWhenAvailable } from '../support/requirements';

const ROOT = path.resolve(__dirname, '../..');

/** TensorFlow's load-time notices on stderr. */
const TENSORFLOW_NOTICES = /oneDNN|cpu_feature_guard|rebuild TensorFlow|absl::InitializeLog/;

/** A statement that prints, as the child's last stdout line, the loaded modules whose path names tfjs-node. */
const PRINT_TFJS_NODE_MODULES = "console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('tfjs-node'))));";

/** Runs `script` (which ends by running {@link PRINT_TFJS_NODE_MODULES}) in a fresh Node process; returns its stderr and that list. */
function run(script: string): { stderr: string; tfjsNodeModules: string[] } {
  const env = { ...process.env };
  delete env.TF_CPP_MIN_LOG_LEVEL;
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`the child process exited ${String(result.status)}: ${result.stderr}`);
  return { stderr: result.stderr, tfjsNodeModules: JSON.parse(result.stdout.trim().split('\n').pop() as string) as string[] };
}

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-tb-quiet-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('writing a report with TensorBoard logs', () => {
  test('loads no tfjs-node and prints no TensorFlow notice', () => {
    const { stderr, tfjsNodeModules } = run(`
      const { writeReport } = require('./lib/report/write-report');
      const { realisticSweep } = require('./test/report/fixtures');
      writeReport(${JSON.stringify(directory)}, realisticSweep({ epochs: 2 }), { formats: ['md'], bootstrapResamples: 50 })
        .then((result) => { if (result.tensorboard.runs.length === 0) throw new Error('no TensorBoard runs written'); })
        .then(() => { ${PRINT_TFJS_NODE_MODULES} });
    `);
    expect(tfjsNodeModules).toEqual([]);
    expect(stderr).not.toMatch(TENSORFLOW_NOTICES);
    expect(fs.readdirSync(path.join(directory, 'tensorboard'))).toEqual(['moons-mlp']);
  });
});

describeWhenAvailable(['native-backend'], 'the probe of this test', () => {
  test('sees tfjs-node and its notices when something does load it (the case guarded against is real)', () => {
    const { stderr, tfjsNodeModules } = run(`require('@tensorflow/tfjs-node'); ${PRINT_TFJS_NODE_MODULES}`);
    expect(tfjsNodeModules.length).toBeGreaterThan(0);
    expect(stderr).toMatch(TENSORFLOW_NOTICES);
  });
});
