/**
 * libtensorflow prints INFO lines to stderr when it loads (oneDNN's "custom operations are on"
 * notice, the CPU-feature guard's "rebuild TensorFlow with the appropriate compiler flags"): noise
 * in a user's terminal, every time a process loads `@tensorflow/tfjs-node`. TensorFlow reads
 * `TF_CPP_MIN_LOG_LEVEL` when the library loads, so it must be set before the first require.
 */

/** Sets `TF_CPP_MIN_LOG_LEVEL` to 1 (warnings and errors kept, INFO hidden) unless the user set it. */
export function hideNativeInfoLogs(): void {
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '1';
}
