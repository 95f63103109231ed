/**
 * What a run does once an epoch has ended: keep its weights or not, anneal
 * the learning rate, stop. A pure function of where the run stands, so that
 * the rule can be tested without training anything.
 */

/** The options the rule reads (a subset of TrainOptions). */
export interface TrainingRuleOptions {
  epochs: number;
  /** Only 'anneal' changes the learning rate here; 'linear' sets it at every step (linearRate). */
  schedule: 'anneal' | 'linear';
  /** Epochs without a better dev F1 after which training stops (0 = never). */
  patience: number;
  /** Epochs without a better dev F1 after which the learning rate is multiplied by annealFactor (0 = never). */
  annealPatience: number;
  annealFactor: number;
  /** Annealing below this stops training. */
  minLearningRate: number;
}

/** The epoch that just ended, and the run as it stood before it. */
export interface EpochEnd {
  epoch: number;
  /** Whether the run has dev data at all. */
  hasDev: boolean;
  /** The epoch's dev F1; undefined without dev data or when the weights were not finite. */
  devF1?: number;
  /** Consecutive skipped steps at the end of the epoch (fewer than the limit, or the run would have stopped inside it). */
  faults: number;
  /** false when a weight is NaN or infinite after the epoch's last step. */
  weightsFinite: boolean;
  /** The epoch kept so far, and its dev F1. */
  best?: { epoch: number; f1?: number };
  learningRate: number;
}

/**
 * Why a run stops: its weights overflowed; it did all its epochs; annealing
 * took the learning rate below the minimum; patience ran out; no further
 * epoch fits its time budget.
 */
export type StopReason = 'diverged' | 'epochs' | 'learning-rate' | 'patience' | 'time-budget';

export interface EpochDecision {
  /** Whether this epoch's weights become the kept ones. */
  keep: boolean;
  /** The learning rate from now on (annealed or not). */
  learningRate: number;
  stop: StopReason | null;
}

/** Whether the stop came before the planned last epoch. */
export function stoppedEarly(reason: StopReason | null): boolean {
  return reason === 'learning-rate' || reason === 'patience';
}

export function decideAfterEpoch(end: EpochEnd, options: TrainingRuleOptions): EpochDecision {
  const { epoch, learningRate } = end;
  // Weights no later step recovers from (every loss would be NaN) are never kept.
  if (!end.weightsFinite) return { keep: false, learningRate, stop: 'diverged' };
  // Without dev data the last epoch is the one kept. An epoch that ends in a run of
  // skipped steps is never kept: its weights may be what made them fail.
  const keep = end.faults === 0 && (end.best === undefined || !end.hasDev || (end.devF1 ?? 0) > (end.best.f1 ?? -1));
  if (epoch === options.epochs) return { keep, learningRate, stop: 'epochs' };
  const bestEpoch = keep ? epoch : end.best?.epoch;
  if (!end.hasDev || bestEpoch === undefined) return { keep, learningRate, stop: null };
  const stale = epoch - bestEpoch;
  let rate = learningRate;
  // Anneal on a dev-F1 plateau, as flair's trainer does.
  if (options.schedule === 'anneal' && options.annealPatience > 0 && stale > 0 && stale % options.annealPatience === 0) {
    rate *= options.annealFactor;
    if (rate < options.minLearningRate) return { keep, learningRate: rate, stop: 'learning-rate' };
  }
  if (options.patience > 0 && stale >= options.patience) return { keep, learningRate: rate, stop: 'patience' };
  return { keep, learningRate: rate, stop: null };
}

/**
 * The learning rate of step `step` (0-based) of `totalSteps` under the
 * 'linear' schedule: `peak` for the first `decayStart` of the run, then
 * falling linearly towards zero at the end. The decay to zero replaces
 * annealing's halvings at the end of a fixed budget. The last step, and any
 * step past the plan (an epoch can have a batch more than the first), gets
 * the last step's rate, which stays positive.
 */
export function linearRate(peak: number, decayStart: number, step: number, totalSteps: number): number {
  const done = Math.min(step, totalSteps - 1) / totalSteps;
  return done <= decayStart ? peak : (peak * (1 - done)) / (1 - decayStart);
}

/**
 * The epochs a run with a time budget plans in all, once `epochsDone`
 * epochs are done, `elapsedSeconds` after it began (reading the data
 * included): as many more as fit in what is left at `secondsPerEpoch` (the
 * epochs' own pace, dev scoring included, setup left out, so that the plan
 * does not grow as a first slow start is averaged away), within `maxEpochs`.
 * Equal to `epochsDone` when no further epoch fits.
 */
export function plannedEpochs(epochsDone: number, secondsPerEpoch: number, elapsedSeconds: number, budgetSeconds: number, maxEpochs: number): number {
  const more = Math.max(0, Math.floor((budgetSeconds - elapsedSeconds) / secondsPerEpoch));
  return Math.min(maxEpochs, epochsDone + more);
}
