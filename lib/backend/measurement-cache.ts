/**
 * A per-machine cache of `auto`'s backend measurements. Timing a sweep's model on each backend
 * costs seconds (loading the native library, building the model on each backend, warm-up and
 * timed rounds), which on a small sweep is most of the run: the README's sweep trains for ~2.5 s
 * after ~2-3 s of measuring. The answer depends only on the model and training settings, the
 * backends' versions and the machine, so it is kept in a file keyed by exactly those, and a
 * second run of the same model on the same machine reuses it. The reuse is never silent: the
 * choice records `measuredAt` (when the reused measurement was taken) next to its timings, and
 * the run's start line, `status` and the report say "cached measurement from <date>".
 *
 * Where: `LAYERWISE_MEASUREMENT_CACHE` names the file, or `off` disables the cache (every run
 * measures); default `$XDG_CACHE_HOME/layerwise/backend-measurements.json`, else
 * `~/.cache/layerwise/backend-measurements.json`. Entries older than {@link MAX_AGE_DAYS} days are
 * measured again. A cache file that cannot be read or written is ignored (the run measures).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BackendName } from './names';
import type { BackendTiming } from './measure';

/** The environment variable naming the cache file, or `off`. */
export const MEASUREMENT_CACHE_ENV_VAR = 'LAYERWISE_MEASUREMENT_CACHE';

/** A cached measurement older than this many days is taken again (drivers, load and code change). */
export const MAX_AGE_DAYS = 7;

/** Entries kept in the file at most (the most recent ones). */
const MAX_ENTRIES = 64;

/** Bumped when what `timeSteps` measures changes, so older entries stop matching. */
const PROTOCOL = 1;

/** One measurement as kept in the cache. */
export interface CachedMeasurement {
  /** The key it was stored under (see {@link measurementKey}). */
  key: string;
  chosen: BackendName;
  selection: 'measured' | 'only-available';
  timings: BackendTiming[];
  steps: number;
  /** ISO timestamp of the measurement. */
  measuredAt: string;
}

/** The cache file in effect, or undefined when the cache is off. */
export function measurementCacheFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env[MEASUREMENT_CACHE_ENV_VAR];
  if (setting !== undefined && setting.trim() !== '') return setting.trim().toLowerCase() === 'off' ? undefined : path.resolve(setting);
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'layerwise', 'backend-measurements.json');
}

/** A package's version, read from its package.json without loading it; 'absent' when it is not installed. */
function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'absent';
  }
}

/** layerwise's own version (its code decides how fast each backend trains). */
function ownVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(__dirname, relative), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'layerwise') return parsed.version ?? 'unknown';
    } catch {
      // Try the next location (sources vs dist).
    }
  }
  return 'unknown';
}

/**
 * What, besides the model, decides which backend is faster: the machine (CPU model, cores,
 * platform), the runtime and backend versions, and the thread caps the trials run under.
 */
export function machineSignature(threadEnv: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    protocol: PROTOCOL,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    layerwise: ownVersion(),
    tfjs: packageVersion('@tensorflow/tfjs'),
    tfjsNode: packageVersion('@tensorflow/tfjs-node'),
    tfjsWasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    threads: Object.fromEntries(Object.entries(threadEnv).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** JSON with object keys sorted, so equal values give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value as Record<string, unknown>)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The cache key of a model signature (what the timed model is) on a machine signature. */
export function measurementKey(model: unknown, machine: Record<string, unknown>): string {
  return createHash('sha256').update(canonical({ model, machine })).digest('hex');
}

function readEntries(file: string): CachedMeasurement[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries?: unknown };
    return Array.isArray(parsed.entries) ? (parsed.entries as CachedMeasurement[]) : [];
  } catch {
    return [];
  }
}

/** The usable cached measurement under `key`, if any (younger than {@link MAX_AGE_DAYS} days, well formed). */
export function readCachedMeasurement(file: string, key: string, now: Date = new Date()): CachedMeasurement | undefined {
  const entry = readEntries(file).find((candidate) => candidate?.key === key);
  if (entry === undefined) return undefined;
  const age = now.getTime() - Date.parse(entry.measuredAt);
  if (!Number.isFinite(age) || age < 0 || age > MAX_AGE_DAYS * 86_400_000) return undefined;
  if (typeof entry.chosen !== 'string' || !Array.isArray(entry.timings) || !entry.timings.some((timing) => timing.backend === entry.chosen && typeof timing.secondsPerStep === 'number')) return undefined;
  return entry;
}

/** Stores a measurement (replacing the key's older one); written to a temporary file and renamed, so readers never see half a file. Errors are ignored. */
export function writeCachedMeasurement(file: string, entry: CachedMeasurement): void {
  try {
    const entries = [entry, ...readEntries(file).filter((candidate) => candidate?.key !== entry.key)].slice(0, MAX_ENTRIES);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify({ version: 1, entries }, null, 1)}\n`);
    fs.renameSync(temporary, file);
  } catch {
    // A read-only home or a full disk costs the next run a measurement, nothing more.
  }
}
