/**
 * Token features (gazetteer matches, extra columns): their encoding, the
 * readers that supply the columns, and models that use them — the fused
 * path against the tf.layers graph, save and load in Node and as the
 * browser loads, the same features after loading, and the CLI around them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { DataError, UsageError } from '../src/errors';
import { makeBatches } from '../src/data/batch';
import { Gazetteer } from '../src/data/gazetteer';
import { TokenFeatures, UNKNOWN_VALUE } from '../src/data/tokenFeatures';
import { parseConll } from '../src/io/conll';
import { parseCsvCorpus } from '../src/io/csvCorpus';
import { parseGazetteer } from '../src/io/gazetteerFile';
import { loadModel, saveModel } from '../src/io/modelStore';
import { METADATA_JSON, MODEL_JSON, WEIGHTS_BIN } from '../src/io/modelDir';
import { modelFromSaved } from '../src/model/savedModel';
import type { NerModel } from '../src/model/nerModel';
import { trainModel } from '../src/train/trainer';
import type { Corpus } from '../src/types';
import { TINY_OPTIONS } from './helpers/tiny';
import { assertUserError, ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-features-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** token POS chunk NER, as CoNLL-2003 lays them out. */
const CONLL = `-DOCSTART- -X- -X- O

Angela NNP B-NP B-PER
Merkel NNP I-NP I-PER
visited VBD B-VP O
Paris NNP B-NP B-LOC
. . O O

Siemens NNP B-NP B-ORG
opened VBD B-VP O
an DT B-NP O
office NN I-NP O
in IN B-PP O
Berlin NNP B-NP B-LOC

John NNP B-NP B-PER
Smith NNP I-NP I-PER
joined VBD B-VP O
Google NNP B-NP B-ORG
. . O O
`;
const GAZETTEER = 'Paris\tLOC\nBerlin\tLOC\nAngela Merkel\tPER\nGoogle\tORG\n';
const gazetteer = () => Gazetteer.fromEntries(parseGazetteer(GAZETTEER, 'g.tsv'));

