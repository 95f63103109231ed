import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { makeBatches } from '../src/data/batch';
import { convertTags } from '../src/data/tagScheme';
import { ModelError, NumericalError, UsageError } from '../src/errors';
import { METADATA_JSON, MODEL_JSON, REPORT_HTML, WEIGHTS_BIN } from '../src/io/modelDir';
import { NerModel } from '../src/model/nerModel';
import { trainModel } from '../src/train/trainer';
import { NER_VERSION } from '../src/version';
import { REFERENCE_PATH, fastPath, setFastPath } from '../src/fast/fastPath';
import { CRF_NLL } from '../src/fast/crfFused';
import { LSTM_CELL, LSTM_CELL_GRAD, LSTM_CELL_INFERENCE, SPLIT_ROW_BLOCKS } from '../src/fast/lstmCell';
import { TINY_OPTIONS, tinyCorpus } from './helpers/tiny';
import { REPO } from './helpers/cli';
import { loadModel, saveModel } from '../src/io/modelStore';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-model-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('NER_VERSION matches package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  assert.equal(NER_VERSION, pkg.version);
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`model on ${backend}`, () => {
    let model: NerModel;
    const dir = path.join(tmp, `model-${backend}`);
    const sentences = [...tinyCorpus().sentences.map((s) => s.tokens), ['Unseen', 'words', 'here'], []];

    before(async () => {
      await initBackend({ backend });
      model = await trainModel({ train: tinyCorpus(), options: TINY_OPTIONS });
    });
    after(() => model.dispose());

    test('save -> load -> predict gives identical tags, and the files are tfjs layers-model files', async () => {
      await saveModel(model, dir);
      assert.deepEqual(fs.readdirSync(dir).sort(), [METADATA_JSON, MODEL_JSON, REPORT_HTML, WEIGHTS_BIN]);
      const json = JSON.parse(fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8'));
      assert.equal(json.format, 'layers-model');
      assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
      const loaded = await loadModel(dir);
      try {
        const before = model.predict(sentences);
        assert.deepEqual(loaded.predict(sentences), before);
        assert.deepEqual(before[before.length - 1], [], 'an empty sentence gets no tags');
        assert.equal(loaded.scheme, 'iob2');
        assert.deepEqual(loaded.tags.tags(), model.tags.tags());
        assert.equal(loaded.training?.epochs.length, 2);
      } finally {
        loaded.dispose();
      }
    });

    test('a sentence is tagged the same alone and inside a padded batch', () => {
      const all = model.predict(sentences);
      sentences.forEach((s, i) => assert.deepEqual(model.predict([s])[0], all[i], `sentence ${i}`));
    });

    test('training steps and predictions do not leak tensors', async () => {
      // Gold tags in the network's scheme (IOBES by default), characters and casing as the model reads them.
      const corpus = tinyCorpus();
      for (const s of corpus.sentences) s.tags = convertTags(s.tags, model.scheme, model.modelScheme);
      const encoded = model.encode(corpus, true);
      const [batch] = makeBatches(encoded, 4);
      const optimizer: tf.Optimizer = tf.train.adam(1e-3);
      const variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => model.loss(batch), variables);
          optimizer.applyGradients(grads);
          return value.dataSync()[0];
        });
      step(); // the first step creates the optimizer's slots
      const afterFirst = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      assert.equal(tf.memory().numTensors, afterFirst, 'training steps');
      optimizer.dispose();
      const beforePredict = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) model.predict(sentences);
      assert.equal(tf.memory().numTensors, beforePredict, 'predictions');
    });
  });
}

