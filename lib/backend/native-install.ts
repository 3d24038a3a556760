/**
 * `npm run native:install`: provisions `@tensorflow/tfjs-node` (the native `tensorflow` backend)
 * without the storage host its own install script downloads libtensorflow from.
 *
 * Steps (each printed as it runs; every step is skipped when its result is already in place):
 *  1. put the tfjs-node package files in node_modules without running its install script
 *     (`npm install --no-save --ignore-scripts`; package.json and package-lock.json are left as they were);
 *  2. download the pinned `tensorflow-cpu` wheel from PyPI (or its mirror) with
 *     `pip download --no-deps --only-binary=:all:` and explicit platform tags into `.cache/layerwise-native/`;
 *  3. take `libtensorflow_cc.so.2` / `libtensorflow_framework.so.2` (they carry the TF C and eager C API)
 *     and the C API headers out of the wheel into tfjs-node's `deps/lib` and `deps/include`, under
 *     the names tfjs-node's binding.gyp and install script look for;
 *  4. check the toolchain (C++ compiler, make, python3 for gyp, Node headers, node-gyp) and that the
 *     library exports every `TF_*`/`TFE_*` function the binding calls;
 *  5. build the binding from source with tfjs-node's `scripts/install.js` (node-gyp against the
 *     local Node headers: `npm_config_nodedir`, no header download);
 *  6. verify in a fresh Node process: the `tensorflow` backend loads, a matMul and its gradient give
 *     the exact expected numbers.
 *
 * Options: `--tensorflow-version X` (default {@link PINNED_TENSORFLOW_VERSION}; also
 * `LAYERWISE_NATIVE_TF_VERSION`), `--force` (re-extract and rebuild), `--verify-only`.
 * Environment: `PYTHON` (interpreter whose pip to use, default python3), `LAYERWISE_NATIVE_CACHE`
 * (wheel cache folder, default `<project>/.cache/layerwise-native`), `npm_config_nodedir`
 * (Node headers prefix, default the prefix of the running node).
 *
 * This file is a command-line tool, so unlike the library it prints.
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ZipArchive } from './zip-archive';

/** The tensorflow-cpu wheel whose C library is known to link and train with tfjs-node 4.22's binding. */
export const PINNED_TENSORFLOW_VERSION = '2.21.0';
/** The tfjs-node version this project pins (package.json optionalDependencies). */
export const TFJS_NODE_VERSION = '4.22.0';
/** Platform tags pip may pick a wheel for (the TF 2.21 wheel is manylinux_2_27, older ones manylinux2014). */
const WHEEL_PLATFORMS = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64'];
const WHEEL_PYTHON_VERSION = '3.11';
/** libtensorflow version tfjs-node 4.22's scripts hard-code in the file names they check for. */
const TFJS_NODE_LIBTENSORFLOW_SUFFIX = '2.9.1';
/** Written into deps/ after a verified build, so a rerun with the same inputs does nothing. */
const STAMP_FILE = 'layerwise-native.json';

class InstallError extends Error {}

interface InstallOptions {
  tensorflowVersion: string;
  force: boolean;
  verifyOnly: boolean;
}

interface Stamp {
  tensorflowVersion: string;
  tfjsNodeVersion: string;
  nodeVersion: string;
  wheel: string;
  libraryVersion?: string;
}

const TOTAL_STEPS = 6;
function step(index: number, text: string): void {
  console.log(`[native:install] ${index}/${TOTAL_STEPS} ${text}`);
}
function note(text: string): void {
  console.log(`[native:install]     ${text}`);
}