describe('token feature encoding', () => {
  const corpus = parseConll(CONLL, 'c.conll', { featureColumns: [1, 2] });

  test('the CoNLL reader gives each token the feature columns asked for, in order', () => {
    assert.deepEqual(corpus.featureColumns, [1, 2]);
    assert.deepEqual(corpus.sentences[0].featureValues, [['NNP', 'B-NP'], ['NNP', 'I-NP'], ['VBD', 'B-VP'], ['NNP', 'B-NP'], ['.', 'O']]);
    assert.deepEqual(corpus.sentences[0].tags, ['B-PER', 'I-PER', 'O', 'B-LOC', 'O']);
    const negative = parseConll(CONLL, 'c.conll', { featureColumns: [-2] });
    assert.deepEqual(negative.sentences[2].featureValues?.map((v) => v[0]), ['B-NP', 'I-NP', 'B-VP', 'B-NP', 'O']);
    // Kept as the index it resolved to, so that input without the tag column reads the same column.
    assert.deepEqual(negative.featureColumns, [2]);
  });

  test('columns out of range or on the token or tag column are DataErrors at the first token line', () => {
    const at = (message: RegExp) => (e: unknown) => e instanceof DataError && e.line === 3 && message.test(e.reason);
    assert.throws(() => parseConll(CONLL, 'c.conll', { featureColumns: [4] }), at(/feature column 4 is out of range: line has 4 columns/));
    assert.throws(() => parseConll(CONLL, 'c.conll', { featureColumns: [3] }), at(/is column 3 of 4, the tag column/));
    assert.throws(() => parseConll(CONLL, 'c.conll', { featureColumns: [0] }), at(/the token column/));
  });

  test('input to tag without tags: the feature column in the tag column\'s place is the feature', () => {
    const text = 'Angela NNP B-NP\nMerkel NNP I-NP\n';
    const read = parseConll(text, 'p.conll', { requireTags: false, featureColumns: [1, 2] });
    assert.deepEqual(read.sentences[0].tags, []);
    assert.deepEqual(read.sentences[0].featureValues, [['NNP', 'B-NP'], ['NNP', 'I-NP']]);
  });

  test('CSV feature columns by header name or index', () => {
    const csv = 'Word,POS,Tag\nAngela,NNP,B-PER\nMerkel,NNP,I-PER\n\nParis,NNP,B-LOC\n';
    const read = parseCsvCorpus(csv, 'c.csv', { tokenColumn: 'Word', tagColumn: 'Tag', featureColumns: ['POS'] });
    assert.deepEqual(read.featureColumns, ['POS']);
    assert.deepEqual(read.sentences.map((s) => s.featureValues), [[['NNP'], ['NNP']], [['NNP']]]);
    assert.throws(() => parseCsvCorpus(csv, 'c.csv', { tokenColumn: 'Word', tagColumn: 'Tag', featureColumns: ['Tag'] }), /already the tag column/);
    assert.throws(() => parseCsvCorpus(csv, 'c.csv', { tokenColumn: 'Word', tagColumn: 'Tag', featureColumns: ['Lemma'] }), /no column 'Lemma'/);
  });

  test('rows: padding 0, then five codes a gazetteer type, then each column\'s values with <unk> first', () => {
    const features = TokenFeatures.build(gazetteer(), [1, 2], corpus.sentences);
    assert.equal(features.count, 5); // LOC, ORG, PER, column 1, column 2
    assert.deepEqual(features.names(), ['gazetteer:LOC', 'gazetteer:ORG', 'gazetteer:PER', 'column:1', 'column:2']);
    assert.deepEqual(features.columns[0].values, [UNKNOWN_VALUE, '.', 'DT', 'IN', 'NN', 'NNP', 'VBD']);
    const posRow = 1 + 3 * 5;
    const chunkRow = posRow + 7;
    assert.equal(features.rows, chunkRow + features.columns[1].values.length);
    const s = corpus.sentences[0]; // Angela Merkel visited Paris .
    const ids = Array.from(features.encode(s));
    const rowOf = (type: number, code: number) => 1 + 5 * type + code;
    // Angela: LOC O, ORG O, PER B; NNP; B-NP
    assert.deepEqual(ids.slice(0, 5), [rowOf(0, 0), rowOf(1, 0), rowOf(2, 1), posRow + 5, chunkRow + features.columns[1].values.indexOf('B-NP')]);
    assert.equal(ids[5 + 2], rowOf(2, 3), 'Merkel ends the PER match');
    assert.equal(ids[15], rowOf(0, 4), 'Paris is a whole LOC match');
    assert.ok(ids.every((id) => id > 0 && id < features.rows), 'a real token never gets the padding row');
    // A value training never saw is <unk>; the saved form encodes alike.
    const unseen = { tokens: ['Paris'], featureValues: [['XYZ', 'B-NP']] };
    assert.equal(features.encode(unseen)[3], posRow);
    const back = TokenFeatures.fromJSON(JSON.parse(JSON.stringify(features.toJSON())));
    for (const sentence of [...corpus.sentences, unseen]) assert.deepEqual(back.encode(sentence), features.encode(sentence));
  });

  test('a sentence without the model\'s columns (raw text) is refused, saying which columns', () => {
    const features = TokenFeatures.build(undefined, [1, 2], corpus.sentences);
    assert.throws(() => features.encode({ tokens: ['Paris'] }), (e: unknown) => e instanceof UsageError && /feature columns 1, 2 of its training data/.test(e.message));
    assert.deepEqual(Array.from(TokenFeatures.build(gazetteer(), [], []).encode({ tokens: ['Berlin'] })), [1 + 4, 1 + 5, 1 + 10]);
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`a model with a gazetteer and feature columns on ${backend}`, () => {
    let model: NerModel;
    let corpus: Corpus;
    const dir = path.join(tmp, `model-${backend}`);

    before(async () => {
      await initBackend({ backend });
      corpus = parseConll(CONLL, 'c.conll', { featureColumns: [1, 2] });
      model = await trainModel({ train: corpus, gazetteer: gazetteer(), options: { ...TINY_OPTIONS, featureDim: 3 } });
    });
    after(() => model.dispose());

    test('the shape and the network read the features', () => {
      assert.deepEqual(model.shape.features, { rows: model.features!.rows, dim: 3, count: 5 });
      assert.ok(model.network.inputNames.includes('feature_ids'));
      assert.deepEqual(model.network.getLayer('feature_embedding').getWeights()[0].shape, [model.features!.rows, 3]);
    });

    test('the fused forward pass equals the tf.layers graph, and features move the scores', () => {
      const [batch] = makeBatches(model.encode(corpus, false), 8);
      const fused = model.emissions(batch, false);
      const graph = model.layersEmissions(batch, false);
      const [a, b] = [fused.dataSync(), graph.dataSync()];
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${v} against ${b[i]} at ${i}`));
      // Another value of a feature changes the scores of that token.
      const changed = { ...batch, features: batch.features!.map((id, i) => (i === 3 ? id + 1 : id)) };
      const other = model.emissions(changed, false);
      assert.notDeepEqual(Array.from(other.dataSync().slice(0, 9)), Array.from(a.slice(0, 9)));
      tf.dispose([fused, graph, other]);
    });

    test('saved and loaded, in Node and as the browser loads it: the same features and tags, no tensor left', async () => {
      await saveModel(model, dir);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, METADATA_JSON), 'utf8'));
      assert.deepEqual(meta.features.gazetteer.entries.PER, ['angela merkel']);
      assert.deepEqual(meta.features.columns.map((c: { column: number }) => c.column), [1, 2]);
      const sentences = corpus.sentences.map((s) => s.tokens);
      const featureValues = corpus.sentences.map((s) => s.featureValues);
      const expected = model.predict(sentences, { featureValues });
      const loaded = await loadModel(dir);
      // The browser's loader: tf.loadLayersModel (the classes registered), then the same checks.
      const json = JSON.parse(fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8'));
      const weights = fs.readFileSync(path.join(dir, WEIGHTS_BIN));
      const network = await tf.loadLayersModel(tf.io.fromMemory(json.modelTopology, json.weightsManifest[0].weights, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)));
      const browser = modelFromSaved(meta, network, 'http://x/model/');
      try {
        for (const m of [loaded, browser]) {
          corpus.sentences.forEach((s) => assert.deepEqual(m.features!.encode(s), model.features!.encode(s)));
          assert.deepEqual(m.predict(sentences, { featureValues }), expected);
        }
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) loaded.predict(sentences, { featureValues });
        assert.equal(tf.memory().numTensors, before, 'prediction leaves no tensor');
        assert.throws(() => loaded.predict([['Paris']]), /feature columns 1, 2/);
      } finally {
        loaded.dispose();
        browser.dispose();
      }
    });
  });
}

describe('the command line', () => {
  const data = path.join(tmp, 'train.conll');
  const gaz = path.join(tmp, 'names.tsv');
  const out = path.join(tmp, 'cli-model');
  before(() => {
    fs.writeFileSync(data, CONLL);
    fs.writeFileSync(gaz, `# test names\n${GAZETTEER}`);
  });

  test('train --gazetteer --feature-columns; eval and predict read the columns; text input is refused', () => {
    const train = ner(['train', '--data', data, '--out', out, '--epochs', '1', '--embedding-dim', '8', '--hidden-size', '6', '--gazetteer', gaz, '--feature-columns', '1', '2', '--quiet']);
    assert.equal(train.code, 0, train.stderr);
    const evaluated = ner(['eval', '--model', out, '--data', data]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /accuracy:/);
    const input = path.join(tmp, 'in.conll');
    fs.writeFileSync(input, 'Angela NNP B-NP\nMerkel NNP I-NP\n');
    const predicted = ner(['predict', '--model', out, '--input', input, '--input-format', 'conll']);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(predicted.stdout.trim().split('\n').length, 2);
    assertUserError(ner(['predict', '--model', out], { input: 'Angela Merkel\n' }), 2, /feature columns 1, 2 of its training data, which text input cannot have/);
    fs.writeFileSync(input, 'Angela\nMerkel\n');
    assertUserError(ner(['predict', '--model', out, '--input', input, '--input-format', 'conll']), 2, /in\.conll:1: feature column 1 is out of range: line has 1 column/);
    // A model that reads columns as given at training: eval on data without them names the model's columns.
    const jsonl = path.join(tmp, 'dev.jsonl');
    fs.writeFileSync(jsonl, '{"tokens": ["Paris"], "tags": ["B-LOC"]}\n');
    assertUserError(ner(['eval', '--model', out, '--data', jsonl]), 2, /the model reads the feature columns 1, 2 of its training data, which .*dev\.jsonl cannot give: applies to conll and csv data/);
  });

  test('a bad gazetteer line fails before training, naming file and line, leaving no model', () => {
    const bad = path.join(tmp, 'bad.tsv');
    fs.writeFileSync(bad, 'Paris\tLOC\nBerlin LOC\n');
    const dest = path.join(tmp, 'never');
    assertUserError(ner(['train', '--data', data, '--out', dest, '--gazetteer', bad, '--epochs', '1']), 2, /bad\.tsv:2: expected name<TAB>TYPE, found no tab/);
    assert.equal(fs.existsSync(dest), false);
    assertUserError(ner(['train', '--data', data, '--out', dest, '--gazetteer', path.join(tmp, 'missing.tsv')]), 2, /missing\.tsv: no such file/);
    fs.writeFileSync(bad, Buffer.from('Paris\tLOC\nK\xf6ln\tLOC\n', 'latin1'));
    assertUserError(ner(['train', '--data', data, '--out', dest, '--gazetteer', bad]), 2, /bad\.tsv:2: not valid UTF-8 text \(gazetteers are read as UTF-8\)$/);
    assertUserError(ner(['train', '--data', data, '--out', dest, '--feature-columns', 'POS']), 2, /--feature-columns applies to csv data as a header name/);
    assert.equal(fs.existsSync(dest), false);
  });

  test('a negative feature column is kept as the index it names, so input without the tag column reads it too', () => {
    const neg = path.join(tmp, 'neg-model');
    const train = ner(['train', '--data', data, '--out', neg, '--epochs', '1', '--embedding-dim', '8', '--hidden-size', '6', '--feature-columns', '-2', '--quiet']);
    assert.equal(train.code, 0, train.stderr);
    const meta = JSON.parse(fs.readFileSync(path.join(neg, METADATA_JSON), 'utf8'));
    assert.deepEqual(meta.features.columns.map((c: { column: number }) => c.column), [2]);
    const input = path.join(tmp, 'neg.conll');
    fs.writeFileSync(input, 'Angela NNP B-NP\nMerkel NNP I-NP\n');
    assert.equal(ner(['predict', '--model', neg, '--input', input, '--input-format', 'conll']).code, 0);
    // Corrupt feature definitions are the model's fault, named as such.
    for (const [change, message] of [
      [(m: { features: { columns: Array<{ column: unknown }> } }) => (m.features.columns[0].column = 1.5), /a column must be a 0-based index or a header name, got 1\.5/],
      [(m: { features: { columns: Array<{ values: string[] }> }; shape: { features: { rows: number } } }) => (m.features.columns[0].values.push('X'), m.shape.features.rows++), /token features need a table of \d+ x 8, model.json has \d+ x 8/],
    ] as const) {
      const bad = path.join(tmp, `bad-model-${String(message).length}`);
      fs.cpSync(neg, bad, { recursive: true });
      const m = JSON.parse(fs.readFileSync(path.join(bad, METADATA_JSON), 'utf8'));
      change(m);
      fs.writeFileSync(path.join(bad, METADATA_JSON), JSON.stringify(m));
      assertUserError(ner(['predict', '--model', bad, '--input', input, '--input-format', 'conll']), 2, new RegExp(`${bad.replace(/[/.]/g, '\\$&')}: (corrupt|incompatible) model: .*${message.source}`));
    }
  });

  test('--feature-columns in a --config file; a column named twice, and a gazetteer of too many types, are refused', () => {
    const config = path.join(tmp, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ 'feature-columns': [1, 2], epochs: 1, 'embedding-dim': 8, 'hidden-size': 6 }));
    const dest = path.join(tmp, 'config-model');
    assert.equal(ner(['train', '--data', data, '--out', dest, '--config', config, '--quiet']).code, 0);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dest, METADATA_JSON), 'utf8')).features.columns.length, 2);
    assertUserError(ner(['train', '--data', data, '--out', path.join(tmp, 'never'), '--feature-columns', '1', '1']), 2, /--feature-columns names column 1 twice/);
    const many = path.join(tmp, 'many.tsv');
    fs.writeFileSync(many, Array.from({ length: 70 }, (_, i) => `name${i}\tT${i}`).join('\n'));
    assertUserError(ner(['train', '--data', data, '--out', path.join(tmp, 'never'), '--gazetteer', many]), 2, /many\.tsv: 70 entity types, more than 64/);
  });

  test('check --gazetteer reports names, conflicts and coverage', () => {
    const r = ner(['check', '--data', data, '--gazetteer', gaz, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout).gazetteer;
    assert.deepEqual(report.names, { LOC: 2, ORG: 1, PER: 1 });
    assert.deepEqual(report.coverage[0].byType.all, { entities: 6, rightType: 4, otherType: 0, absent: 2 });
    const text = ner(['check', '--data', data, '--gazetteer', gaz]);
    assert.match(text.stdout, /gazetteer .*names\.tsv: LOC 2, ORG 1, PER 1 names \(matched ignoring case\)/);
    assert.match(text.stdout, /all\s+6: 66\.7% \/ 0\.0% \/ 33\.3%/);
  });
});
