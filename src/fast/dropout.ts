/**
 * tf.dropout's masks, bit for bit, drawn ahead of use: on the helper thread
 * when there is one (directionThread.ts), while this thread embeds the batch.
 *
 * Why: tf.dropout draws its uniform noise through seedrandom's alea, one
 * closure call per element, on the main thread; on the default model that
 * was about 1 s of an epoch's 17, at a point where the helper thread idles.
 * Runs are repeatable only because every draw is tfjs's (see
 * util/random.ts), so the masks must be exactly tfjs's: the same seeds (one
 * Math.random() per mask, as a string, in the order of use), the same
 * generator (alea, Baagøe's algorithm as seedrandom 3.0.5 writes it), and
 * tf.dropout's own ops on its noise u (as float32):
 *
 *   multiplier = floor(u + keep) / keep,   keep = 1 - rate
 *
 * test/dropout.test.ts holds the masks to tf.dropout's.
 */
import * as tf from '@tensorflow/tfjs';
import { helperThread } from './lstm';

/** One mask to draw: its number of elements and its alea seed. */
export interface MaskDraw {
  size: number;
  seed: string;
}

/** seedrandom's Mash: hashes a seed string into [0, 1) numbers, its state carried in `n`. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000; // 2^32
    }
    return (n >>> 0) * 2.3283064365386963e-10; // 2^-32
  };
}

/**
 * Fills `out` with the uniform noise tf.randomUniform(shape, 0, 1) draws with
 * the seed string `seed`: alea's doubles, stored as float32.
 */
export function fillUniform(out: Float32Array, seed: string): void {
  const m = mash();
  let s0 = m(' ');
  let s1 = m(' ');
  let s2 = m(' ');
  s0 -= m(seed);
  if (s0 < 0) s0 += 1;
  s1 -= m(seed);
  if (s1 < 0) s1 += 1;
  s2 -= m(seed);
  if (s2 < 0) s2 += 1;
  // The mask arithmetic stays out of this loop: with it, V8 ran the loop ~2.5x slower
  // (measured), where the backend does it vectorised.
  let c = 1;
  for (let i = 0; i < out.length; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10; // 2^-32
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    out[i] = s2;
  }
}

/** The multipliers of tf.dropout from its uniform noise u, with tf.dropout's own ops: floor(u + keep) / keep. */
export function maskFromUniform(u: tf.Tensor, rate: number): tf.Tensor {
  const keepProb = 1 - rate;
  return tf.tidy(() => tf.div(tf.floor(tf.add(u, keepProb)), keepProb));
}

/** tf.dropout's multipliers for `size` elements, rate `rate` and seed string `seed`, as a tensor [size]. */
export function dropoutMask(size: number, rate: number, seed: string): tf.Tensor1D {
  const u = new Float32Array(size);
  fillUniform(u, seed);
  return tf.tidy(() => maskFromUniform(tf.tensor1d(u), rate)) as tf.Tensor1D;
}

/**
 * The dropout masks of one training step, for the noise shapes it will use,
 * in that order. The seeds are drawn from Math.random at construction, as
 * tf.dropout would draw them one call at a time (nothing else draws in
 * between); the masks are drawn on the helper thread, if there is one, else
 * when used.
 */
export class DropoutMasks {
  private used = 0;
  private readonly draws: MaskDraw[];
  /** Waits for the helper thread's masks; undefined without a helper. */
  private readonly fromHelper: (() => Float32Array[]) | undefined;
  private received: Float32Array[] | undefined;

  constructor(
    private readonly noiseShapes: number[][],
    private readonly rate: number,
  ) {
    if (!(rate > 0 && rate < 1)) throw new Error(`dropout: expected a rate in (0, 1), got ${rate}`);
    this.draws = noiseShapes.map((shape) => ({ size: tf.util.sizeFromShape(shape), seed: Math.random().toString() }));
    this.fromHelper = helperThread()?.startDropoutMasks?.(rate, this.draws);
  }

  /** x times the next mask (broadcast over x): what tf.dropout(x, rate, noiseShape) gives for that seed. */
  apply<T extends tf.Tensor>(x: T): T {
    const i = this.used;
    const shape = this.noiseShapes[i];
    if (shape === undefined) throw new Error(`dropout: ${this.noiseShapes.length} masks were drawn for this step, and a mask more was asked for`);
    this.used++;
    return tf.tidy(() => {
      let mask: tf.Tensor;
      if (this.fromHelper !== undefined) {
        this.received ??= this.fromHelper();
        mask = tf.tensor(this.received[i], shape, 'float32');
      } else {
        mask = tf.reshape(dropoutMask(this.draws[i].size, this.rate, this.draws[i].seed), shape);
      }
      return tf.mul(x, mask);
    }) as T;
  }
}
