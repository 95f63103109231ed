/**
 * Memory and time at the edges: a very large vocabulary and very long
 * sentences. Builds a synthetic corpus (--sentences sentences of 20 tokens
 * drawn from --vocab distinct words, plus --long sentences of --long-tokens
 * tokens), trains one epoch with `ner train`'s defaults, tags the long
 * sentences, and prints one JSON line: seconds, peak RSS, tensors left over.
 *
 *   node dist/scripts/bench-limits.js [--vocab 200000] [--sentences 12000] [--long 2] [--long-tokens 5000]
 *
 * A benchmark, not a test: it prints numbers and judges nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { trainModel } from '../src/train/trainer';
import type { Corpus, Sentence } from '../src/types';
import { makeRng, randInt } from '../src/util/random';

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

async function main(argv: string[]): Promise<void> {
  const vocab = option(argv, 'vocab', 200_000);
  const count = option(argv, 'sentences', 12_000);
  const longCount = option(argv, 'long', 2);
  const longTokens = option(argv, 'long-tokens', 5000);
  const rng = makeRng(7);
  const TYPES = ['PER', 'LOC', 'ORG', 'MISC'];
  const sentence = (length: number, line: number): Sentence => {
    const tokens: string[] = [];
    const tags: string[] = [];
    for (let i = 0; i < length; i++) {
      const id = randInt(rng, vocab);
      tokens.push(`w${id}`);
      tags.push(id % 10 === 0 ? `B-${TYPES[id % 4]}` : 'O');
    }
    return { tokens, tags, lines: tokens.map((_, i) => line + i) };
  };
  const sentences = Array.from({ length: count }, (_, i) => sentence(20, i * 21 + 1));
  const long = Array.from({ length: longCount }, (_, i) => sentence(longTokens, 1e8 + i * (longTokens + 1)));
  const train: Corpus = { file: 'synthetic.conll', sentences: [...sentences, ...long] };
  const info = await initBackend({ backend: 'auto' });
  const started = Date.now();
  const model = await trainModel({ train, options: { epochs: 1 } });
  const trainSeconds = (Date.now() - started) / 1000;
  const before = tf.memory().numTensors;
  const t0 = Date.now();
  model.predict(long.map((s) => s.tokens));
  const predictSeconds = (Date.now() - t0) / 1000;
  const leaked = tf.memory().numTensors - before;
  process.stdout.write(
    `${JSON.stringify({
      backend: info.name,
      vocabulary: model.words.size,
      sentences: train.sentences.length,
      long_sentences: longCount,
      long_tokens: longTokens,
      train_seconds: Math.round(trainSeconds),
      predict_long_seconds: Number(predictSeconds.toFixed(1)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      tensors_leaked_by_predict: leaked,
    })}\n`,
  );
  model.dispose();
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
