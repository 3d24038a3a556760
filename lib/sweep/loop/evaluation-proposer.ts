/**
 * The evaluation stage (lib/sweep/evaluation-stage.ts) as a proposer: once selection is done (a
 * `StagedProposer` asks it only then), it proposes each look's fresh-seed re-runs of the selected
 * configurations, and is done when the stage says so (decisive, max seeds, or why not). The stage
 * is pure and reads only the trials in the view, so a resumed sweep continues where it stopped.
 */
import type { SweepDefinition } from '../definition';
import { EvaluationOutcome, EvaluationStep, nextEvaluationStep } from '../evaluation-stage';
import type { TrialSpec } from '../storage/storage';
import type { Proposal, Proposer } from './proposer';
import type { LoopView } from './view';

export interface EvaluationProposerArgs {
  definition: SweepDefinition;
  /** Told each time the stage's answer changes (new trials to run, or done): the sweep's 'evaluation' event. */
  onStep?: (outcome: EvaluationOutcome, queued: number) => void;
}

export class EvaluationProposer implements Proposer {
  private readonly trials = new Map<string, TrialSpec>();
  private lastAnswer = '';
  /** The stage's latest outcome (undefined until selection is done). */
  outcome?: EvaluationOutcome;

  constructor(private readonly args: EvaluationProposerArgs) {}

  next(view: LoopView): Proposal {
    const step: EvaluationStep = nextEvaluationStep({ definition: this.args.definition, trials: view.selectionTrials() });
    if (step.kind === 'wait') return { trials: [], done: false };
    this.outcome = step.outcome;
    const trials = step.kind === 'run' ? step.trials.filter((trial) => !view.finished(trial.trialId)) : [];
    for (const trial of trials) this.trials.set(trial.trialId, trial);
    const answer = `${step.kind}:${trials.map((trial) => trial.trialId).join(',')}`;
    if (answer !== this.lastAnswer) {
      this.lastAnswer = answer;
      this.args.onStep?.(step.outcome, trials.length);
    }
    return { trials, done: step.kind === 'done' };
  }

  proposed(): TrialSpec[] {
    return [...this.trials.values()];
  }
}
