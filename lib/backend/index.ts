/**
 * Choosing the TensorFlow.js backend, once per process: the native `tensorflow` backend
 * (`@tensorflow/tfjs-node`, an optional peer dependency; `npx layerwise native-install` provisions it
 * from the tensorflow-cpu wheel)
 * when it loads, else the pure-JS `cpu` backend. `LAYERWISE_BACKEND=tensorflow|wasm|cpu` forces one.
 */
export { initBackend, activeBackend } from './init';
export type { InitBackendArgs, BackendLogger } from './init';
export type { BackendInfo, BackendSelection } from './info';
export { describeBackend } from './info';
export { BACKEND_NAMES, BACKEND_ENV_VAR, parseBackendName } from './names';
export type { BackendName } from './names';
export { BackendUnavailableError } from './errors';
export { threadEnvironment, limitNativeThreads, threadsFromEnvironment } from './threads';
export type { ThreadLimitArgs } from './threads';
export { bridgeMissingKernels, TRAINING_KERNELS_MISSING_FROM_WASM } from './kernel-bridge';
export type { BridgeMissingKernelsArgs } from './kernel-bridge';
export { measureBackends, describeBackendChoice } from './measure';
export type { BackendChoice, BackendChoiceSelection, BackendTiming, MeasureBackendsArgs } from './measure';
