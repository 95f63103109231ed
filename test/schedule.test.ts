// The linear learning-rate schedule in a real run: the rate the trainer sets
// at each step follows linearRate, and each epoch records its last step's rate.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../src/backend';
import { trainModel } from '../src/train/trainer';
import { plannedEpochs } from '../src/train/trainingRule';
import { TINY_OPTIONS, tinyCorpus } from './helpers/tiny';

before(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});

test('--schedule linear: every epoch ends at the rate linearRate gives its last step, falling to lr/steps at the end', async () => {
  // 6 sentences in batches of 2: 3 steps an epoch, 9 in all.
  const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, contextTokens: 0, epochs: 3, learningRate: 0.09, schedule: 'linear' } });
  const rates = model.training!.epochs.map((e) => e.learningRate);
  const expected = [0.09 * (1 - 2 / 9), 0.09 * (1 - 5 / 9), 0.09 / 9];
  rates.forEach((r, i) => assert.ok(Math.abs(r - expected[i]) < 1e-12, `epoch ${i + 1}: ${r} vs ${expected[i]}`));
  model.dispose();
});

test('--decay-start holds the rate for that part of the run', async () => {
  const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, contextTokens: 0, epochs: 3, learningRate: 0.09, schedule: 'linear', decayStart: 0.5 } });
  const rates = model.training!.epochs.map((e) => e.learningRate);
  // Step 2 (0-based) is 2/9 of the way, before the decay; step 5 is 5/9, a little into it.
  const expected = [0.09, (0.09 * (1 - 5 / 9)) / 0.5, (0.09 / 9) / 0.5];
  rates.forEach((r, i) => assert.ok(Math.abs(r - expected[i]) < 1e-12, `epoch ${i + 1}: ${r} vs ${expected[i]}`));
  model.dispose();
});

test("plannedEpochs: as many more epochs as fit at the epochs' pace, within --epochs", () => {
  assert.equal(plannedEpochs(1, 30, 30, 600, 50), 20); // 30 s an epoch: 19 more fit in 570 s
  assert.equal(plannedEpochs(1, 30, 90, 600, 50), 18); // a minute of setup before it: 17 more
  assert.equal(plannedEpochs(4, 25, 100, 600, 50), 24);
  assert.equal(plannedEpochs(4, 25, 100, 600, 10), 10); // --epochs caps it
  assert.equal(plannedEpochs(5, 100, 590, 600, 50), 5); // the next would not fit: stop here
  assert.equal(plannedEpochs(5, 100, 700, 600, 50), 5); // already over
});

test('--time-budget: a budget no second epoch fits in ends the run after the first, as a planned end, not an early stop', async () => {
  const infos: string[] = [];
  const model = await trainModel({
    train: tinyCorpus(),
    dev: tinyCorpus('dev.conll'),
    options: { ...TINY_OPTIONS, contextTokens: 0, epochs: 5, schedule: 'linear', timeBudget: 1e-6 },
    events: { onInfo: (m) => infos.push(m) },
  });
  assert.equal(model.training!.epochs.length, 1);
  assert.equal(model.training!.stoppedEarly, false);
  assert.ok(infos.some((m) => /time budget: 1 epoch fit in 0.000001 min at this pace, so this is the last/.test(m)), infos.join('\n'));
  model.dispose();
});
