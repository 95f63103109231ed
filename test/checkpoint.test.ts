/**
 * Checkpoints and resuming: an interrupted run continued from its checkpoint
 * ends with exactly the weights of a run that was never interrupted.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/backend';
import { NerModel } from '../src/model/nerModel';
import { hasCheckpoint, readCheckpoint, writeCheckpoint } from '../src/train/checkpoint';
import { TrainingInterrupted, trainModel, TrainOptions } from '../src/train/trainer';
import { tinyCorpus, TINY_OPTIONS } from './helpers/tiny';
import { spawn } from 'node:child_process';
import { REPO, ner } from './helpers/cli';
import { loadModel } from '../src/io/modelStore';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-ckpt-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function weightsOf(model: NerModel): Promise<number[][]> {
  return Promise.all(model.network.getWeights().map(async (w) => Array.from(await w.data())));
}

for (const [optimizer, averageDecay, schedule] of [['sgd', 0, 'anneal'], ['adam', 0, 'anneal'], ['sgd', 0.9, 'anneal'], ['sgd', 0, 'linear']] as const) {
  describe(`resume (${optimizer}${averageDecay > 0 ? ', weight average' : ''}${schedule === 'linear' ? ', linear schedule' : ''})`, () => {
    const options: Partial<TrainOptions> = { ...TINY_OPTIONS, epochs: 3, optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 0.01, singletonUnk: 0.5, dropout: 0.3, averageDecay, schedule };
    // Without dev data the last epoch is kept: the final weights are the last step's (or their average).
    const dev = undefined;

    test('interrupted mid-epoch, then resumed from the checkpoint: the same final weights and history as one run', async () => {
      await initBackend({ backend: 'wasm' });
      const straight = await trainModel({ train: tinyCorpus(), dev, options });
      const expected = await weightsOf(straight);
      const expectedLosses = straight.training!.epochs.map((e) => e.loss);
      const expectedRates = straight.training!.epochs.map((e) => e.learningRate);
      straight.dispose();

      const dir = path.join(tmp, `run-${optimizer}-${averageDecay}-${schedule}`);
      const controller = new AbortController();
      let steps = 0;
      await assert.rejects(
        trainModel({
          train: tinyCorpus(),
          dev,
          options,
          checkpointEvery: 1,
          signal: controller.signal,
          // Stop in the middle of epoch 2 (3 batches per epoch).
          events: { onBatch: () => ++steps === 4 && controller.abort('SIGINT') },
          onCheckpoint: (model, checkpoint) => writeCheckpoint(dir, model, checkpoint, { note: 'test' }),
        }),
        (e: unknown) => e instanceof TrainingInterrupted && e.epoch === 2 && e.step === 1,
      );
      assert.ok(hasCheckpoint(dir));
      assert.equal(fs.readdirSync(path.join(dir, 'checkpoints')).length, 2, 'LATEST and one checkpoint');
      await assert.rejects(loadModel(dir), /holds only the checkpoints of an unfinished training run; finish it with: ner train --resume/);

      const { model, checkpoint, config } = await readCheckpoint(dir);
      assert.deepEqual(config, { note: 'test' });
      assert.deepEqual([checkpoint.state.epoch, checkpoint.state.step], [2, 1]);
      const resumed = await trainModel({ train: tinyCorpus(), dev, options, resume: { model, checkpoint } });
      assert.deepEqual(await weightsOf(resumed), expected);
      assert.deepEqual(resumed.training!.epochs.map((e) => e.loss), expectedLosses);
      assert.deepEqual(resumed.training!.epochs.map((e) => e.learningRate), expectedRates);
      resumed.dispose();
    });
  });
}

describe('ner train: kill -9, Ctrl-C, --resume', () => {
  const sample = path.join(REPO, 'data', 'sample', 'train.conll');
  // Small and quick; no dev data, so the saved weights are the last step's.
  const args = (out: string) => ['train', '--data', sample, '--out', out, '--epochs', '2', '--hidden-size', '16', '--embedding-dim', '16', '--char-encoder', 'none', '--casing-dim', '0', '--checkpoint-every', '5', '--threads', '1', '-q'];

  /** Starts `ner train`, waits for its first checkpoint, then sends `signal`. */
  async function interrupt(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    const child = spawn(process.execPath, [MAIN, ...args(out)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
    const deadline = Date.now() + 60_000;
    while (!hasCheckpoint(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(hasCheckpoint(out), `no checkpoint within a minute; stderr: ${stderr}`);
    child.kill(signal);
    return { ...(await exited), stderr };
  }

  test('killed with SIGKILL after a checkpoint, resumed: the model is byte for byte the uninterrupted one', async () => {
    const straight = path.join(tmp, 'straight');
    assert.equal(ner(args(straight)).code, 0);
    const killed = path.join(tmp, 'killed');
    const r = await interrupt(killed, 'SIGKILL');
    assert.equal(r.signal, 'SIGKILL');
    // Whatever the moment of the kill, the latest checkpoint is complete and loads.
    const { model } = await readCheckpoint(killed);
    model.dispose();
    const resumed = ner(['train', '--resume', killed, '-q']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(fs.readdirSync(killed).sort(), ['metadata.json', 'model.json', 'report.html', 'weights.bin'], 'the checkpoints are gone');
    assert.ok(fs.readFileSync(path.join(killed, 'weights.bin')).equals(fs.readFileSync(path.join(straight, 'weights.bin'))));
  });

  test('Ctrl-C and TERM write a checkpoint and exit 130 and 143; the run resumes', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const out = path.join(tmp, `stopped-${signal}`);
      const r = await interrupt(out, signal);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`ner: error: interrupted \\(${signal}\\) at epoch \\d, step \\d+; checkpoint saved, continue with: ner train --resume `));
      assert.ok(hasCheckpoint(out));
      const resumed = ner(['train', '--resume', out, '-q']);
      assert.equal(resumed.code, 0, resumed.stderr);
      const model = await loadModel(out);
      assert.equal(model.training!.epochs.length, 2);
      model.dispose();
    }
  });

  test('--resume without a checkpoint, and train without --data, are clear errors', () => {
    const r = ner(['train', '--resume', path.join(tmp, 'nothing-here')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ner: error: .*nothing-here: no checkpoint to resume from/);
    assert.match(ner(['train', '--out', path.join(tmp, 'x')]).stderr, /Missing required argument: data/);
  });
});

test('a sentence of 3,000 tokens trains and predicts (in a batch of its own), next to short ones', async () => {
  await initBackend({ backend: 'wasm' });
  const corpus = tinyCorpus();
  const long = Array.from({ length: 3000 }, (_, i) => (i % 7 === 3 ? 'Paris' : `w${i % 50}`));
  corpus.sentences.push({ tokens: long, tags: long.map((t) => (t === 'Paris' ? 'B-LOC' : 'O')), lines: long.map((_, i) => 1000 + i) });
  const warnings: string[] = [];
  const model = await trainModel({ train: corpus, options: { ...TINY_OPTIONS, epochs: 1 }, events: { onWarning: (w) => warnings.push(w) } });
  assert.ok(warnings.some((w) => /the longest sentence has 3000 tokens/.test(w)), warnings.join('\n'));
  const [tags] = model.predict([long]);
  assert.equal(tags.length, 3000);
  model.dispose();
});
