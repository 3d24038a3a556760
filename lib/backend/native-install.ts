/**
 * Provisions `@tensorflow/tfjs-node` (the native `tensorflow` backend) in a project, without the
 * storage host its own install script downloads libtensorflow from. Run it as
 * `npx layerwise native-install` in any project that has `@tensorflow/tfjs` installed (inside this
 * repository: `npm run native:install`, a wrapper of the same command; lib/cli/native-install.ts).
 *
 * Steps (each printed as it runs; every step is skipped when its result is already in place):
 *  1. find the project (nearest folder with package.json, from the working directory) and the
 *     `@tensorflow/tfjs` it resolves; put `@tensorflow/tfjs-node` of the SAME version in its
 *     node_modules without running its install script (`npm install --ignore-scripts`; in a user's
 *     project it is saved as an exact optional dependency; in this repository package.json and the
 *     lockfile are restored afterwards), so the app keeps one copy of tfjs;
 *  2. download the pinned `tensorflow-cpu` wheel (about 274 MB) from PyPI (or its mirror) with
 *     `pip download --no-deps --only-binary=:all:` and explicit platform tags into the user's cache
 *     folder (`$XDG_CACHE_HOME/layerwise/native`, default `~/.cache/layerwise/native`), never into the project;
 *  3. take `libtensorflow_cc.so.2` / `libtensorflow_framework.so.2` (they carry the TF C and eager C API)
 *     and the C API headers out of the wheel into tfjs-node's `deps/lib` and `deps/include`, under
 *     the names tfjs-node's binding.gyp and install script look for;
 *  4. check the toolchain (C++ compiler, make, python3 for gyp, Node headers, node-gyp) and that the
 *     library exports every `TF_*`/`TFE_*` function the binding calls;
 *  5. build the binding from source with tfjs-node's `scripts/install.js` (node-gyp against the
 *     local Node headers: `npm_config_nodedir`, no header download);
 *  6. verify in a fresh Node process started in the project: the `tensorflow` backend loads into the
 *     project's own `@tensorflow/tfjs`, a matMul and its gradient give the exact expected numbers.
 *
 * Environment: `PYTHON` (interpreter whose pip to use, default python3), `LAYERWISE_NATIVE_CACHE`
 * (wheel cache folder), `XDG_CACHE_HOME`, `npm_config_nodedir` (Node headers prefix, default the
 * prefix of the running node), `LAYERWISE_NATIVE_TF_VERSION` (default TensorFlow version).
 *
 * This module is the engine of a command-line tool, so unlike the rest of the library it prints
 * (through the `log` function it is given).
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ZipArchive } from './zip-archive';

/** The tensorflow-cpu wheel whose C library is known to link and train with tfjs-node 4.21/4.22's binding. */
export const PINNED_TENSORFLOW_VERSION = '2.21.0';
/** The tfjs-node version installed when the project's own `@tensorflow/tfjs` version cannot be read. */
export const TFJS_NODE_VERSION = '4.22.0';
/** `@tensorflow/tfjs` versions layerwise is tested with (package.json peerDependencies); others get a warning. */
export const TESTED_TFJS_VERSIONS = ['4.21.0', '4.22.0'];
/** Platform tags pip may pick a wheel for (the TF 2.21 wheel is manylinux_2_27, older ones manylinux2014). */
const WHEEL_PLATFORMS = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64'];
const WHEEL_PYTHON_VERSION = '3.11';
/** libtensorflow version tfjs-node 4.x's scripts hard-code in the file names they check for. */
const TFJS_NODE_LIBTENSORFLOW_SUFFIX = '2.9.1';
/** Written into deps/ after a verified build, so a rerun with the same inputs does nothing. */
const STAMP_FILE = 'layerwise-native.json';

/** A failure with a message that says what is missing and how to fix it (no stack trace needed). */
export class NativeInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeInstallError';
  }
}
const InstallError = NativeInstallError;

