import * as tf from '@tensorflow/tfjs';
import { silenceCpuBanner } from './cpu-banner';
import { BackendUnavailableError } from './errors';
import { BackendInfo, BackendSelection, describeBackend } from './info';
import { nativeInstallCommand, loadNativeBackend, nativeLibraryVersion } from './native-loader';
import { BACKEND_ENV_VAR, BackendName, parseBackendName } from './names';
import { threadsFromEnvironment, withDefaultIntraOpThreads } from './threads';
import { loadWasmBackend } from './wasm-loader';

/** Receives the one line announcing the chosen backend, and the same facts as data. */
export type BackendLogger = (line: string, info: BackendInfo) => void;

/** Arguments of {@link initBackend}. */
export interface InitBackendArgs {
  /**
   * Force a backend. Default: the `LAYERWISE_BACKEND` environment variable, else automatic
   * (`tensorflow` when `@tensorflow/tfjs-node` loads, otherwise `cpu`). A forced backend that
   * cannot be set up is an error, never a silent fallback.
   */
  backend?: BackendName;
  /**
   * Where the one announcement line goes. Default: one line on stderr. Pass `false` to stay silent
   * (the choice is still available from {@link activeBackend}).
   */
  log?: BackendLogger | false;
  /**
   * Environment to read `LAYERWISE_BACKEND` from. Default `process.env`. Thread caps are always
   * those of `process.env`, the only environment libtensorflow reads.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Replace an earlier choice of this process instead of refusing a different backend. For the
   * sweep's backend measurement, which activates every candidate in turn and then settles on the
   * fastest; tensors made on the previous backend stay there. Default false.
   */
  reselect?: boolean;
}

let chosen: Promise<BackendInfo> | undefined;
let chosenInfo: BackendInfo | undefined;
let chosenRequest: BackendName | undefined;

/**
 * Chooses and activates the TensorFlow.js backend, once per process; later calls return the same
 * answer (and throw if they force a different backend than the one already chosen). Call it before
 * building models: tensors created earlier stay on the previous backend.
 *
 * - automatic: `tensorflow` if `@tensorflow/tfjs-node` loads, else `cpu` (which can train every
 *   layer), with the reason recorded in `fallbackReason`. `wasm` is never chosen automatically.
 * - `LAYERWISE_BACKEND=tensorflow|wasm|cpu` or `args.backend` forces one and fails with
 *   {@link BackendUnavailableError} if it cannot be set up.
 */
export function initBackend(args: InitBackendArgs = {}): Promise<BackendInfo> {
  const env = args.env ?? process.env;
  let fromOption: BackendName | undefined;
  let fromEnvironment: BackendName | undefined;
  try {
    fromOption = parseBackendName(args.backend, 'initBackend.backend');
    fromEnvironment = fromOption === undefined ? parseBackendName(env[BACKEND_ENV_VAR], BACKEND_ENV_VAR) : undefined;
  } catch (error) {
    return Promise.reject(error);
  }
  const requested = fromOption ?? fromEnvironment;
  if (args.reselect === true && chosen !== undefined && chosenInfo !== undefined && requested !== chosenInfo.name) {
    chosen = undefined;
    chosenInfo = undefined;
    chosenRequest = undefined;
  }
  if (chosen !== undefined) {
    if (requested !== undefined && chosenInfo !== undefined && requested !== chosenInfo.name) {
      return Promise.reject(
        new Error(`initBackend: backend "${requested}" requested, but this process already runs on "${chosenInfo.name}"; the backend is chosen once per process`),
      );
    }
    if (requested !== undefined && chosenInfo === undefined && chosenRequest !== requested) {
      return chosen.then((info) => {
        if (info.name !== requested) throw new Error(`initBackend: backend "${requested}" requested, but this process already runs on "${info.name}"`);
        return info;
      });
    }
    return chosen;
  }
  const selection: BackendSelection = fromOption !== undefined ? 'option' : fromEnvironment !== undefined ? 'environment' : 'auto';
  chosenRequest = requested;
  chosen = select(requested, selection).then(
    (info) => {
      chosenInfo = info;
      const log = args.log === undefined ? writeToStderr : args.log;
      if (log !== false) log(describeBackend(info), info);
      return info;
    },
    (error: unknown) => {
      // A failed forced choice must not poison the process: the caller may retry with another.
      chosen = undefined;
      chosenRequest = undefined;
      throw error;
    },
  );
  return chosen;
}

/** The backend chosen by {@link initBackend}, or undefined if it has not finished choosing. */
export function activeBackend(): BackendInfo | undefined {
  return chosenInfo === undefined ? undefined : { ...chosenInfo };
}

async function select(requested: BackendName | undefined, selection: BackendSelection): Promise<BackendInfo> {
  const base = { selection, tfjsVersion: tf.version.tfjs };
  if (requested === undefined || requested === 'tensorflow') {
    // libtensorflow sizes its thread pools once, from process.env, while tfjs-node loads.
    const { result: native, intraOp: defaultIntraOp } = withDefaultIntraOpThreads(loadNativeBackend);
    if (native.ok && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return {
        ...base,
        name: 'tensorflow',
        nativePackageVersion: native.packageVersion,
        nativeLibraryVersion: nativeLibraryVersion(),
        threads: defaultIntraOp !== undefined ? { ...threadsFromEnvironment(process.env), intraOp: defaultIntraOp } : threadsFromEnvironment(process.env),
      };
    }
    const reason = native.ok ? 'tf.setBackend("tensorflow") returned false' : native.reason;
    if (requested === 'tensorflow') {
      throw new BackendUnavailableError(
        'tensorflow',
        reason,
        `Install the native backend with \`${nativeInstallCommand()}\` (builds it from the tensorflow-cpu wheel on PyPI or a mirror), ` +
          `or set ${BACKEND_ENV_VAR} to cpu or wasm, or leave it unset to choose automatically.`,
      );
    }
    await activate('cpu');
    return { ...base, name: 'cpu', fallbackReason: reason };
  }
  if (requested === 'wasm') {
    const wasm = await loadWasmBackend();
    if (!wasm.ok) {
      throw new BackendUnavailableError(
        'wasm',
        wasm.reason,
        `Install @tensorflow/tfjs-backend-wasm (an optional peer dependency: npm install @tensorflow/tfjs-backend-wasm@${tf.version.tfjs}), or set ${BACKEND_ENV_VAR} to tensorflow or cpu.`,
      );
    }
    return { ...base, name: 'wasm', bridgedKernels: wasm.bridgedKernels };
  }
  await activate('cpu');
  return { ...base, name: 'cpu' };
}

async function activate(name: 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new BackendUnavailableError(name, `tf.setBackend("${name}") returned false`, '');
  await tf.ready();
  silenceCpuBanner();
}

function writeToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
