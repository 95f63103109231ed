// The training kernel's scaled forward-backward against the log-space
// recursions it replaced (which crf.test.ts checks against brute force), on
// the shapes training meets: 17 tags, long rows, padding, constrained
// transitions (-1e4) and emission gaps wide enough to underflow a scale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrfNllAttrs, CrfNllOutputs, crfNllAndGradient, crfNllAndGradientLogSpace, crfNllScaledOnly } from '../src/fast/crfFused';
import { makeRng, randInt } from '../src/util/random';

type Out = CrfNllOutputs;

function outputs({ batch: B, steps: T, numTags: K }: CrfNllAttrs): Out {
  return { nll: new Float32Array(B), dEmissions: new Float32Array(B * T * K), dStart: new Float32Array(B * K), dTrans: new Float32Array(B * K * K), dEnd: new Float32Array(B * K) };
}

function randomCase(seed: number, K: number, lengths: number[], scale: number, forbid: number) {
  const rng = makeRng(seed);
  const T = Math.max(...lengths);
  const B = lengths.length;
  const emissions = Float32Array.from({ length: B * T * K }, () => scale * (rng() - 0.5));
  const tags = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  const trans = Float32Array.from({ length: K * K }, () => (rng() < forbid ? -1e4 : rng() - 0.5));
  // The gold path stays allowed, as constrained training guarantees.
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      mask[b * T + t] = 1;
      tags[b * T + t] = t === 0 ? randInt(rng, K) : allowedFrom(trans, K, tags[b * T + t - 1], rng);
    }
  });
  const start = Float32Array.from({ length: K }, () => rng() - 0.5);
  const end = Float32Array.from({ length: K }, () => rng() - 0.5);
  return { emissions, tags, mask, start, trans, end, attrs: { batch: B, steps: T, numTags: K } };
}

function allowedFrom(trans: Float32Array, K: number, from: number, rng: () => number): number {
  const ok = Array.from({ length: K }, (_, j) => j).filter((j) => trans[from * K + j] > -1);
  return ok.length === 0 ? from : ok[randInt(rng, ok.length)];
}

function compare(c: ReturnType<typeof randomCase>, what: string): void {
  const [scaled, logSpace] = [outputs(c.attrs), outputs(c.attrs)];
  crfNllAndGradient(c, c.attrs, scaled);
  crfNllAndGradientLogSpace(c, c.attrs, logSpace);
  for (const key of Object.keys(scaled) as Array<keyof Out>) {
    const [a, b] = [scaled[key], logSpace[key]];
    for (let i = 0; i < a.length; i++) {
      assert.ok(Number.isFinite(a[i]), `${what}: ${key}[${i}] is ${a[i]}`);
      assert.ok(Math.abs(a[i] - b[i]) <= 2e-5 * Math.max(1, Math.abs(b[i])), `${what}: ${key}[${i}] scaled ${a[i]}, log space ${b[i]}`);
    }
  }
}

test('the scaled recursions give the log-space NLL and gradients (17 tags, rows of up to 128 tokens, padding)', () => {
  compare(randomCase(1, 17, [128, 40, 1, 7, 0], 10, 0), 'plain');
  compare(randomCase(2, 3, [5, 2], 2, 0), 'small');
});

test('constrained transitions (-1e4) and large emissions stay exact', () => {
  compare(randomCase(3, 17, [60, 33, 2], 40, 0.4), 'constrained');
});

test('a sentence whose scales underflow falls back to log space, and the others in its batch do not', () => {
  // Sentence 0 has emission gaps of thousands of nats: every exp but the row's maximum
  // underflows, and a forbidden step from the only live tag leaves nothing. Sentence 1 is tame.
  const tame = randomCase(5, 5, [30, 12], 2, 0.5);
  const wild = randomCase(4, 5, [30, 12], 4000, 0.5);
  // tame's tags and transitions (its gold paths stay allowed), wild's emissions in sentence 0.
  const c = { ...tame, emissions: Float32Array.from(tame.emissions, (v, i) => (i < 30 * 5 ? wild.emissions[i] : v)) };
  const scaledOnly = outputs(c.attrs);
  crfNllScaledOnly(c, c.attrs, scaledOnly);
  assert.ok(Number.isNaN(scaledOnly.nll[0]), `the wild sentence underflows the scales (nll ${scaledOnly.nll[0]})`);
  assert.ok(Number.isFinite(scaledOnly.nll[1]), 'the tame one does not');
  compare(c, 'underflow');
});
