/**
 * What parts of the test suite need from the machine, found the same way by the provisioning
 * script (scripts/provision-test-deps.ts, run by `npm test` before jest) and by the tests:
 *
 * - `chromium`: a Chromium/Chrome binary for the HTML report tests (playwright-core drives it);
 * - `postgresql`: PostgreSQL server binaries (initdb, pg_ctl) for the distributed sweep tests;
 * - `native-backend`: `@tensorflow/tfjs-node` loading in a fresh node process;
 * - `fashion-mnist`: the IDX files of Debian's `dataset-fashion-mnist` package, for the loader tests.
 *
 * A test that needs a missing part is never silently dropped: {@link describeWhenAvailable} marks
 * it skipped with the reason and the exact command that fixes it in its name, prints the same on
 * stderr, and under `CI=true` turns it into a failing test (CI must not pass with a part missing).
 *
 * No import-time side effects: every probe runs when called, and its answer is cached per process.
 */
import { spawnSync } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import * as path from 'path';
import { fashionMnistAvailable, fashionMnistDirectory } from '../../lib/data/fashion-mnist';

export type RequirementName = 'chromium' | 'postgresql' | 'native-backend' | 'fashion-mnist';

/** The outcome of looking for one part. */
export interface Requirement {
  name: RequirementName;
  /** What the tests use it for, e.g. "HTML report tests". */
  neededBy: string;
  available: boolean;
  /** Where it was found (a binary, a folder), when available. */
  location?: string;
  /** Why it is unavailable, when it is not. */
  reason?: string;
  /** The exact command that makes it available. */
  fix: string;
}

const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = runningAsRoot ? '' : 'sudo ';

/** The apt package that provides each system part (Debian names). */
export const APT_PACKAGES: Record<Exclude<RequirementName, 'native-backend'>, string> = {
  chromium: 'chromium',
  postgresql: 'postgresql',
  'fashion-mnist': 'dataset-fashion-mnist',
};

