import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EpochEnd, TrainingRuleOptions, decideAfterEpoch, linearRate, stoppedEarly } from '../src/train/trainingRule';

const OPTIONS: TrainingRuleOptions = { epochs: 20, schedule: 'anneal', patience: 0, annealPatience: 0, annealFactor: 0.5, minLearningRate: 1e-4 };

/** Epoch `epoch` of a run with dev data, best so far at epoch 1 with F1 0.5. */
function end(over: Partial<EpochEnd>): EpochEnd {
  return { epoch: 2, hasDev: true, devF1: 0.4, faults: 0, weightsFinite: true, best: { epoch: 1, f1: 0.5 }, learningRate: 0.1, ...over };
}

test('a better dev F1 is kept; an equal or worse one is not', () => {
  assert.deepEqual(decideAfterEpoch(end({ devF1: 0.6 }), OPTIONS), { keep: true, learningRate: 0.1, stop: null });
  assert.equal(decideAfterEpoch(end({ devF1: 0.5 }), OPTIONS).keep, false);
  assert.equal(decideAfterEpoch(end({ devF1: 0.4 }), OPTIONS).keep, false);
});

test('the first epoch is kept whatever its F1, even 0', () => {
  assert.equal(decideAfterEpoch(end({ epoch: 1, best: undefined, devF1: 0 }), OPTIONS).keep, true);
  // A kept epoch from a checkpoint without scores counts as F1 -1, so 0 beats it.
  assert.equal(decideAfterEpoch(end({ devF1: 0, best: { epoch: 1 } }), OPTIONS).keep, true);
});

test('an epoch that ends in skipped steps is never kept', () => {
  assert.equal(decideAfterEpoch(end({ devF1: 0.9, faults: 1 }), OPTIONS).keep, false);
  assert.equal(decideAfterEpoch(end({ epoch: 1, best: undefined, faults: 3 }), OPTIONS).keep, false);
  assert.equal(decideAfterEpoch(end({ hasDev: false, devF1: undefined, faults: 2 }), OPTIONS).keep, false);
});

test('without dev data every clean epoch is kept, and neither annealing nor patience applies', () => {
  const options = { ...OPTIONS, patience: 1, annealPatience: 1 };
  for (const epoch of [2, 5, 9]) {
    assert.deepEqual(decideAfterEpoch(end({ epoch, hasDev: false, devF1: undefined }), options), { keep: true, learningRate: 0.1, stop: null });
  }
  // Skipped steps: not kept, and still no stale count.
  assert.deepEqual(decideAfterEpoch(end({ epoch: 9, hasDev: false, devF1: undefined, faults: 1 }), options), { keep: false, learningRate: 0.1, stop: null });
});

test('patience: stops once the best epoch is `patience` epochs old', () => {
  const options = { ...OPTIONS, patience: 3 };
  assert.equal(decideAfterEpoch(end({ epoch: 3 }), options).stop, null);
  assert.deepEqual(decideAfterEpoch(end({ epoch: 4 }), options), { keep: false, learningRate: 0.1, stop: 'patience' });
  assert.equal(decideAfterEpoch(end({ epoch: 7 }), options).stop, 'patience');
  // An epoch that improves resets the count.
  assert.equal(decideAfterEpoch(end({ epoch: 4, devF1: 0.7 }), options).stop, null);
  // 0: never.
  assert.equal(decideAfterEpoch(end({ epoch: 19 }), OPTIONS).stop, null);
});

