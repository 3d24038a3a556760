/** PostgreSQL trial store for sweeps across machines (issue 9). */
export { openPostgresStore, isPostgresUrl, enqueueSweep, readStoredSweep, readStoredSweepSummaries, storageUrlOf } from './open';
export type { StoredSweep, StoredSweepSummaries } from './open';
export { PostgresTrialStore, FINISHED_STATES } from './store';
export type { PostgresStoreArgs, SharedTrialStorage, SweepRow, StaleReport, TrialCounts } from './store';
export { runWorker, WORKER_AUTO_POPULATION } from './run-worker';
export type { RegisteredWorkerObjective, RunWorkerOptions, WorkerObjective, WorkerTrialContext, WorkerEvent, WorkerSummary } from './run-worker';
export { isTransientError } from './connection';
export type { PostgresConnectionArgs, RetryPolicy } from './connection';
export { migrate, schemaVersion, MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations';
export type { Migration } from './migrations';
export { redactUrl, redactText, PostgresStoreError } from './redact';
