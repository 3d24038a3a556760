/**
 * Sweeps: definitions (plain JSON with a published schema), samplers, pruners, the trial store
 * interface and its embedded journal, executors (in-process, process pool), and the runner.
 */
export type { ArmName, ParameterValues, TrialRecord, TrialState } from './record';
export type {
  ArmDefinition,
  ArmKind,
  ArmSlot,
  Coefficient,
  ExecutionDefinition,
  GenericPenaltyName,
  JsonObject,
  PenaltyName,
  PruningDefinition,
  PruningName,
  SamplerDefinition,
  SamplerName,
  SlotPenaltyKind,
  SweepDefinition,
} from './definition';
export { ARM_KINDS, ARM_OPTIONAL_FIELDS, ARM_SLOTS, GENERIC_PENALTY_NAMES, PENALTY_NAMES, PRUNING_NAMES, SAMPLER_NAMES, SLOT_PENALTY_KINDS } from './definition';
export type { ChoiceDimension, Dimension, IntDimension, LogUniformDimension, ParameterValue, SearchSpace, UniformDimension } from './space';
export { DIMENSION_TYPES, dimensionAllows, gridValues, parameterNames, valueAtQuantile } from './space';
export {
  armPenalties,
  changedFields,
  definitionFingerprint,
  fromConfig,
  SWEEP_DEFINITION_SCHEMA,
  toConfig,
  validateSweepDefinition,
} from './definition-config';
export { armCoefficients, armPenaltyEntries, armSpace, DROPOUT_PARAMETER, isSearched, perLayerParameter, perLayerTargets } from './arms';
export type { ArmSetting } from './arms';
export type { Coefficients } from './arms';
export { canonicalJson, sha256Hex } from './identity';
export { armConfigurations, configIdentity, parseShard, planSlots, slotTrials, trialIdentity } from './plan';
export type { Shard, Slot } from './plan';
export * from './samplers';
export * from './pruners';
export type { PopulationContext, TrialContext, TrialInput, TrialObjective, TrialOutcome } from './objective';
export { builtinObjectivesModule, getObjective, loadObjectiveModules, registeredObjectives, registerObjective, resolveObjective } from './objective';
export type { ClaimArgs, OpenSweepArgs, SweepInfo, TrialResult, TrialSpec, TrialStorage } from './storage/storage';
export { SweepDefinitionChangedError, SweepNameMismatchError, TrialStateError } from './storage/storage';
export { JournalLock, JournalLockedError } from './storage/journal-lock';
export { readJournalFile, forEachJournalLine } from './storage/journal-reader';
export { JournalStorage, journalFileName } from './storage/journal-storage';
export type { JournalStorageArgs } from './storage/journal-storage';
export { replayJournal } from './storage/journal-format';
export type { JournalEvent, JournalState } from './storage/journal-format';
export { listJournals, loadTrials, mergeSweepDirectories, mergeTrialRecords, readSweepDirectory, readSweepSummaries, readTrialEpochs } from './storage/sweep-directory';
export type { MergeArgs, SweepDirectory, SweepSummaryDirectory } from './storage/sweep-directory';
export { indexFileOf, readJournalSummary, writeJournalIndex } from './storage/journal-index';
export type { JournalSummaryRead } from './storage/journal-index';
export type { TrialSummary, SummaryState } from './storage/trial-summary';
export type { ExecutionHooks, ExecutionResult, MemberResult, PopulationExecutionResult, PopulationHooks, PopulationJob, TrialExecutor, TrialJob } from './executors/executor';
export { isRetryableError, NonRetryableTrialError } from './executors/executor';
export { InProcessExecutor } from './executors/in-process';
export type { InProcessExecutorArgs } from './executors/in-process';
export { ProcessPoolExecutor, WORKER_THREAD_ENV } from './executors/process-pool';
export type { ProcessPoolExecutorArgs } from './executors/process-pool';
export { resultOfOutcome, runSweep } from './runner';
export { runTrialLoop } from './loop/trial-loop';
export { Attempt } from './loop/attempt';
export type { AttemptEnvironment } from './loop/attempt';
export { EvaluationProposer } from './loop/evaluation-proposer';
export type { LoopEvent, TrialLoopArgs, TrialLoopSummary } from './loop/trial-loop';
export { StagedProposer } from './loop/proposer';
export type { Proposal, Proposer } from './loop/proposer';
export { SamplerProposer } from './loop/sampler-proposer';
export type { SamplerProposerArgs } from './loop/sampler-proposer';
export { LoopView } from './loop/view';
export { PruningGate } from './loop/pruning-gate';
export { capabilitiesOf } from './loop/capabilities';
export type { StoreCapabilities } from './loop/capabilities';
export type { RunSweepArgs } from './runner';
export type { SweepEvent, SweepSummary } from './events';
export { SweepProgress } from './progress';
export type { ProgressSnapshot } from './progress';
export { readSweepFile } from './sweep-file';
