const R = '/work/wt23/dist';
(async () => {
  const tf = require('@tensorflow/tfjs');
  const { initBackend } = require(R + '/src/backend');
  await initBackend({ backend: 'webgpu' });
  const b = tf.backend();
  const orig = b.runWebGPUProgram.bind(b);
  const seen = new Set();
  b.runWebGPUProgram = (program, inputs, outputDtype, ...rest) => {
    const name = program.constructor.name;
    if (name === 'TransposeProgram' || name === 'TransposeSharedProgram') {
      const key = name + ' ' + (program.newDim||'') + ' ' + inputs.map((i) => i.dtype + '[' + i.shape + ']').join(',') + ' -> ' + outputDtype + ' ' + program.shaderKey;
      if (!seen.has(key)) { seen.add(key); console.log(key, new Error().stack.split('\n').slice(2, 9).join(' | ')); }
    }
    return orig(program, inputs, outputDtype, ...rest);
  };
  const { trainModel } = require(R + '/src/train/trainer');
  const { tinyCorpus, TINY_OPTIONS } = require(R + '/test/helpers/tiny');
  await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 1, dropout: 0 } });
})().catch((e) => { console.error('FAIL', e.stack); process.exit(1); });