test('annealing: every annealPatience stale epochs, the rate is multiplied by annealFactor', () => {
  const options = { ...OPTIONS, annealPatience: 2, annealFactor: 0.5 };
  assert.deepEqual(decideAfterEpoch(end({ epoch: 2 }), options), { keep: false, learningRate: 0.1, stop: null }); // stale 1
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3 }), options), { keep: false, learningRate: 0.05, stop: null }); // stale 2
  assert.deepEqual(decideAfterEpoch(end({ epoch: 4 }), options), { keep: false, learningRate: 0.1, stop: null }); // stale 3
  assert.deepEqual(decideAfterEpoch(end({ epoch: 5 }), options), { keep: false, learningRate: 0.05, stop: null }); // stale 4
  // An improving epoch is stale 0: no annealing.
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3, devF1: 0.8 }), options), { keep: true, learningRate: 0.1, stop: null });
  // Nothing kept yet (every epoch had faults): nothing to be stale against.
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3, best: undefined, faults: 1 }), options), { keep: false, learningRate: 0.1, stop: null });
});

test('annealing below the minimum rate stops, with the annealed rate', () => {
  const options = { ...OPTIONS, annealPatience: 1, annealFactor: 0.5, minLearningRate: 0.03 };
  assert.deepEqual(decideAfterEpoch(end({ learningRate: 0.08 }), options), { keep: false, learningRate: 0.04, stop: null });
  assert.deepEqual(decideAfterEpoch(end({ learningRate: 0.06 }), options), { keep: false, learningRate: 0.03, stop: null }); // equal is not below
  assert.deepEqual(decideAfterEpoch(end({ learningRate: 0.04 }), options), { keep: false, learningRate: 0.02, stop: 'learning-rate' });
});

test('annealing and patience in the same epoch: the rate is annealed, then patience stops', () => {
  const options = { ...OPTIONS, annealPatience: 2, patience: 2 };
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3 }), options), { keep: false, learningRate: 0.05, stop: 'patience' });
});

test('the last epoch stops the run without annealing, kept or not', () => {
  const options = { ...OPTIONS, epochs: 3, annealPatience: 1, patience: 1 };
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3 }), options), { keep: false, learningRate: 0.1, stop: 'epochs' });
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3, devF1: 0.9 }), options), { keep: true, learningRate: 0.1, stop: 'epochs' });
});

test('weights that are not finite: not kept, the run stops as diverged, even on a better F1 or the last epoch', () => {
  const options = { ...OPTIONS, epochs: 2, annealPatience: 1 };
  assert.deepEqual(decideAfterEpoch(end({ weightsFinite: false, devF1: undefined }), options), { keep: false, learningRate: 0.1, stop: 'diverged' });
  assert.deepEqual(decideAfterEpoch(end({ epoch: 1, best: undefined, weightsFinite: false, devF1: undefined, hasDev: false }), options), {
    keep: false,
    learningRate: 0.1,
    stop: 'diverged',
  });
});

test('only patience and the minimum rate count as stopping early', () => {
  assert.equal(stoppedEarly('patience'), true);
  assert.equal(stoppedEarly('learning-rate'), true);
  assert.equal(stoppedEarly('epochs'), false);
  assert.equal(stoppedEarly('diverged'), false);
  assert.equal(stoppedEarly(null), false);
});

test('the linear schedule never anneals on a plateau (it sets the rate at every step)', () => {
  const options = { ...OPTIONS, schedule: 'linear' as const, annealPatience: 1, patience: 5 };
  assert.deepEqual(decideAfterEpoch(end({ epoch: 3 }), options), { keep: false, learningRate: 0.1, stop: null });
  // Patience still ends a run that stopped improving.
  assert.equal(decideAfterEpoch(end({ epoch: 6 }), options).stop, 'patience');
});

test('linearRate: holds the peak for the first decayStart of the steps, then falls linearly to zero at the end', () => {
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  near(linearRate(0.03, 0, 0, 100), 0.03);
  near(linearRate(0.03, 0, 50, 100), 0.015);
  near(linearRate(0.03, 0, 99, 100), 0.0003); // the last step still moves
  near(linearRate(0.03, 0.5, 30, 100), 0.03);
  near(linearRate(0.03, 0.5, 50, 100), 0.03);
  near(linearRate(0.03, 0.5, 75, 100), 0.015);
  // Past the planned steps (an epoch with a batch more than the first) it stays at the last step's, never 0.
  near(linearRate(0.03, 0, 120, 100), 0.0003);
});