/** Arguments of {@link installNative}. */
export interface NativeInstallOptions {
  /** tensorflow-cpu wheel version whose C library is used. Default: `LAYERWISE_NATIVE_TF_VERSION`, else {@link PINNED_TENSORFLOW_VERSION}. */
  tensorflowVersion?: string;
  /** Re-extract and rebuild even when a verified build for the same inputs is in place. Default false. */
  force?: boolean;
  /** Only run the verification (step 6). Default false. */
  verifyOnly?: boolean;
  /** Folder inside the project to install into. Default: the working directory (its nearest package.json folder is used). */
  directory?: string;
  /** Wheel cache folder. Default: {@link nativeCacheDirectory}. */
  cacheDirectory?: string;
  /** Receives every progress line. Default: console.log. */
  log?: (line: string) => void;
}

/** What is installed, as written to `deps/layerwise-native.json` in tfjs-node's folder. */
export interface NativeInstallStamp {
  tensorflowVersion: string;
  tfjsNodeVersion: string;
  nodeVersion: string;
  wheel: string;
  libraryVersion?: string;
}
type Stamp = NativeInstallStamp;

/** Progress prefix: the command's name, so interleaved output (e.g. under `npm test`) says who printed it. */
const PREFIX = '[native-install]';
const TOTAL_STEPS = 6;
let log: (line: string) => void = (line) => console.log(line);
function step(index: number, text: string): void {
  log(`${PREFIX} ${index}/${TOTAL_STEPS} ${text}`);
}
function note(text: string): void {
  log(`${PREFIX}     ${text}`);
}

/**
 * The wheel cache: `LAYERWISE_NATIVE_CACHE`, else `$XDG_CACHE_HOME/layerwise/native`, else
 * `~/.cache/layerwise/native`. Outside every project, so one download serves all of them.
 */
export function nativeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAYERWISE_NATIVE_CACHE) return path.resolve(env.LAYERWISE_NATIVE_CACHE);
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'layerwise', 'native');
}

/** The nearest folder at or above `start` holding a package.json: the project being provisioned. */
export function findProjectRoot(start: string): string {
  for (let directory = path.resolve(start); ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) break;
  }
  throw new InstallError(`no package.json in ${path.resolve(start)} or any folder above it; run this inside your project (npm init -y creates one)`);
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Folder and version of the `@tensorflow/tfjs` the project resolves, or undefined if it has none. */
function projectTfjs(root: string): { directory: string; version: string } | undefined {
  try {
    const manifest = require.resolve('@tensorflow/tfjs/package.json', { paths: [root] });
    return { directory: path.dirname(manifest), version: readJson<{ version: string }>(manifest).version };
  } catch {
    return undefined;
  }
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

/** tfjs-node as the project resolves it (hoisted or not), if its files are there. */
function resolveTfjsNode(root: string): string | undefined {
  let directory: string;
  try {
    directory = path.dirname(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [root] }));
  } catch {
    return undefined;
  }
  return fs.existsSync(path.join(directory, 'scripts', 'install.js')) ? directory : undefined;
}

