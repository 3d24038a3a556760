/** The CI regression gate: baselines of per-seed values, a non-inferiority test per metric, readable diffs, JUnit XML, a jest matcher. */
export type { Baseline, EntryKeys, EntrySamples, MetricDirection, MetricMargin, MetricTolerance, MetricsTable } from './baseline';
export { DEFAULT_ALPHA, DEFAULT_MARGINS, DEFAULT_TOLERANCES, parseBaseline, readBaseline, writeBaseline, marginFor, toleranceFor } from './baseline';
export type { CheckReport, CheckRow, CompareOptions, UndecidedPolicy, Verdict } from './compare';
export { compareToBaseline, updatedBaseline, DEFAULT_UNDECIDED_POLICY } from './compare';
export type { NonInferiorityArgs, NonInferiorityResult, NonInferiorityVerdict, SeedValues } from './non-inferiority';
export { decideNonInferiority } from './non-inferiority';
export { formatCheckTable, toJUnitXml } from './format';
export { entryName, metricsFromTrials, selectedEntryName } from './metrics-from-trials';
export { toMatchBaseline } from './jest-matcher';
export { gateNames, runGate, gateDefinition, moonsGateDefinition, GATE_DEFINITIONS_DIRECTORY, GATE_SEEDS } from './gates';
export type { GateRunArgs } from './gates';
