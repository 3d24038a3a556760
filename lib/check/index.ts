/** The CI regression gate: baselines, comparison under stated tolerances, readable diffs, JUnit XML, a jest matcher. */
export type { Baseline, MetricDirection, MetricTolerance, MetricsTable } from './baseline';
export { DEFAULT_TOLERANCES, parseBaseline, readBaseline, writeBaseline, toleranceFor } from './baseline';
export type { CheckReport, CheckRow, Verdict } from './compare';
export { compareToBaseline, updatedBaseline } from './compare';
export { formatCheckTable, toJUnitXml } from './format';
export { entryName, metricsFromTrials } from './metrics-from-trials';
export { toMatchBaseline } from './jest-matcher';
export { gateNames, runGate, moonsGateDefinition, circlesGateModel, MOONS_GATE_COEFFICIENTS, CIRCLES_GATE_ACTIVITY_L1 } from './gates';
export type { GateRunArgs, ActivityPlacement } from './gates';