function parseOptions(argv: string[]): InstallOptions {
  const options: InstallOptions = {
    tensorflowVersion: process.env.LAYERWISE_NATIVE_TF_VERSION || PINNED_TENSORFLOW_VERSION,
    force: false,
    verifyOnly: false,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--force') options.force = true;
    else if (argument === '--verify-only') options.verifyOnly = true;
    else if (argument === '--tensorflow-version') options.tensorflowVersion = argv[++index] ?? '';
    else if (argument.startsWith('--tensorflow-version=')) options.tensorflowVersion = argument.slice('--tensorflow-version='.length);
    else throw new InstallError(`unknown argument ${JSON.stringify(argument)}; allowed: --tensorflow-version X, --force, --verify-only`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(options.tensorflowVersion)) {
    throw new InstallError(`--tensorflow-version = ${JSON.stringify(options.tensorflowVersion)}: expected a version such as ${PINNED_TENSORFLOW_VERSION}`);
  }
  return options;
}

/** The folder holding package.json: npm runs scripts there; fall back to walking up from this file. */
function projectRoot(): string {
  for (let directory = process.cwd(); ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'package.json')) && fs.existsSync(path.join(directory, 'node_modules'))) return directory;
    if (path.dirname(directory) === directory) break;
  }
  return path.resolve(__dirname, '..', '..');
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  return { status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), error: result.error };
}

function commandWorks(command: string, args: string[]): boolean {
  const result = run(command, args);
  return result.error === undefined && result.status === 0;
}

// ---------------------------------------------------------------------------------------------
// Step 1: package files

function resolveTfjsNode(root: string): string | undefined {
  const directory = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  return fs.existsSync(path.join(directory, 'package.json')) && fs.existsSync(path.join(directory, 'scripts', 'install.js')) ? directory : undefined;
}