describe('loading bad model directories', () => {
  let good: string;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 1 } });
    good = path.join(tmp, 'good');
    await saveModel(model, good);
    model.dispose();
  });

  function broken(name: string, change: (dir: string) => void): string {
    const dir = path.join(tmp, name);
    fs.cpSync(good, dir, { recursive: true });
    change(dir);
    return dir;
  }

  const cases: Array<[string, (dir: string) => void, RegExp]> = [
    ['no-weights', (d) => fs.rmSync(path.join(d, WEIGHTS_BIN)), /incomplete model directory: weights\.bin is missing/],
    ['no-metadata', (d) => fs.rmSync(path.join(d, METADATA_JSON)), /metadata\.json is missing/],
    ['truncated', (d) => fs.truncateSync(path.join(d, WEIGHTS_BIN), 100), /weights\.bin has 100 bytes, the manifest needs \d+/],
    ['bad-json', (d) => fs.writeFileSync(path.join(d, MODEL_JSON), '{"modelTopology": '), /model\.json is not valid JSON/],
    ['foreign', (d) => fs.writeFileSync(path.join(d, METADATA_JSON), '{"format": "spacy"}'), /format "spacy", expected "ner-bilstm-crf"/],
    [
      'future',
      (d) => {
        const m = JSON.parse(fs.readFileSync(path.join(d, METADATA_JSON), 'utf8'));
        fs.writeFileSync(path.join(d, METADATA_JSON), JSON.stringify({ ...m, formatVersion: 99 }));
      },
      /format version 99; this ner reads version 1/,
    ],
  ];
  for (const [name, change, message] of cases) {
    test(`${name}: a ModelError naming the directory`, async () => {
      const dir = broken(name, change);
      await assert.rejects(loadModel(dir), (e: unknown) => e instanceof ModelError && e.message.startsWith(`${dir}: `) && message.test(e.message));
    });
  }

  test('a missing directory and a file are refused clearly', async () => {
    await assert.rejects(loadModel(path.join(tmp, 'nope')), /nope: no such model directory/);
    const file = path.join(tmp, 'file.txt');
    fs.writeFileSync(file, 'x');
    await assert.rejects(loadModel(file), /is a file/);
  });

  test('saving never replaces a directory that is not a model', async () => {
    const model = await loadModel(good);
    const precious = path.join(tmp, 'precious');
    fs.mkdirSync(precious);
    fs.writeFileSync(path.join(precious, 'thesis.tex'), 'years of work');
    await assert.rejects(saveModel(model, precious), (e: unknown) => e instanceof UsageError && /is not a ner model directory/.test(e.message));
    assert.equal(fs.readFileSync(path.join(precious, 'thesis.tex'), 'utf8'), 'years of work');
    // Replacing an existing model works, and leaves no temporary directories behind.
    await saveModel(model, good);
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('.')), []);
    model.dispose();
  });

  test('a kill between the two renames of a replacement: the previous model comes back on the next load', async () => {
    const dir = path.join(tmp, 'swapped');
    fs.cpSync(good, dir, { recursive: true });
    // As writeModelDir leaves things when killed after moving the old model aside (its PID in the name).
    const dead = spawnSync('true').pid;
    fs.renameSync(dir, path.join(tmp, `.swapped.old-${dead}-abc`));
    fs.mkdirSync(path.join(tmp, `.swapped.tmp-${dead}-abc`));
    const model = await loadModel(dir);
    assert.ok(model.tags.size > 1);
    assert.ok(fs.existsSync(path.join(dir, 'model.json')));
    model.dispose();
  });

  test('a load between the two renames of a replacement still under way waits for the new model instead of undoing the first', async () => {
    const dir = path.join(tmp, 'replacing');
    // The replacing process: alive, between its renames (the old model aside, the new one not yet in place).
    const replacer = spawn('sleep', ['30']);
    const old = path.join(tmp, `.replacing.old-${replacer.pid}-abc`);
    fs.cpSync(good, old, { recursive: true });
    try {
      const reader = spawn(process.execPath, [path.join(REPO, 'dist', 'src', 'cli', 'main.js'), 'predict', '--model', dir, '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
      reader.stdin.end('Angela Merkel\n');
      const exited = new Promise<number | null>((resolve) => reader.on('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.ok(fs.existsSync(old), 'the old model was not moved back under the replacement');
      // The replacement's second rename: atomic, as the real one is (a copy in place would let the
      // reader see a half-written directory when the machine is slow).
      const next = path.join(tmp, `.replacing.new-${replacer.pid}`);
      fs.cpSync(good, next, { recursive: true });
      fs.renameSync(next, dir);
      assert.equal(await exited, 0);
      assert.ok(fs.existsSync(old), 'still aside, for its process to remove');
    } finally {
      replacer.kill();
    }
  });
});

test('the same seed trains the same model; another seed a different one', async () => {
  await initBackend({ backend: 'wasm' });
  const weightsOf = async (seed: number) => {
    const m = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, dropout: 0.5, seed } });
    const values = m.network.getWeights().map((w) => Array.from(w.dataSync()));
    m.dispose();
    return values;
  };
  const first = await weightsOf(7);
  assert.deepEqual(await weightsOf(7), first);
  assert.notDeepEqual(await weightsOf(8), first);
});

