/**
 * `npm test` runs this first (package.json "pretest"): it provisions what the test suite needs on
 * this machine, idempotently, printing what it installs and why:
 *
 * - `.venv` with real Keras 3 and Optuna (test/reference-python-requirements.txt), when it cannot import them;
 * - Debian packages, when missing: `chromium` (HTML report tests drive a real headless browser),
 *   `postgresql` (distributed sweep tests start a throwaway server), `dataset-fashion-mnist`
 *   (Fashion-MNIST loader tests read its IDX files), and, when the native backend
 *   has to be built, the toolchain it needs (`g++`, `make`, `python3-pip`);
 * - the native backend (`@tensorflow/tfjs-node`) when it does not load: built from the
 *   tensorflow-cpu wheel by `layerwise native-install` (lib/backend/native-install.ts), the wheel
 *   cached in ~/.cache/layerwise/native (or $XDG_CACHE_HOME/layerwise/native).
 *
 * Installing Debian packages needs root and apt-get. Without them nothing is installed; the tests
 * that need a missing part are then reported as SKIPPED with the reason and the command that fixes
 * it (test/support/requirements.ts), and with CI=true they fail instead. A rerun with everything in
 * place only probes (about a second). `LAYERWISE_PROVISION=0` skips provisioning entirely (the same
 * skip / CI failure rules then apply to whatever is missing).
 *
 * This is a command-line script, so it prints.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { installNative } from '../lib/backend/native-install';
import { APT_PACKAGES, Requirement, RequirementName, missingPartsFail, requirement, skipMessage } from '../test/support/requirements';

const REPOSITORY = path.resolve(__dirname, '..');
const started = Date.now();

function say(text: string): void {
  process.stdout.write(`[provision] ${text}\n`);
}

function works(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

const canUseApt = typeof process.getuid === 'function' && process.getuid() === 0 && works('apt-get', ['--version']);

/** Debian packages the native build needs, with the probe that shows each is present. */
function missingBuildTools(): Array<{ aptPackage: string; why: string }> {
  const missing: Array<{ aptPackage: string; why: string }> = [];
  if (!works(process.env.CXX || 'c++', ['--version']) && !works('g++', ['--version'])) missing.push({ aptPackage: 'g++', why: 'C++ compiler for the tfjs-node binding' });
  if (!works('make', ['--version'])) missing.push({ aptPackage: 'make', why: 'node-gyp builds the binding with make' });
  if (!works('python3', ['-m', 'pip', '--version'])) missing.push({ aptPackage: 'python3-pip', why: 'pip downloads the tensorflow-cpu wheel; gyp runs on python3' });
  return missing;
}