function dependenciesPresent(tfjsNode: string): boolean {
  const manifest = JSON.parse(fs.readFileSync(path.join(tfjsNode, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {}).every((name) => {
    try {
      require.resolve(`${name}/package.json`, { paths: [tfjsNode] });
      return true;
    } catch {
      return false;
    }
  });
}

function ensurePackage(root: string): string {
  const existing = resolveTfjsNode(root);
  if (existing !== undefined && dependenciesPresent(existing)) {
    note(`@tensorflow/tfjs-node found at ${path.relative(root, existing)}`);
    return existing;
  }
  const lockFile = path.join(root, 'package-lock.json');
  const manifestFile = path.join(root, 'package.json');
  const lockBefore = fs.existsSync(lockFile) ? fs.readFileSync(lockFile) : undefined;
  const manifestBefore = fs.readFileSync(manifestFile);
  const args = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`];
  note(`npm ${args.join(' ')}   (its install script would download libtensorflow; we build instead)`);
  const result = run('npm', args, { cwd: root, stdio: 'inherit' });
  // npm promises --no-save leaves both files alone; make sure, since other tools diff them.
  if (lockBefore !== undefined && !fs.readFileSync(lockFile).equals(lockBefore)) {
    fs.writeFileSync(lockFile, lockBefore);
    note('restored package-lock.json, which npm had rewritten');
  }
  if (!fs.readFileSync(manifestFile).equals(manifestBefore)) {
    fs.writeFileSync(manifestFile, manifestBefore);
    note('restored package.json, which npm had rewritten');
  }
  if (result.error !== undefined || result.status !== 0) {
    throw new InstallError(`npm install of @tensorflow/tfjs-node@${TFJS_NODE_VERSION} failed (exit ${String(result.status)}${result.error ? `, ${result.error.message}` : ''}); is the npm registry reachable?`);
  }
  const installed = resolveTfjsNode(root);
  if (installed === undefined || !dependenciesPresent(installed)) {
    throw new InstallError('npm install reported success but node_modules/@tensorflow/tfjs-node (or one of its dependencies) is missing');
  }
  return installed;
}

// ---------------------------------------------------------------------------------------------
// Step 2: the wheel

function findPython(): string {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    if (commandWorks(candidate, ['-m', 'pip', '--version'])) return candidate;
  }
  throw new InstallError(
    `pip not found: tried ${candidates.map((candidate) => `\`${candidate} -m pip\``).join(', ')}. ` +
      'Install Python 3 with pip (Debian: apt-get install python3-pip) or set PYTHON to an interpreter that has pip.',
  );
}

function findCachedWheel(wheelDirectory: string, version: string): string | undefined {
  if (!fs.existsSync(wheelDirectory)) return undefined;
  const name = fs.readdirSync(wheelDirectory).find((file) => file.startsWith(`tensorflow_cpu-${version}-`) && file.endsWith('.whl'));
  return name === undefined ? undefined : path.join(wheelDirectory, name);
}

function ensureWheel(cacheDirectory: string, version: string): string {
  const wheelDirectory = path.join(cacheDirectory, 'wheels');
  const cached = findCachedWheel(wheelDirectory, version);
  if (cached !== undefined) {
    note(`using cached ${path.basename(cached)}`);
    return cached;
  }
  const python = findPython();
  fs.mkdirSync(wheelDirectory, { recursive: true });
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--python-version', WHEEL_PYTHON_VERSION, '--implementation', 'cp',
    ...WHEEL_PLATFORMS.flatMap((platform) => ['--platform', platform]), '--dest', wheelDirectory, `tensorflow-cpu==${version}`];
  note(`${python} ${args.join(' ')}`);
  const result = run(python, args, { stdio: 'inherit' });
  const wheel = findCachedWheel(wheelDirectory, version);
  if (result.status !== 0 || wheel === undefined) {
    throw new InstallError(`pip could not download tensorflow-cpu==${version} for linux x86_64 (exit ${String(result.status)}); check that PyPI or your mirror (pip config list) is reachable and carries that version`);
  }
  return wheel;
}

// ---------------------------------------------------------------------------------------------
// Step 3: libraries and headers into deps/

/** Header files the binding includes directly; the rest are found by following their `#include "..."`. */
function bindingIncludes(tfjsNode: string): string[] {
  const bindingDirectory = path.join(tfjsNode, 'binding');
  const found = new Set<string>();
  for (const file of fs.readdirSync(bindingDirectory)) {
    const text = fs.readFileSync(path.join(bindingDirectory, file), 'utf8');
    for (const match of text.matchAll(/#include\s+"((?:tensorflow|tsl|xla)\/[^"]+)"/g)) found.add(match[1]);
  }
  return [...found];
}

async function extractDeps(tfjsNode: string, wheelFile: string): Promise<void> {
  const depsDirectory = path.join(tfjsNode, 'deps');
  const libDirectory = path.join(depsDirectory, 'lib');
  const includeDirectory = path.join(depsDirectory, 'include');
  fs.rmSync(depsDirectory, { recursive: true, force: true });
  fs.mkdirSync(libDirectory, { recursive: true });
  const wheel = ZipArchive.open(wheelFile);

  for (const library of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    const entry = `tensorflow/${library}`;
    if (!wheel.entries.has(entry)) throw new InstallError(`${path.basename(wheelFile)} has no ${entry}; this TensorFlow version does not ship the C library in its wheel`);
    note(`extract ${entry} (${Math.round(wheel.entry(entry).size / 1e6)} MB) -> deps/lib/${library}`);
    await wheel.extract(entry, path.join(libDirectory, library));
  }
  // libtensorflow_cc's SONAME is libtensorflow_cc.so.2, so that is what the built binding will ask the
  // loader for; the other names are the ones tfjs-node's install script checks (x.so.2.9.1) and the
  // ones the linker resolves -ltensorflow / -ltensorflow_framework with.
  const links: Array<[string, string]> = [
    [`libtensorflow.so.${TFJS_NODE_LIBTENSORFLOW_SUFFIX}`, 'libtensorflow_cc.so.2'],
    ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    [`libtensorflow_framework.so.${TFJS_NODE_LIBTENSORFLOW_SUFFIX}`, 'libtensorflow_framework.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  ];
  for (const [name, target] of links) fs.symlinkSync(target, path.join(libDirectory, name));
  note(`links: ${links.map(([name, target]) => `${name} -> ${target}`).join(', ')}`);

  // Headers: the binding's includes and everything they include, from tensorflow/include in the wheel.
  const pending = bindingIncludes(tfjsNode);
  const copied = new Set<string>();
  const missing: string[] = [];
  while (pending.length > 0) {
    const header = pending.pop() as string;
    if (copied.has(header)) continue;
    copied.add(header);
    const entry = `tensorflow/include/${header}`;
    if (!wheel.entries.has(entry)) {
      missing.push(header);
      continue;
    }
    const text = await wheel.read(entry);
    fs.mkdirSync(path.dirname(path.join(includeDirectory, header)), { recursive: true });
    fs.writeFileSync(path.join(includeDirectory, header), text);
    for (const match of text.toString('utf8').matchAll(/#include\s+"([^"]+)"/g)) pending.push(match[1]);
  }
  if (missing.length > 0) throw new InstallError(`C API headers missing from ${path.basename(wheelFile)}: ${missing.join(', ')}`);
  note(`copied ${copied.size} C API headers -> deps/include`);
}

// ---------------------------------------------------------------------------------------------
// Step 4: toolchain and symbols

function nodeHeadersPrefix(): string {
  return process.env.npm_config_nodedir || path.resolve(path.dirname(process.execPath), '..');
}

function findNodeGyp(root: string): string | undefined {
  const candidates: string[] = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch {
    // not a project dependency; npm bundles one
  }
  candidates.push(path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    const npmPrefix = run('npm', ['prefix', '-g']).stdout.trim();
    if (npmPrefix) candidates.push(path.join(npmPrefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {
    // npm prefix unavailable; other candidates remain
  }
  return candidates.find((candidate) => fs.existsSync(candidate));
}

/** `TF_*` / `TFE_*` functions the binding calls, read from its sources. */
function bindingSymbols(tfjsNode: string): string[] {
  const bindingDirectory = path.join(tfjsNode, 'binding');
  const symbols = new Set<string>();
  for (const file of fs.readdirSync(bindingDirectory)) {
    const text = fs.readFileSync(path.join(bindingDirectory, file), 'utf8');
    for (const match of text.matchAll(/\b(TFE?_[A-Z][A-Za-z0-9_]*)\s*\(/g)) symbols.add(match[1]);
  }
  return [...symbols].sort();
}

/** Functions declared in the copied C API headers. */
function declaredSymbols(includeDirectory: string): Set<string> {
  const declared = new Set<string>();
  const visit = (directory: string): void => {
    for (const item of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, item.name);
      if (item.isDirectory()) visit(full);
      else {
        const text = fs.readFileSync(full, 'utf8');
        for (const match of text.matchAll(/\b(TFE?_[A-Z][A-Za-z0-9_]*)\s*\(/g)) declared.add(match[1]);
        // Inline helpers (the TF_TString_* family) are compiled into the binding, not exported.
        for (const match of text.matchAll(/\binline\b[^;{(]*\b(TFE?_[A-Z][A-Za-z0-9_]*)\s*\(/g)) inline.add(match[1]);
      }
    }
  };
  const inline = new Set<string>();
  visit(includeDirectory);
  for (const name of inline) declared.delete(name);
  return declared;
}

function checkToolchain(root: string, tfjsNode: string): { nodeDirectory: string; nodeGyp: string } {
  const problems: string[] = [];
  const compiler = process.env.CXX || 'c++';
  if (!commandWorks(compiler, ['--version']) && !commandWorks('g++', ['--version'])) problems.push(`C++ compiler (${compiler} / g++; Debian: apt-get install g++)`);
  if (!commandWorks('make', ['--version'])) problems.push('make (Debian: apt-get install make)');
  if (!commandWorks('python3', ['--version'])) problems.push('python3 (node-gyp runs gyp with it)');
  const nodeDirectory = nodeHeadersPrefix();
  const nodeApiHeader = path.join(nodeDirectory, 'include', 'node', 'node_api.h');
  if (!fs.existsSync(nodeApiHeader)) {
    problems.push(`Node headers: ${nodeApiHeader} does not exist (set npm_config_nodedir to the prefix that has include/node/node_api.h, e.g. an unpacked node-v${process.versions.node}-headers.tar.gz)`);
  }
  const nodeGyp = findNodeGyp(root);
  if (nodeGyp === undefined) problems.push('node-gyp (npm bundles it; or npm install -g node-gyp, or set npm_config_node_gyp)');
  if (!fs.existsSync(path.join(root, 'node_modules', '.bin', 'node-pre-gyp'))) problems.push('node_modules/.bin/node-pre-gyp (a dependency of tfjs-node; rerun with --force)');
  if (problems.length > 0) throw new InstallError(`cannot build the binding; missing: ${problems.join('; ')}`);
  note(`compiler ok, make ok, python3 ok, Node headers ${nodeDirectory}/include/node, node-gyp ${nodeGyp}`);

  // The C API is split over both libraries (TF_NewStatus lives in libtensorflow_framework).
  const libraries = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'].map((name) => path.join(tfjsNode, 'deps', 'lib', name));
  const nm = run('nm', ['-D', '--defined-only', ...libraries]);
  if (nm.error !== undefined || nm.status !== 0) {
    note('nm (binutils) not available: skipping the symbol check; a missing symbol would show in step 6');
  } else {
    // nm prints versioned names (`TF_Version@@tensorflow`); compare the bare name.
    const exported = new Set(nm.stdout.split('\n').map((line) => (line.trim().split(/\s+/).pop() ?? '').split('@')[0]));
    const declared = declaredSymbols(path.join(tfjsNode, 'deps', 'include'));
    // The binding's own helpers (TF_AutoStatus, TFE_AutoOp) match the pattern but are not C API calls.
    const needed = bindingSymbols(tfjsNode).filter((symbol) => declared.has(symbol));
    const absent = needed.filter((symbol) => !exported.has(symbol));
    if (absent.length > 0) throw new InstallError(`the TensorFlow libraries do not export ${absent.length} symbols the binding calls: ${absent.join(', ')}; try another --tensorflow-version`);
    note(`all ${needed.length} TF_/TFE_ C API functions the binding calls are exported by the two libraries`);
  }
  return { nodeDirectory, nodeGyp: nodeGyp as string };
}

// ---------------------------------------------------------------------------------------------
// Step 5: build

/** The built addon: node-pre-gyp picks the highest N-API version in tfjs-node's list that Node supports (napi-v8 on Node 20). */
function bindingFile(tfjsNode: string): string | undefined {
  const libDirectory = path.join(tfjsNode, 'lib');
  if (!fs.existsSync(libDirectory)) return undefined;
  const found = fs.readdirSync(libDirectory)
    .filter((name) => /^napi-v\d+$/.test(name))
    .map((name) => path.join(libDirectory, name, 'tfjs_binding.node'))
    .filter((file) => fs.existsSync(file));
  return found[0];
}

function build(root: string, tfjsNode: string, toolchain: { nodeDirectory: string; nodeGyp: string }): void {
  fs.rmSync(path.join(tfjsNode, 'lib'), { recursive: true, force: true });
  fs.rmSync(path.join(tfjsNode, 'build'), { recursive: true, force: true });
  const env = {
    ...process.env,
    PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: toolchain.nodeDirectory,
    npm_config_node_gyp: toolchain.nodeGyp,
    // Skip node-pre-gyp's attempt to download a prebuilt binding from the same unreachable host.
    npm_config_build_from_source: 'true',
  };
  note(`node scripts/install.js   (in ${path.relative(root, tfjsNode)}; npm_config_nodedir=${toolchain.nodeDirectory}, build from source)`);
  const started = Date.now();
  const result = run(process.execPath, ['scripts/install.js'], { cwd: tfjsNode, env, stdio: 'inherit' });
  const built = bindingFile(tfjsNode);
  if (result.status !== 0 || built === undefined) {
    throw new InstallError(`building the binding failed (exit ${String(result.status)}); the compiler output above says why`);
  }
  note(`built ${path.relative(root, built)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// Step 6: verification in a fresh process

/**
 * Loads the backend and checks a real op and a gradient. x = [[1,2],[3,4]], w = [[5,6],[7,8]]:
 * x·w = [[19,22],[43,50]] (hand computation); d sum(x·w)/dx = ones(2,2)·wᵀ = [[11,15],[11,15]].
 */
const VERIFY_SCRIPT = `
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-node');
const out = { backend: tf.getBackend() };
const x = tf.tensor2d([[1, 2], [3, 4]]);
const w = tf.tensor2d([[5, 6], [7, 8]]);
out.product = tf.matMul(x, w).arraySync();
out.gradient = tf.grad((input) => tf.matMul(input, w).sum())(x).arraySync();
out.libraryVersion = tf.backend().binding && tf.backend().binding.TF_Version;
process.stdout.write(JSON.stringify(out));
`;

function verify(root: string): string | undefined {
  const result = run(process.execPath, ['-e', VERIFY_SCRIPT], { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (result.status !== 0) {
    const undefinedSymbol = /undefined symbol: (\S+)/.exec(result.stderr);
    const detail = undefinedSymbol
      ? `the binding needs symbol ${undefinedSymbol[1]}, which the TensorFlow library does not export; try another --tensorflow-version`
      : result.stderr.split('\n').filter((line) => /Error|error/.test(line)).slice(0, 3).join(' | ') || result.stderr.slice(-600);
    throw new InstallError(`verification failed: loading @tensorflow/tfjs-node in a fresh node process exited ${String(result.status)}: ${detail}`);
  }
  const out = JSON.parse(result.stdout) as { backend: string; product: number[][]; gradient: number[][]; libraryVersion?: string };
  const same = (actual: number[][], expected: number[][]): boolean => JSON.stringify(actual) === JSON.stringify(expected);
  if (out.backend !== 'tensorflow') throw new InstallError(`verification failed: active backend is ${out.backend}, expected tensorflow`);
  if (!same(out.product, [[19, 22], [43, 50]])) throw new InstallError(`verification failed: matMul gave ${JSON.stringify(out.product)}, expected [[19,22],[43,50]]`);
  if (!same(out.gradient, [[11, 15], [11, 15]])) throw new InstallError(`verification failed: gradient gave ${JSON.stringify(out.gradient)}, expected [[11,15],[11,15]]`);
  note(`backend tensorflow loads in a fresh process; matMul and its gradient are exact; libtensorflow ${out.libraryVersion ?? '?'}`);
  return out.libraryVersion;
}

// ---------------------------------------------------------------------------------------------

function readStamp(tfjsNode: string): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(tfjsNode, 'deps', STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Runs the whole installation; resolves to the stamp describing what is installed. */
export async function installNative(argv: string[] = []): Promise<Stamp> {
  const options = parseOptions(argv);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new InstallError(`the offline installer supports linux x64 (tensorflow-cpu wheels); this is ${process.platform} ${process.arch}. Use a plain \`npm install\`, which downloads libtensorflow for your platform`);
  }
  const root = projectRoot();
  const cacheDirectory = process.env.LAYERWISE_NATIVE_CACHE || path.join(root, '.cache', 'layerwise-native');

  step(1, `@tensorflow/tfjs-node@${TFJS_NODE_VERSION} package files`);
  const tfjsNode = ensurePackage(root);

  const stamp = readStamp(tfjsNode);
  const current = stamp !== undefined && stamp.tensorflowVersion === options.tensorflowVersion && stamp.nodeVersion === process.versions.node && bindingFile(tfjsNode) !== undefined;
  if (options.verifyOnly || (current && !options.force)) {
    note(options.verifyOnly ? 'verify only' : `already built against tensorflow-cpu ${options.tensorflowVersion} for node ${process.versions.node}; steps 2-5 skipped (--force rebuilds)`);
    step(6, 'verify');
    verify(root);
    return stamp ?? { tensorflowVersion: options.tensorflowVersion, tfjsNodeVersion: TFJS_NODE_VERSION, nodeVersion: process.versions.node, wheel: '' };
  }

  step(2, `tensorflow-cpu==${options.tensorflowVersion} wheel`);
  const wheel = ensureWheel(cacheDirectory, options.tensorflowVersion);
  step(3, 'TensorFlow C library and headers -> deps/');
  await extractDeps(tfjsNode, wheel);
  step(4, 'toolchain and symbol check');
  const toolchain = checkToolchain(root, tfjsNode);
  step(5, 'build the binding from source');
  build(root, tfjsNode, toolchain);
  step(6, 'verify');
  const libraryVersion = verify(root);
  const written: Stamp = { tensorflowVersion: options.tensorflowVersion, tfjsNodeVersion: TFJS_NODE_VERSION, nodeVersion: process.versions.node, wheel: path.basename(wheel), libraryVersion };
  fs.writeFileSync(path.join(tfjsNode, 'deps', STAMP_FILE), `${JSON.stringify(written, null, 2)}\n`);
  console.log(`[native:install] done: the tensorflow backend is available (LAYERWISE_BACKEND=tensorflow to require it)`);
  return written;
}

if (require.main === module) {
  installNative(process.argv.slice(2)).catch((error: unknown) => {
    const message = error instanceof InstallError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`[native:install] FAILED: ${message}`);
    console.error('[native:install] the library still works on the pure-JS cpu backend without this.');
    process.exit(1);
  });
}
