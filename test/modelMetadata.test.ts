/**
 * metadata.json beyond what decoding needs: the training summary is checked
 * as far as `ner report` and the served page read it, and savedAt is the time
 * the model was saved.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../src/errors';
import { validateMetadata } from '../src/model/metadata';
import { initBackend } from '../src/backend';
import { ner } from './helpers/cli';
import { loadModel, saveModel } from '../src/io/modelStore';
import { loadLayersModelFromFiles, readModelFiles } from '../src/io/modelDir';
import { modelFromSaved } from '../src/model/savedModel';
import * as tf from '@tensorflow/tfjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-metadata-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const model = path.join(tmp, 'model');
let metadata: Record<string, any>;

before(() => {
  const data = path.join(tmp, 'train.conll');
  fs.writeFileSync(data, 'Angela B-PER\nMerkel I-PER\nvisited O\nParis B-LOC\n\nJohn B-PER\njoined O\nGoogle B-ORG\n');
  const r = ner(['train', '--data', data, '--dev', data, '--out', model, '--epochs', '2', '--char-encoder', 'none', '--hidden-size', '8', '--embedding-dim', '8', '--context-tokens', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  metadata = JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8'));
});

/** A copy of the model whose metadata.json has `edit` applied. */
function edited(name: string, edit: (m: Record<string, any>) => void): string {
  const dir = path.join(tmp, name);
  fs.cpSync(model, dir, { recursive: true });
  const m = structuredClone(metadata);
  edit(m);
  fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(m));
  return dir;
}

describe('the training summary', () => {
  const cases: Array<[string, (m: Record<string, any>) => void, RegExp]> = [
    ['epochs-string', (m) => (m.training.epochs = 'abc'), /metadata\.json has training\.epochs "abc", expected an array of epoch records/],
    ['epochs-number', (m) => (m.training.epochs = 3), /training\.epochs 3, expected an array/],
    ['epoch-null', (m) => (m.training.epochs[1] = null), /training\.epochs\[1\] null, expected an epoch record/],
    ['epoch-loss', (m) => (m.training.epochs[0].loss = 'low'), /training\.epochs\[0\]\.loss "low", expected a number/],
    ['options-null', (m) => (m.training.options = null), /training\.options null, expected an object of option values/],
    ['data-missing', (m) => delete m.training.data, /training\.data undefined, expected an object/],
    ['by-type', (m) => (m.training.bestDev.byType.PER = null), /training\.bestDev\.byType\.PER null, expected an object of precision, recall and F1/],
    ['best-f1', (m) => (m.training.bestDev.f1 = '90'), /training\.bestDev\.f1 "90", expected a number/],
    ['training-array', (m) => (m.training = []), /training \[\], expected an object/],
    ['saved-at', (m) => (m.savedAt = 5), /savedAt 5, expected a date string/],
  ];

  test('ner report: a field of the wrong type is a one-line model error, exit 2', () => {
    for (const [name, edit, message] of cases) {
      const dir = edited(name, edit);
      const r = ner(['report', dir, '-q']);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.match(lines[0], new RegExp(`^ner: error: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt model: `));
      assert.match(lines[0], message, name);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'nothing half-written');
    }
  });

  test('what the trainer writes passes, NaN as null included; unknown fields are left alone', () => {
    assert.doesNotThrow(() => validateMetadata(metadata, 'm'));
    const m = structuredClone(metadata);
    m.training.epochs[0].loss = null; // JSON's NaN
    m.training.epochs[0].tokensPerSecond = null; // JSON's Infinity
    m.training.somethingNew = { file: '/x' };
    assert.doesNotThrow(() => validateMetadata(m, 'm'));
    assert.throws(() => validateMetadata({ ...metadata, training: 'x' }, 'm'), ModelError);
  });
});

describe('savedAt', () => {
  before(() => initBackend({ backend: 'cpu' }));

  test('a loaded model keeps the time it was saved; saving stamps a new one', async () => {
    const loaded = await loadModel(model);
    try {
      assert.match(metadata.savedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(loaded.metadata().savedAt, metadata.savedAt);
      const again = path.join(tmp, 'saved-again');
      await saveModel(loaded, again);
      const stamped = JSON.parse(fs.readFileSync(path.join(again, 'metadata.json'), 'utf8')).savedAt;
      assert.ok(stamped > metadata.savedAt, `${stamped} after ${metadata.savedAt}`);
      assert.equal(loaded.metadata().savedAt, stamped);
    } finally {
      loaded.dispose();
    }
  });
});

describe('one set of checks for every loader', () => {
  test('modelFromSaved (what the browser bundle loads through) refuses what loadModel refuses, and leaks no tensors', async () => {
    await initBackend({ backend: 'wasm' });
    const files = readModelFiles(model);
    const refusals: Array<[string, (m: Record<string, any>) => void, RegExp]> = [
      ['one tag too many', (m) => m.tags.tags.push('B-NEW'), /vocabularies \(\d+ words, \d+ tags\) do not match its shape/],
      ['casing the network does not have, or not casing it has', (m) => (m.shape.casingDim = m.shape.casingDim ? 0 : 4), /incompatible model: metadata\.json's shape and model\.json disagree: .*casing_embedding\/embeddings/],
      ['no scheme', (m) => delete m.scheme, /has tag scheme undefined/],
      ['one BiLSTM layer more than the network has', (m) => (m.shape.lstmLayers = (m.shape.lstmLayers ?? 1) + 1), /shape and model\.json disagree: the shape has weights model\.json lacks \(bilstm_\d\/forward_lstm\/kernel/],
    ];
    for (const [what, edit, message] of refusals) {
      const m = structuredClone(metadata);
      edit(m);
      const before = tf.memory().numTensors;
      const network = await loadLayersModelFromFiles(model, files);
      assert.throws(() => modelFromSaved(m, network, 'http://host/model/'), (e: unknown) => e instanceof ModelError && /^http:\/\/host\/model\/: /.test(e.message) && message.test(e.message), what);
      assert.equal(tf.memory().numTensors, before, `${what}: the refused network is disposed`);
      const dir = edited(what.replace(/ /g, '-'), edit);
      await assert.rejects(loadModel(dir), (e: unknown) => e instanceof ModelError && message.test(e.message), `${what}: loadModel`);
    }
  });
});
