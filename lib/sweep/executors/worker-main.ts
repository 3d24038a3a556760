/**
 * Entry point of a pool worker process (forked by ProcessPoolExecutor). It limits the backend's
 * threads through the environment the parent set before anything loads, loads the user modules,
 * sets up the backend the parent chose (lib/backend initBackend), then runs one job at a time. It
 * never writes the journal: results go to the parent.
 */
import type { BackendName } from '../../backend/names';
import type { EpochRecord } from '../../train/record';
import type { TrialOutcome } from '../objective';
import { initBackend } from '../../backend/init';
import { loadNativeBackend } from '../../backend/native-loader';
import { loadObjectiveModules, resolveObjective } from '../objective';
import { errorText, isRetryableError } from './executor';
import type { ParentMessage, WorkerMessage } from './messages';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

if (process.send !== undefined) {
  // Ctrl-C reaches the whole process group; the parent decides how workers stop.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => process.exit(0));
  const pendingAnswers = new Map<number, (prune: boolean) => void>();
  let controller: AbortController | undefined;
  let sequence = 0;
  /** The backend of a 'backend' message (for an 'init' sent before the parent had chosen one). */
  let announceBackend!: (backend: BackendName | undefined) => void;
  const announcedBackend = new Promise<BackendName | undefined>((resolve) => (announceBackend = resolve));

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'init':
        // User modules first (they may register datasets and objectives), then the backend, before any model is built.
        // A worker started while the parent measures the backend loads its modules meanwhile and waits for the choice:
        // it reports ready (and so gets jobs) only once that backend is set up.
        Promise.resolve()
          .then(() => loadObjectiveModules(message.modules))
          .then(() => {
            if (message.awaitBackend !== true) return message.backend;
            // The native library takes most of a worker's start-up (~0.6 s): load it while the parent measures.
            if (message.preloadNative === true) loadNativeBackend();
            return announcedBackend;
          })
          .then((backend) => (backend !== undefined ? initBackend({ backend, log: false }) : undefined))
          .then(
            () => send({ type: 'ready' }),
            (error: unknown) => send({ type: 'init-error', message: errorText(error) }),
          );
        return;
      case 'preload-native':
        // Sent after 'init' (the modules load first); harmless once a backend is set up.
        loadNativeBackend();
        return;
      case 'backend':
        announceBackend(message.backend);
        return;
      case 'prune-answer':
        pendingAnswers.get(message.sequence)?.(message.prune);
        pendingAnswers.delete(message.sequence);
        return;
      case 'abort':
        controller?.abort();
        return;
      case 'run-population': {
        controller = new AbortController();
        /** Sends a message that waits for the parent's answer (a prune decision, or the acknowledgement that a member is durable). */
        const ask = (build: (id: number) => WorkerMessage): Promise<boolean> =>
          new Promise((resolve) => {
            const id = ++sequence;
            pendingAnswers.set(id, resolve);
            send(build(id));
          });
        const job = message.job;
        // No pruner: nothing the parent answers can stop a member, so epochs go without waiting (see PopulationJob.epochAnswers).
        const onEpoch =
          job.epochAnswers === 'none'
            ? (member: number, epoch: EpochRecord): Promise<boolean> => {
                send({ type: 'member-epoch', sequence: ++sequence, member, epoch });
                return Promise.resolve(false);
              }
            : (member: number, epoch: EpochRecord): Promise<boolean> => ask((id) => ({ type: 'member-epoch', sequence: id, member, epoch }));
        Promise.resolve()
          .then(() => {
            const objective = resolveObjective(job.objective);
            if (objective.runPopulation === undefined) throw new Error(`objective "${job.objective}" cannot train populations (no runPopulation)`);
            return objective.runPopulation(job.inputs, {
              signal: controller!.signal,
              onEpoch,
              onMemberFinished: async (member, outcome: TrialOutcome | Error) => {
                await ask((id) =>
                  outcome instanceof Error
                    ? { type: 'member-finished', sequence: id, member, error: { message: errorText(outcome), retryable: isRetryableError(outcome) } }
                    : { type: 'member-finished', sequence: id, member, outcome },
                );
              },
            });
          })
          .then(
            () => send({ type: 'population-done' }),
            (error: unknown) => send({ type: 'error', message: errorText(error), retryable: isRetryableError(error) }),
          );
        return;
      }
      case 'run': {
        controller = new AbortController();
        const onEpoch = (epoch: EpochRecord): Promise<boolean> => {
          if (message.job.epochAnswers === 'none') {
            send({ type: 'epoch', sequence: ++sequence, epoch });
            return Promise.resolve(false);
          }
          return new Promise((resolve) => {
            const id = ++sequence;
            pendingAnswers.set(id, resolve);
            send({ type: 'epoch', sequence: id, epoch });
          });
        };
        Promise.resolve()
          .then(() => resolveObjective(message.job.objective).run(message.job.input, { onEpoch, signal: controller!.signal }))
          .then(
            (outcome) => send({ type: 'done', outcome }),
            (error: unknown) => send({ type: 'error', message: errorText(error), retryable: isRetryableError(error) }),
          );
        return;
      }
    }
  });
}
