import * as os from 'os';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';

/** Arguments of {@link threadEnvironment} and {@link limitNativeThreads}. */
export interface ThreadLimitArgs {
  /**
   * Threads one TensorFlow op may use (`TF_NUM_INTRAOP_THREADS`, and `OMP_NUM_THREADS` for the
   * oneDNN kernels). Default: TensorFlow's own default (one per core).
   */
  intraOp?: number;
  /** Ops TensorFlow may run concurrently (`TF_NUM_INTEROP_THREADS`). Default: TensorFlow's default. */
  interOp?: number;
}

/**
 * Environment variables that cap libtensorflow's thread pools. libtensorflow reads them once,
 * when `@tensorflow/tfjs-node` is first loaded (tensorflow/core/common_runtime/process_util.cc),
 * so they must be in a worker process's environment before it starts, or set in this process
 * before {@link initBackend} loads the native backend. A pool of N workers on C cores should give
 * each worker `intraOp: Math.max(1, Math.floor(C / N))` and `interOp: 1` so they do not
 * oversubscribe the machine. The `cpu` and `wasm` backends are single-threaded and ignore these.
 * @returns variables to merge into `child_process` `env` (only the fields that were given).
 */
export function threadEnvironment(args: ThreadLimitArgs): Record<string, string> {
  const environment: Record<string, string> = {};
  if (args.intraOp !== undefined) {
    checkThreadCount(args.intraOp, 'intraOp');
    environment.TF_NUM_INTRAOP_THREADS = String(args.intraOp);
    environment.OMP_NUM_THREADS = String(args.intraOp);
  }
  if (args.interOp !== undefined) {
    checkThreadCount(args.interOp, 'interOp');
    environment.TF_NUM_INTEROP_THREADS = String(args.interOp);
  }
  return environment;
}

/**
 * Sets the thread caps in this process's environment so that the native backend, when
 * {@link initBackend} loads it, uses them. Throws if the native backend is already loaded,
 * because then the caps would silently not apply.
 */
export function limitNativeThreads(args: ThreadLimitArgs): void {
  if (isNativeModuleLoaded()) {
    throw new Error(
      'limitNativeThreads: @tensorflow/tfjs-node is already loaded, so libtensorflow has sized its thread pools; ' +
        'call limitNativeThreads before initBackend, or pass threadEnvironment(...) to the worker process instead',
    );
  }
  Object.assign(process.env, threadEnvironment(args));
}

/** Reads the thread caps in effect from an environment (undefined where TensorFlow's default applies). */
export function threadsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ThreadLimitArgs {
  const read = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = Number(raw);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  return { intraOp: read('TF_NUM_INTRAOP_THREADS'), interOp: read('TF_NUM_INTEROP_THREADS') };
}

/** True when some copy of tfjs-node's entry module is in Node's module cache. */
export function isNativeModuleLoaded(): boolean {
  return Object.keys(require.cache).some((file) => /[\\/]@tensorflow[\\/]tfjs-node[\\/]dist[\\/]index\.js$/.test(file));
}

function checkThreadCount(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new LayerwiseConfigError(`threads.${field}`, `= ${describeValue(value)}: expected an integer >= 1`);
  }
}

/** The machine's cores as Node reports them (`os.availableParallelism` from Node 18.14; `os.cpus()` before). */
function machineCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * The intra-op thread count {@link initBackend} gives libtensorflow when the environment
 * (`TF_NUM_INTRAOP_THREADS`, or {@link limitNativeThreads}) chose none: one less than the cores, at
 * least 1.
 *
 * Why not TensorFlow's own default (one pool thread per core): the JavaScript thread that dispatches
 * every kernel and waits for it is busy too, so a pool as large as the machine oversubscribes it,
 * and the models a sweep trains are made of kernels too small to gain from being split across
 * threads. Measured on 2 cores (docs/benchmarks.md "Model zoo, session 6"): the zoo's GRU steps
 * took 17.5 ms with the default pool and 13.2 ms with 1 thread, and over two back-to-back pairs of
 * zoo runs layerwise trained 15-18% more samples per second (geometric mean of its 10 models) and
 * 19-20% more per CPU second with 1. A sweep's pool workers get 1 from the pool itself
 * (lib/sweep/executors/process-pool.ts).
 * @param cores the machine's cores; default: what Node reports
 */
export function defaultIntraOpThreads(cores: number = machineCores()): number {
  if (!Number.isInteger(cores) || cores < 1) throw new LayerwiseConfigError('cores', `= ${describeValue(cores)}: expected an integer >= 1`);
  return Math.max(1, cores - 1);
}

/** What {@link withDefaultIntraOpThreads} did. */
export interface DefaultIntraOpResult<T> {
  /** What the load function returned. */
  result: T;
  /** The intra-op count libtensorflow got from this function, or undefined when the environment had chosen one (or tfjs-node was loaded already). */
  intraOp: number | undefined;
}

/**
 * Runs `load` (which loads tfjs-node, so libtensorflow sizes its thread pools) with
 * {@link defaultIntraOpThreads} in `process.env` (`TF_NUM_INTRAOP_THREADS`, and `OMP_NUM_THREADS`
 * when unset), if tfjs-node is not loaded yet and `process.env` sets no `TF_NUM_INTRAOP_THREADS`;
 * then takes out again the variables it added. libtensorflow reads them only while it loads (its
 * kernels keep the pool size after they are gone: a 1024x1024 product measured 1 core busy either
 * way), and the process's later child processes (a Python script with OpenMP, say) must not inherit
 * a thread count their user never set.
 */
export function withDefaultIntraOpThreads<T>(load: () => T): DefaultIntraOpResult<T> {
  const isSet = (value: string | undefined) => value !== undefined && value.trim() !== '';
  if (isNativeModuleLoaded() || isSet(process.env.TF_NUM_INTRAOP_THREADS)) return { result: load(), intraOp: undefined };
  const intraOp = defaultIntraOpThreads();
  const added = ['TF_NUM_INTRAOP_THREADS', ...(isSet(process.env.OMP_NUM_THREADS) ? [] : ['OMP_NUM_THREADS'])];
  for (const name of added) process.env[name] = String(intraOp);
  try {
    return { result: load(), intraOp };
  } finally {
    for (const name of added) delete process.env[name];
  }
}
