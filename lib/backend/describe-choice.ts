/**
 * The sentence that says which backend a run chose and why. Apart from measure.ts (which loads
 * tfjs to time the backends) so that commands that only print a recorded choice, such as `status`,
 * never load tfjs.
 */
import type { BackendChoice } from './measure';

/** One line for the start of a run, e.g. `backend cpu (measured: cpu 0.41 ms/step, tensorflow 0.93 ms/step)`. */
export function describeBackendChoice(choice: BackendChoice): string {
  const timings = (choice.timings ?? [])
    .map((timing) => (timing.secondsPerStep !== undefined ? `${timing.backend} ${(timing.secondsPerStep * 1000).toFixed(2)} ms/step` : `${timing.backend} unavailable (${timing.error})`))
    .join(', ');
  switch (choice.selection) {
    case 'measured':
      return `backend ${choice.backend}: fastest for this sweep's model, by ${choice.steps} timed training steps per backend and round (${timings})`;
    case 'only-available':
      return `backend ${choice.backend}: the only backend that could train this sweep's model (${timings})`;
    case 'default':
      return `backend ${choice.backend}: default choice (the objective cannot time its model; native when it loads, else cpu)`;
    case 'option':
      return `backend ${choice.backend}: forced by --backend`;
    case 'definition':
      return `backend ${choice.backend}: forced by the definition's "backend" field`;
    case 'environment':
      return `backend ${choice.backend}: forced by LAYERWISE_BACKEND`;
  }
}