function onPath(names: string[]): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!directory) continue;
    for (const name of names) {
      const candidate = path.join(directory, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Browser binary names tried on PATH, in order. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];

/** `LAYERWISE_CHROMIUM` if set, else the first Chromium/Chrome binary on PATH. */
export function findChromium(): string | undefined {
  const override = process.env.LAYERWISE_CHROMIUM;
  if (override) return existsSync(override) ? override : undefined;
  return onPath(CHROMIUM_NAMES);
}

/** `LAYERWISE_PG_BIN` if set, else the newest /usr/lib/postgresql/<version>/bin with initdb, else initdb on PATH. */
export function findPostgresBinDirectory(): string | undefined {
  const override = process.env.LAYERWISE_PG_BIN;
  if (override) return existsSync(path.join(override, 'initdb')) ? override : undefined;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(path.join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return path.join(root, versions[0], 'bin');
  const initdb = onPath(['initdb']);
  return initdb === undefined ? undefined : path.dirname(initdb);
}

/**
 * Whether `@tensorflow/tfjs-node` loads and becomes the active backend of `@tensorflow/tfjs` in a
 * fresh node process started in `directory`; the reason (first error line) when it does not.
 */
export function probeNativeBackend(directory: string = path.resolve(__dirname, '..', '..')): { loads: boolean; reason?: string } {
  const probe = spawnSync(
    process.execPath,
    ['-e', "require('@tensorflow/tfjs-node'); process.stdout.write(require('@tensorflow/tfjs').getBackend())"],
    { cwd: directory, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } },
  );
  if (probe.status === 0 && probe.stdout === 'tensorflow') return { loads: true };
  const firstError = String(probe.stderr ?? '').split('\n').find((line) => /Error|error|Cannot/.test(line));
  return { loads: false, reason: firstError?.trim() ?? `probe exited ${String(probe.status)} with backend ${JSON.stringify(probe.stdout)}` };
}

const cache = new Map<RequirementName, Requirement>();

/**
 * Looks for one part (once per process, unless `fresh`, e.g. after installing it).
 * @param fresh probe again instead of returning the remembered answer.
 */
export function requirement(name: RequirementName, fresh = false): Requirement {
  const cached = fresh ? undefined : cache.get(name);
  if (cached !== undefined) return cached;
  let found: Requirement;
  if (name === 'chromium') {
    const location = findChromium();
    found = {
      name,
      neededBy: 'HTML report tests (headless browser)',
      available: location !== undefined,
      location,
      reason: location === undefined
        ? process.env.LAYERWISE_CHROMIUM
          ? `LAYERWISE_CHROMIUM=${process.env.LAYERWISE_CHROMIUM} does not exist`
          : `no Chromium/Chrome binary on PATH (tried ${CHROMIUM_NAMES.join(', ')}; LAYERWISE_CHROMIUM overrides)`
        : undefined,
      fix: process.env.LAYERWISE_CHROMIUM && location === undefined
        ? `unset LAYERWISE_CHROMIUM, or point it at a Chromium binary (or: ${sudo}apt-get install -y --no-install-recommends ${APT_PACKAGES.chromium})`
        : `${sudo}apt-get install -y --no-install-recommends ${APT_PACKAGES.chromium}`,
    };
  } else if (name === 'postgresql') {
    const location = findPostgresBinDirectory();
    found = {
      name,
      neededBy: 'distributed sweep tests (PostgreSQL store)',
      available: location !== undefined,
      location,
      reason: location === undefined
        ? process.env.LAYERWISE_PG_BIN
          ? `LAYERWISE_PG_BIN=${process.env.LAYERWISE_PG_BIN} has no initdb`
          : 'no PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin or on PATH (LAYERWISE_PG_BIN overrides)'
        : undefined,
      fix: process.env.LAYERWISE_PG_BIN && location === undefined
        ? `unset LAYERWISE_PG_BIN, or point it at a folder with initdb and pg_ctl (or: ${sudo}apt-get install -y --no-install-recommends ${APT_PACKAGES.postgresql})`
        : `${sudo}apt-get install -y --no-install-recommends ${APT_PACKAGES.postgresql}`,
    };
  } else if (name === 'fashion-mnist') {
    const { directory, source } = fashionMnistDirectory();
    const available = fashionMnistAvailable();
    found = {
      name,
      neededBy: 'Fashion-MNIST loader tests',
      available,
      location: available ? directory : undefined,
      reason: available ? undefined : `the four Fashion-MNIST IDX files are not in ${directory} (${source})`,
      fix: process.env.LAYERWISE_FASHION_MNIST_DIR
        ? `unset LAYERWISE_FASHION_MNIST_DIR, or point it at a folder with the IDX files (or: ${sudo}apt-get install -y --no-install-recommends ${APT_PACKAGES['fashion-mnist']})`
        : `${sudo}apt-get install -y --no-install-recommends ${APT_PACKAGES['fashion-mnist']}`,
    };
  } else {
    const probe = probeNativeBackend();
    found = {
      name,
      neededBy: 'native backend tests',
      available: probe.loads,
      location: probe.loads ? '@tensorflow/tfjs-node' : undefined,
      reason: probe.loads ? undefined : `@tensorflow/tfjs-node does not load: ${probe.reason}`,
      fix: 'npm run native:install',
    };
  }
  cache.set(name, found);
  return found;
}

/** True when a missing part must fail the run instead of skipping (CI=true, as CI services set it). */
export function missingPartsFail(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** The one line that explains a skip (or, under CI, a failure). */
export function skipMessage(missing: Requirement): string {
  return `${missing.neededBy} need ${missing.name}: ${missing.reason}; fix: ${missing.fix}`;
}

/**
 * `describe(title, body)` when every listed part is available. Otherwise the block is skipped with
 * the reason and fix command in its title (jest lists it as skipped) and on stderr, or, under
 * `CI=true`, replaced by one failing test with the same message.
 */
export function describeWhenAvailable(needs: RequirementName[], title: string, body: () => void): void {
  const missing = needs.map((name) => requirement(name)).filter((part) => !part.available);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const message = missing.map(skipMessage).join(' | ');
  if (missingPartsFail()) {
    describe(title, () => {
      test(`requires ${missing.map((part) => part.name).join(', ')}`, () => {
        throw new Error(`missing with CI=true (a missing part is a failure in CI): ${message}`);
      });
    });
    return;
  }
  process.stderr.write(`SKIPPED "${title}": ${message}\n`);
  describe.skip(`${title} [SKIPPED: ${message}]`, body);
}
