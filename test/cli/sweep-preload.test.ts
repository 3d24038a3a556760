/**
 * `layerwise sweep` starts its pool before reading the definition; `autoWithBuiltInTraining` decides
 * from a glance at the file whether the workers may load the native library at once (the built-in
 * `train` objective under `auto`), and says no whenever that is not sure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { autoWithBuiltInTraining } from '../../lib/cli/sweep';

const ROOT = path.join(__dirname, '..', '..');
let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-preload-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(directory, name);
  fs.writeFileSync(file, content);
  return file;
}

test("the README's definition under auto: yes; forced backends, user objectives, modules and unreadable files: no", () => {
  const readme = path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json');
  expect(autoWithBuiltInTraining(readme, [], undefined, {})).toBe(true);
  expect(autoWithBuiltInTraining(readme, [], 'auto', { LAYERWISE_BACKEND: '' })).toBe(true);
  expect(autoWithBuiltInTraining(readme, [], 'cpu', {})).toBe(false);
  expect(autoWithBuiltInTraining(readme, [], undefined, { LAYERWISE_BACKEND: 'tensorflow' })).toBe(false);
  expect(autoWithBuiltInTraining(readme, ['./my-objective.js'], undefined, {})).toBe(false);
  expect(autoWithBuiltInTraining(write('user.json', JSON.stringify({ objective: 'my.objective' })), [], undefined, {})).toBe(false);
  expect(autoWithBuiltInTraining(write('forced.json', JSON.stringify({ execution: { backend: 'wasm' } })), [], undefined, {})).toBe(false);
  expect(autoWithBuiltInTraining(write('auto.json', JSON.stringify({ objective: 'train', execution: { backend: 'Auto' } })), [], undefined, {})).toBe(true);
  expect(autoWithBuiltInTraining(write('torn.json', '{"objective": "train"'), [], undefined, {})).toBe(false);
  expect(autoWithBuiltInTraining(path.join(directory, 'missing.json'), [], undefined, {})).toBe(false);
  expect(autoWithBuiltInTraining(write('definition.js', 'module.exports = {}'), [], undefined, {})).toBe(false);
});
