// Train the tiny model on a backend and print the per-epoch losses and tags.
const R = '/work/wt23/dist';
const backend = process.argv[2];
(async () => {
  const tf = require('@tensorflow/tfjs');
  const { initBackend } = require(R + '/src/backend');
  await initBackend({ backend, threads: 1 });
  const { trainModel } = require(R + '/src/train/trainer');
  const { tinyCorpus, TINY_OPTIONS } = require(R + '/test/helpers/tiny');
  const t0 = Date.now();
  const losses = [];
  const m = await trainModel({ train: tinyCorpus(), dev: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 3, dropout: 0 }, events: { onEpoch: (r) => losses.push(r.loss.toFixed(5)) } });
  const d = await m.decodeAsync(tinyCorpus().sentences.map((s) => s.tokens));
  console.log(backend, Date.now() - t0, 'ms', losses.join(' '), JSON.stringify(d.map((x) => x.tags.join(','))));
})().catch((e) => { console.error('FAIL', e.stack); process.exit(1); });