describe('one saved model, every path', () => {
  const dir = path.join(tmp, 'cross-backend');
  const sentences = [...tinyCorpus().sentences.map((s) => s.tokens), ['Berlin', 'and', 'Paris', 'met', 'Google']];
  let wasmTags: string[][];

  before(async () => {
    await initBackend({ backend: 'wasm' });
    const model = await trainModel({ train: tinyCorpus(), options: TINY_OPTIONS });
    await saveModel(model, dir);
    wasmTags = model.predict(sentences);
    model.dispose();
  });

  test('the same saved model gives the same tags on cpu as on wasm', async () => {
    await initBackend({ backend: 'cpu' });
    const model = await loadModel(dir);
    assert.deepEqual(model.predict(sentences), wasmTags);
    model.dispose();
  });

  /** Runs fn as on a backend without the project's kernels (the tensorflow backend takes this path). */
  async function withoutProjectKernels<T>(fn: () => Promise<T>): Promise<T> {
    await initBackend({ backend: 'cpu', threads: 1 });
    // The switch off, and the kernels gone too, so that the reference path is seen to need none of them.
    setFastPath('cpu', REFERENCE_PATH);
    [SPLIT_ROW_BLOCKS, LSTM_CELL, LSTM_CELL_INFERENCE, LSTM_CELL_GRAD, CRF_NLL].forEach((k) => tf.unregisterKernel(k, 'cpu'));
    try {
      return await fn();
    } finally {
      await initBackend({ backend: 'cpu' }); // the fast path again
    }
  }

  test('without the project kernels, the tf.layers graph gives the same tags and still trains', async () => {
    await withoutProjectKernels(async () => {
      assert.equal(fastPath().lstm, false, 'the fused path is off');
      const model = await loadModel(dir);
      assert.deepEqual(model.predict(sentences), wasmTags);
      model.dispose();
      // One-token sentences, so that some batch has T = 1 (tfjs' unstack gradient and
      // tf.train.adam's slots both broke on that; see fast/gradients.ts, train/optimizer.ts).
      const corpus = tinyCorpus();
      for (const word of ['Paris', 'Siemens', 'Berlin']) corpus.sentences.push({ tokens: [word], tags: ['B-LOC'], lines: [1] });
      // Locked dropout here is tf.layers' SpatialDropout1D. Enough epochs (about 4 s) to fit these 9 sentences:
      // a graph whose gradients were finite but wrong would not.
      const options = { ...TINY_OPTIONS, hiddenSize: 12, charSize: 10, optimizer: 'adam', learningRate: 0.03, singletonUnk: 0, epochs: 10 } as const;
      const trained = await trainModel({ train: corpus, options: { ...options, lockedDropout: true } });
      assert.equal(trained.network.getLayer('bilstm_dropout').getClassName(), 'SpatialDropout1D');
      const losses = trained.training!.epochs.map((e) => e.loss);
      assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
      assert.ok(losses[9] < 0.2 * losses[0], `the loss falls: ${losses}`);
      assert.ok(Math.max(...losses.slice(5)) < Math.min(...losses.slice(0, 5)), `the last 5 epochs lose less than the first 5: ${losses}`);
      assert.deepEqual(
        trained.predict(corpus.sentences.map((s) => s.tokens)),
        corpus.sentences.map((s) => s.tags),
        'the training sentences are tagged as in training',
      );
      trained.dispose();
    });
  });
});

/** Loads the model in `dir` on the cpu backend and checks that it tags `sentences` as `expected`. */
async function assertSameTagsOnCpu(dir: string, sentences: string[][], expected: string[][]): Promise<void> {
  await initBackend({ backend: 'cpu' });
  const onCpu = await loadModel(dir);
  assert.deepEqual(onCpu.predict(sentences), expected);
  onCpu.dispose();
}