function aptInstall(packages: Array<{ aptPackage: string; why: string }>): boolean {
  for (const { aptPackage, why } of packages) say(`installing Debian package ${aptPackage}: ${why}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (update.status !== 0) {
    say(`apt-get update failed (exit ${String(update.status)}); cannot install ${packages.map((item) => item.aptPackage).join(', ')}`);
    return false;
  }
  const names = packages.map((item) => item.aptPackage);
  say(`apt-get install -y --no-install-recommends ${names.join(' ')}   (dpkg's output is shown only if it fails)`);
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (install.status !== 0) {
    process.stdout.write(`${String(install.stdout ?? '')}${String(install.stderr ?? '')}`.split('\n').slice(-40).join('\n'));
    say(`apt-get install failed (exit ${String(install.status)})`);
    return false;
  }
  say(`installed ${names.join(', ')}`);
  return true;
}

/** The reference Python (real Keras and Optuna) the Keras round-trip and Optuna export tests run. */
const REFERENCE_VENV = path.join(REPOSITORY, '.venv');
const REFERENCE_REQUIREMENTS = path.join(REPOSITORY, 'test', 'reference-python-requirements.txt');

/**
 * Creates `.venv` with the pinned Keras and Optuna when it cannot import them (skipped when
 * LAYERWISE_PYTHON names another interpreter). pip reaches PyPI; about 700 MB, a minute or two.
 */
async function provisionReferencePython(): Promise<void> {
  if (process.env.LAYERWISE_PYTHON) return;
  const python = path.join(REFERENCE_VENV, 'bin', 'python');
  if (works(python, ['-c', 'import keras, optuna, h5py'])) {
    say(`ok       reference-python ${python} (Keras round trip and Optuna export tests)`);
    return;
  }
  say(`creating ${REFERENCE_VENV} with ${path.relative(REPOSITORY, REFERENCE_REQUIREMENTS)} (real Keras 3 and Optuna, for the Keras round-trip and Optuna export tests; about 700 MB from PyPI)`);
  const steps: Array<[string, string[]]> = [
    ['python3', ['-m', 'venv', REFERENCE_VENV]],
    [python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REFERENCE_REQUIREMENTS]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) {
      say(`could not create the reference Python (${command} exited ${String(result.status ?? result.error?.message)}); fix: python3 -m venv .venv && .venv/bin/pip install -r ${path.relative(REPOSITORY, REFERENCE_REQUIREMENTS)}`);
      return;
    }
  }
  say(`reference-python ready: ${python}`);
}

async function main(): Promise<number> {
  if (process.env.LAYERWISE_PROVISION === '0') {
    say('LAYERWISE_PROVISION=0: provisioning skipped; tests needing a missing part are skipped (CI=true: they fail)');
    return 0;
  }
  const systemParts: Array<Exclude<RequirementName, 'native-backend'>> = ['chromium', 'postgresql', 'fashion-mnist'];
  const overrides: Record<string, string | undefined> = {
    chromium: process.env.LAYERWISE_CHROMIUM,
    postgresql: process.env.LAYERWISE_PG_BIN,
    'fashion-mnist': process.env.LAYERWISE_FASHION_MNIST_DIR,
  };
  const missingSystem = systemParts.filter((name) => {
    if (requirement(name).available) return false;
    // A broken override is fixed by correcting it; installing the Debian package would not change what the tests use.
    if (overrides[name]) say(`not installing ${APT_PACKAGES[name]}: ${requirement(name).reason}; fix: ${requirement(name).fix}`);
    return !overrides[name];
  });
  const nativeMissing = !requirement('native-backend').available;
  const buildTools = nativeMissing ? missingBuildTools() : [];
  const wanted = [
    ...missingSystem.map((name) => ({ aptPackage: APT_PACKAGES[name], why: `${requirement(name).neededBy}: ${requirement(name).reason}` })),
    ...buildTools.map((tool) => ({ ...tool, why: `${tool.why} (the native backend does not load: ${requirement('native-backend').reason})` })),
  ];
  if (wanted.length > 0) {
    if (canUseApt) aptInstall(wanted);
    else {
      say(`cannot install ${wanted.map((item) => item.aptPackage).join(', ')}: ${typeof process.getuid === 'function' && process.getuid() !== 0 ? 'not root' : 'no apt-get'}`);
      say(`  fix: sudo apt-get install -y --no-install-recommends ${wanted.map((item) => item.aptPackage).join(' ')}`);
    }
  }

  if (nativeMissing) {
    say(`building the native backend: ${requirement('native-backend').reason}`);
    say('  (tests then run on libtensorflow as well as on the pure-JS cpu backend; the first build downloads a 274 MB wheel into the user cache)');
    try {
      await installNative({ directory: REPOSITORY, log: (line) => process.stdout.write(`${line}\n`) });
    } catch (error) {
      say(`native backend not installed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  await provisionReferencePython();

  const parts: Requirement[] = (['native-backend', 'chromium', 'postgresql', 'fashion-mnist'] as RequirementName[]).map((name) => requirement(name, true));
  for (const part of parts) {
    if (part.available) say(`ok       ${part.name.padEnd(14)} ${part.location} (${part.neededBy})`);
    else say(`MISSING  ${part.name.padEnd(14)} ${skipMessage(part)} -> ${missingPartsFail() ? 'these tests FAIL (CI=true)' : 'these tests are SKIPPED'}`);
  }
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[provision] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