function dependenciesPresent(tfjsNode: string): boolean {
  const manifest = readJson<{ dependencies?: Record<string, string> }>(path.join(tfjsNode, 'package.json'));
  return Object.keys(manifest.dependencies ?? {}).every((name) => {
    try {
      require.resolve(`${name}/package.json`, { paths: [tfjsNode] });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Puts tfjs-node of the project's tfjs version into the project (tfjs-node X depends on exactly
 * tfjs X, so any other version would give the app a second copy of tfjs, whose kernels and
 * `SymbolicTensor` class do not mix with the first).
 */
function ensurePackage(root: string, tfjsNodeVersion: string): string {
  const existing = resolveTfjsNode(root);
  if (existing !== undefined && dependenciesPresent(existing)) {
    const version = readJson<{ version: string }>(path.join(existing, 'package.json')).version;
    if (version === tfjsNodeVersion) {
      note(`@tensorflow/tfjs-node@${version} found at ${path.relative(root, existing) || '.'}`);
      return existing;
    }
    note(`@tensorflow/tfjs-node@${version} found, but the project's @tensorflow/tfjs is ${tfjsNodeVersion}: installing the matching version`);
  }
  const manifestFile = path.join(root, 'package.json');
  // In a user's project tfjs-node is saved as an exact optional dependency, so later `npm install`s
  // keep it (and the build in its deps/) instead of pruning it as extraneous. In layerwise's own
  // repository it is an optional peer that `npm test` provisions, so package.json and the lockfile
  // are restored afterwards. (`--no-save` cannot be used there: npm answers "up to date" for a
  // package the root declares as an optional peer, and installs nothing.)
  const isLayerwiseRepository = readJson<{ name?: string }>(manifestFile).name === 'layerwise';
  const lockFile = path.join(root, 'package-lock.json');
  const lockBefore = fs.existsSync(lockFile) ? fs.readFileSync(lockFile) : undefined;
  const manifestBefore = fs.readFileSync(manifestFile);
  const args = ['install', '--save-optional', '--save-exact', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${tfjsNodeVersion}`];
  note(`npm ${args.join(' ')}   (its install script would download libtensorflow from storage.googleapis.com; we build from the wheel instead)`);
  const result = run('npm', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (isLayerwiseRepository) {
    if (lockBefore === undefined) fs.rmSync(lockFile, { force: true });
    else if (!fs.readFileSync(lockFile).equals(lockBefore)) fs.writeFileSync(lockFile, lockBefore);
    if (!fs.readFileSync(manifestFile).equals(manifestBefore)) fs.writeFileSync(manifestFile, manifestBefore);
    note("layerwise's own repository: package.json and package-lock.json restored (tfjs-node stays an optional peer there)");
  } else if (result.status === 0) {
    note(`saved "@tensorflow/tfjs-node": "${tfjsNodeVersion}" in ${manifestFile} optionalDependencies`);
  }
  if (result.error !== undefined || result.status !== 0) {
    throw new InstallError(`npm install of @tensorflow/tfjs-node@${tfjsNodeVersion} failed (exit ${String(result.status)}${result.error ? `, ${result.error.message}` : ''}); is the npm registry reachable?`);
  }
  const installed = resolveTfjsNode(root);
  if (installed === undefined || !dependenciesPresent(installed)) {
    throw new InstallError('npm install reported success but @tensorflow/tfjs-node (or one of its dependencies) cannot be resolved from the project');
  }
  return installed;
}

// ---------------------------------------------------------------------------------------------
// Step 2: the wheel

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

/** Total size of the regular files under a folder (symlinks not followed). */
function folderSize(directory: string): number {
  let total = 0;
  for (const item of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, item.name);
    if (item.isDirectory()) total += folderSize(full);
    else if (item.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

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
    note(`using cached ${cached} (${megabytes(fs.statSync(cached).size)})`);
    return cached;
  }
  const python = findPython();
  fs.mkdirSync(wheelDirectory, { recursive: true });
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--python-version', WHEEL_PYTHON_VERSION, '--implementation', 'cp',
    ...WHEEL_PLATFORMS.flatMap((platform) => ['--platform', platform]), '--dest', wheelDirectory, `tensorflow-cpu==${version}`];
  note(`downloading the tensorflow-cpu wheel (about 274 MB for ${PINNED_TENSORFLOW_VERSION}) into ${wheelDirectory}, kept for later runs and other projects`);
  note(`${python} ${args.join(' ')}`);
  const result = run(python, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const wheel = findCachedWheel(wheelDirectory, version);
  if (result.status !== 0 || wheel === undefined) {
    throw new InstallError(`pip could not download tensorflow-cpu==${version} for linux x86_64 (exit ${String(result.status)}); check that PyPI or your mirror (pip config list) is reachable and carries that version`);
  }
  note(`cached ${wheel} (${megabytes(fs.statSync(wheel).size)}; delete ${cacheDirectory} to reclaim it)`);
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
  note(`copied ${copied.size} C API headers -> deps/include; deps/ now holds ${megabytes(folderSize(depsDirectory))}`);
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

/**
 * Runs the whole installation in the project around `options.directory`; resolves to the stamp
 * describing what is installed. Idempotent: a verified build for the same TensorFlow and Node
 * versions is only re-verified.
 */
export async function installNative(options: NativeInstallOptions = {}): Promise<NativeInstallStamp> {
  const previousLog = log;
  if (options.log !== undefined) log = options.log;
  try {
    return await installNativeSteps(options);
  } finally {
    log = previousLog;
  }
}

async function installNativeSteps(options: NativeInstallOptions): Promise<NativeInstallStamp> {
  const tensorflowVersion = options.tensorflowVersion ?? (process.env.LAYERWISE_NATIVE_TF_VERSION || PINNED_TENSORFLOW_VERSION);
  if (!/^\d+\.\d+\.\d+$/.test(tensorflowVersion)) {
    throw new InstallError(`--tensorflow-version = ${JSON.stringify(tensorflowVersion)}: expected a version such as ${PINNED_TENSORFLOW_VERSION}`);
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new InstallError(`the offline installer supports linux x64 (tensorflow-cpu wheels); this is ${process.platform} ${process.arch}. Use a plain \`npm install @tensorflow/tfjs-node\`, which downloads libtensorflow for your platform`);
  }
  const root = findProjectRoot(options.directory ?? process.cwd());
  const cacheDirectory = options.cacheDirectory ?? nativeCacheDirectory();
  const tfjs = projectTfjs(root);
  if (tfjs === undefined) {
    throw new InstallError(`@tensorflow/tfjs is not installed in ${root}; install it first (npm install @tensorflow/tfjs@${TFJS_NODE_VERSION}), then rerun`);
  }
  note(`project ${root}: @tensorflow/tfjs ${tfjs.version}${TESTED_TFJS_VERSIONS.includes(tfjs.version) ? '' : ` (layerwise is tested with ${TESTED_TFJS_VERSIONS.join(' and ')}; trying anyway)`}`);
  const tfjsNodeVersion = tfjs.version;

  step(1, `@tensorflow/tfjs-node@${tfjsNodeVersion} package files (same version as the project's @tensorflow/tfjs, so the app keeps one copy of tfjs)`);
  const tfjsNode = ensurePackage(root, tfjsNodeVersion);

  const stamp = readStamp(tfjsNode);
  const current = stamp !== undefined && stamp.tensorflowVersion === tensorflowVersion && stamp.tfjsNodeVersion === tfjsNodeVersion && stamp.nodeVersion === process.versions.node && bindingFile(tfjsNode) !== undefined;
  if (options.verifyOnly || (current && !options.force)) {
    note(options.verifyOnly ? 'verify only' : `already built against tensorflow-cpu ${tensorflowVersion} for node ${process.versions.node}; steps 2-5 skipped (--force rebuilds)`);
    step(6, 'verify');
    verify(root);
    return stamp ?? { tensorflowVersion, tfjsNodeVersion, nodeVersion: process.versions.node, wheel: '' };
  }

  step(2, `tensorflow-cpu==${tensorflowVersion} wheel (cache: ${cacheDirectory})`);
  const wheel = ensureWheel(cacheDirectory, tensorflowVersion);
  step(3, 'TensorFlow C library and headers -> deps/');
  await extractDeps(tfjsNode, wheel);
  step(4, 'toolchain and symbol check');
  const toolchain = checkToolchain(root, tfjsNode);
  step(5, 'build the binding from source');
  build(root, tfjsNode, toolchain);
  step(6, 'verify');
  const libraryVersion = verify(root);
  const written: Stamp = { tensorflowVersion, tfjsNodeVersion, nodeVersion: process.versions.node, wheel: path.basename(wheel), libraryVersion };
  fs.writeFileSync(path.join(tfjsNode, 'deps', STAMP_FILE), `${JSON.stringify(written, null, 2)}\n`);
  log(`${PREFIX} done: the tensorflow backend is available in ${root} (initBackend() picks it; LAYERWISE_BACKEND=tensorflow requires it)`);
  return written;
}