describe('stacked BiLSTM layers', () => {
  test('two layers: save -> load -> predict gives identical tags, on wasm and on cpu', async () => {
    await initBackend({ backend: 'wasm' });
    const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, lstmLayers: 2 } });
    assert.deepEqual(
      model.network.layers.filter((l) => l.getClassName() === 'Bidirectional').map((l) => l.name),
      ['bilstm', 'bilstm_2'],
    );
    const dir = path.join(tmp, 'two-layers');
    await saveModel(model, dir);
    const sentences = tinyCorpus().sentences.map((s) => s.tokens);
    const before = model.predict(sentences);
    model.dispose();
    const loaded = await loadModel(dir);
    assert.equal(loaded.shape.lstmLayers, 2);
    assert.deepEqual(loaded.predict(sentences), before);
    loaded.dispose();
    await assertSameTagsOnCpu(dir, sentences, before);
  });

  test('a model whose metadata predates the option loads as one layer; a bad count is refused', async () => {
    await initBackend({ backend: 'cpu' });
    const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 1 } });
    const dir = path.join(tmp, 'one-layer');
    await saveModel(model, dir);
    const sentences = tinyCorpus().sentences.map((s) => s.tokens);
    const before = model.predict(sentences);
    model.dispose();
    const file = path.join(dir, METADATA_JSON);
    const metadata = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete metadata.shape.lstmLayers;
    fs.writeFileSync(file, JSON.stringify(metadata));
    const old = await loadModel(dir);
    assert.deepEqual(old.predict(sentences), before);
    old.dispose();
    fs.writeFileSync(file, JSON.stringify({ ...metadata, shape: { ...metadata.shape, lstmLayers: 0 } }));
    await assert.rejects(loadModel(dir), (e: unknown) => e instanceof ModelError && /shape\.lstmLayers 0, expected a positive integer/.test(e.message));
  });
});

describe('models with character features', () => {
  for (const charEncoder of ['cnn', 'lstm'] as const) {
    test(`${charEncoder}: save -> load -> predict gives identical tags, also on cpu`, async () => {
      await initBackend({ backend: 'wasm' });
      const cnn = charEncoder === 'cnn';
      const options = { ...TINY_OPTIONS, charEncoder, charDim: 4, charSize: 3, casingDim: cnn ? 3 : 0, lockedDropout: cnn };
      const model = await trainModel({ train: tinyCorpus(), options });
      const dir = path.join(tmp, `chars-${charEncoder}`);
      await saveModel(model, dir);
      const sentences = [...tinyCorpus().sentences.map((s) => s.tokens), ['Zürich', 'and', 'Xyzzy', 'Qwertz']];
      const before = model.predict(sentences);
      model.dispose();
      const loaded = await loadModel(dir);
      assert.deepEqual(loaded.predict(sentences), before);
      assert.equal(loaded.shape.chars?.kind, charEncoder);
      assert.equal(loaded.shape.lockedDropout, cnn);
      assert.ok(loaded.chars !== undefined && loaded.chars.size > 10);
      loaded.dispose();
      await assertSameTagsOnCpu(dir, sentences, before);
    });
  }

  test('annealing halves the learning rate after each plateau', async () => {
    await initBackend({ backend: 'wasm' });
    // dev = train and a large rate: dev F1 plateaus quickly, and the schedule shows in the epoch records
    const model = await trainModel({
      train: tinyCorpus(),
      dev: tinyCorpus('dev.conll'),
      options: { ...TINY_OPTIONS, epochs: 12, patience: 0, schedule: 'anneal', annealPatience: 2, annealFactor: 0.5, learningRate: 0.05, minLearningRate: 0 },
    });
    const summary = model.training!;
    model.dispose();
    let lr = 0.05;
    let best = -1;
    let bestEpoch = 0;
    for (const e of summary.epochs) {
      assert.equal(e.learningRate, lr, `epoch ${e.epoch}`);
      if (e.dev!.f1 > best) {
        best = e.dev!.f1;
        bestEpoch = e.epoch;
      }
      const stale = e.epoch - bestEpoch;
      if (stale > 0 && stale % 2 === 0) lr *= 0.5;
    }
    assert.ok(summary.epochs.some((e) => e.learningRate < 0.05), 'the run did anneal at least once');
  });
});

test('--train-scheme iobes (with --train-constraints): the network learns IOBES, predictions come back in the data scheme', async () => {
  await initBackend({ backend: 'wasm' });
  // With --train-constraints too: forbidden IOBES transitions are out of the loss.
  const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 3, learningRate: 0.02, trainScheme: 'iobes', trainConstraints: true } });
  assert.ok(model.training!.epochs.every((e) => Number.isFinite(e.loss) && e.loss > 0));
  assert.equal(model.scheme, 'iob2');
  assert.equal(model.modelScheme, 'iobes');
  assert.ok(model.tags.tags().some((t) => t.startsWith('S-')), 'the tag set is IOBES');
  const predicted = model.predict(tinyCorpus().sentences.map((s) => s.tokens));
  for (const tags of predicted) for (const t of tags) assert.match(t, /^(O|[BI]-\w+)$/, 'IOB2 out');
  const dir = path.join(tmp, 'iobes');
  await saveModel(model, dir);
  const loaded = await loadModel(dir);
  assert.equal(loaded.modelScheme, 'iobes');
  assert.deepEqual(loaded.predict(tinyCorpus().sentences.map((s) => s.tokens)), predicted);
  model.dispose();
  loaded.dispose();
});

