/**
 * The identities of one arm's configurations and trials (lib/sweep/plan.ts's `configIdentity` and
 * `trialIdentity`), made many times over without serializing and hashing the arm's context for each.
 *
 * Both identities are the sha256 of canonical JSON whose first key is the arm's context (the model,
 * data, training and arm: a few kilobytes) and whose next is the parameters:
 *   configuration: {"configuration":CONTEXT,"params":PARAMS}
 *   trial:         {"configuration":CONTEXT,"params":PARAMS,"seed":SEED}   (selection)
 *                  {"configuration":CONTEXT,"params":PARAMS,"role":ROLE,"seed":SEED}
 * (canonical JSON sorts keys: configuration < params < role < seed). The context's text and the
 * hash state after `{"configuration":CONTEXT,"params":` are computed once; each identity copies that
 * state and hashes only its own tail. A resumed sweep of 100,000 trials makes 120,000 identities at
 * its start: serializing the context for each took about 1.5 s of the 10 s before its first trial.
 *
 * The definition and arm are read once, when this is made: make a new one for a changed definition.
 */
import { createHash, type Hash } from 'crypto';
import { canonicalJson } from './identity';
import type { ParameterValues, TrialRole } from './record';

export class ArmIdentities {
  /** sha256 state after `{"configuration":CONTEXT,"params":`. */
  private readonly prefix: Hash;

  /** `context`: the arm's part of every identity, as plan.ts's `trialContext` builds it. */
  constructor(context: unknown) {
    this.prefix = createHash('sha256').update(`{"configuration":${canonicalJson(context)},"params":`);
  }

  /** The configuration's identity (without a seed): equal to `configIdentity`. */
  configId(params: ParameterValues): string {
    return this.prefix.copy().update(`${canonicalJson(params)}}`).digest('hex');
  }

  /** The trial's identity: equal to `trialIdentity` for the same parameters, seed and role. */
  trialId(params: ParameterValues, seed: number, role: TrialRole = 'selection'): string {
    return this.trialIds(canonicalJson(params), [seed], role)[0];
  }

  /** One identity per seed, the parameters serialized once. */
  trialIdsOf(params: ParameterValues, seeds: readonly number[], role: TrialRole = 'selection'): { configId: string; trialIds: string[] } {
    const paramsJson = canonicalJson(params);
    return { configId: this.prefix.copy().update(`${paramsJson}}`).digest('hex'), trialIds: this.trialIds(paramsJson, seeds, role) };
  }

  private trialIds(paramsJson: string, seeds: readonly number[], role: TrialRole): string[] {
    const roleJson = role === 'selection' ? '' : `,"role":${canonicalJson(role)}`;
    return seeds.map((seed) => this.prefix.copy().update(`${paramsJson}${roleJson},"seed":${canonicalJson(seed)}}`).digest('hex'));
  }
}
