import { nativeInstallCommand } from './native-loader';
import type { BackendName } from './names';
import type { ThreadLimitArgs } from './threads';

/** How the backend came to be chosen. */
export type BackendSelection =
  /** No preference given: native when it loads, else `cpu`. */
  | 'auto'
  /** `InitBackendArgs.backend`. */
  | 'option'
  /** The `LAYERWISE_BACKEND` environment variable. */
  | 'environment';

/** The backend this process trains on; plain data, meant to be stored with results. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** Whether it was chosen automatically or forced, and by what. */
  selection: BackendSelection;
  /** `@tensorflow/tfjs` version. */
  tfjsVersion: string;
  /** `@tensorflow/tfjs-node` version, when `name` is `tensorflow`. */
  nativePackageVersion?: string;
  /** Linked libtensorflow version (`TF_Version()`), when `name` is `tensorflow`. */
  nativeLibraryVersion?: string;
  /** Thread caps from the environment in effect for libtensorflow (undefined fields: TF defaults). */
  threads?: ThreadLimitArgs;
  /** When automatic selection fell back from `tensorflow`: why the native backend was not usable. */
  fallbackReason?: string;
  /** For `wasm`: kernels it lacks that run through the `cpu` implementation. */
  bridgedKernels?: string[];
}

/** One human-readable line describing the choice, as logged by `initBackend`. */
export function describeBackend(info: BackendInfo): string {
  const forced = info.selection === 'auto' ? '' : ` (forced by ${info.selection === 'environment' ? 'LAYERWISE_BACKEND' : 'option'})`;
  const parts = [`layerwise: backend ${info.name}${forced}`];
  if (info.name === 'tensorflow') {
    parts.push(`tfjs-node ${info.nativePackageVersion ?? '?'}, libtensorflow ${info.nativeLibraryVersion ?? '?'}`);
    if (info.threads?.intraOp !== undefined || info.threads?.interOp !== undefined) {
      parts.push(`threads intra-op ${info.threads.intraOp ?? 'default'}, inter-op ${info.threads.interOp ?? 'default'}`);
    }
  }
  if (info.bridgedKernels !== undefined && info.bridgedKernels.length > 0) {
    parts.push(`kernels run on cpu: ${info.bridgedKernels.join(', ')}`);
  }
  if (info.fallbackReason !== undefined) {
    parts.push(`native backend unavailable (${info.fallbackReason}); \`${nativeInstallCommand()}\` makes training ~20x faster`);
  }
  return parts.join('; ');
}