test('BILOU and IOE2 data: learned in IOBES or as they are, predictions and marginals in the data scheme', async () => {
  await initBackend({ backend: 'wasm' });
  const tokens = tinyCorpus().sentences.map((s) => s.tokens);
  const allowed: Record<string, RegExp> = { bilou: /^(O|[BILU]-\w+)$/, ioe2: /^(O|[IE]-\w+)$/ };
  for (const scheme of ['bilou', 'ioe2'] as const) {
    const corpus = tinyCorpus();
    for (const s of corpus.sentences) s.tags = convertTags(s.tags, 'iob2', scheme);
    for (const trainScheme of ['iobes', 'same'] as const) {
      const model = await trainModel({ train: corpus, options: { ...TINY_OPTIONS, epochs: 1, trainScheme } });
      assert.equal(model.scheme, scheme);
      assert.equal(model.modelScheme, trainScheme === 'iobes' ? 'iobes' : scheme);
      const [decoded] = model.decode([tokens[0]], { marginals: true });
      for (const t of decoded.tags) assert.match(t, allowed[scheme], `${scheme}/${trainScheme}`);
      // IOBES marginals summed under the data's tags: B-PER and I-PER are IOE2's I-PER, S-PER and E-PER its E-PER.
      for (const dist of decoded.marginals!) {
        for (const name of Object.keys(dist)) assert.match(name, allowed[scheme], `${scheme}/${trainScheme} marginal ${name}`);
        assert.ok(Math.abs(Object.values(dist).reduce((a, b) => a + b, 0) - 1) < 1e-5);
      }
      model.dispose();
    }
  }
});

test('--embeddings starts the word embeddings from the vectors, --freeze-embeddings keeps them, coverage is reported', async () => {
  await initBackend({ backend: 'wasm' });
  const file = path.join(tmp, 'vectors.txt');
  const angela = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
  const paris = [-1, -2, -3, -4, 1, 2, 3, 4];
  fs.writeFileSync(file, `Angela ${angela.join(' ')}\nparis ${paris.join(' ')}\nunrelated ${angela.join(' ')}\n`);
  const infos: string[] = [];
  const model = await trainModel({
    train: tinyCorpus(),
    options: { ...TINY_OPTIONS, embeddings: file, freezeEmbeddings: true },
    events: { onInfo: (m) => infos.push(m) },
  });
  const table = model.network.getLayer('word_embedding').getWeights()[0].arraySync() as number[][];
  const row = (word: string) => table[model.words.indexOf(word)].map((v) => Math.round(v * 1e6) / 1e6);
  assert.deepEqual(row('Angela'), angela, 'exact match, unchanged by training (frozen)');
  assert.deepEqual(row('Paris'), paris, 'lowercased match');
  assert.match(infos.join('\n'), /embeddings: 2 of 3 vectors used \(8 dimensions\); .* \(1 exact, 1 lowercased\)/);
  assert.equal(model.network.getLayer('word_embedding').trainable, true, 'the saved model stays fine-tunable');
  model.dispose();
});

test('a model whose emission scores overflow is refused when decoding, best path or n-best (--nbest crashed on one)', async () => {
  await initBackend({ backend: 'wasm' });
  const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 1 } });
  // Scores that are not numbers, as finite weights large enough to overflow them give
  // (a run that diverged just short of NaN); here through an infinite bias.
  const dense = model.network.getLayer('emissions');
  const [kernel, bias] = dense.getWeights();
  const infinite = tf.fill(bias.shape, Infinity);
  dense.setWeights([kernel, infinite]);
  for (const options of [{}, { nbest: 3 }, { confidence: true }]) {
    assert.throws(() => model.decode([['Angela', 'Merkel', 'visited', 'Paris']], options), (e: unknown) => e instanceof NumericalError && /NaN or infinite emission scores/.test(e.message));
  }
  // The CRF's own weights likewise.
  dense.setWeights([kernel, bias]);
  const crf = model.network.getLayer('crf');
  const crfWeights = crf.getWeights();
  const broken = crfWeights.map((w) => tf.fill(w.shape, NaN));
  crf.setWeights(broken);
  assert.throws(() => model.decode([['Angela', 'Merkel']], { nbest: 2 }), (e: unknown) => e instanceof NumericalError && /transition scores/.test(e.message));
  tf.dispose([infinite, ...broken]);
  model.dispose();
});
