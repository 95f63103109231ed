/**
 * Linear-chain conditional random field (Lafferty et al., 2001) over per-token
 * emission scores, as in BiLSTM-CRF taggers (Huang et al., 2015; Lample et al., 2016).
 *
 * A tag path y_1..y_n of a sentence x scores
 *     s(x, y) = start[y_1] + sum_t emissions[t, y_t] + sum_{t>1} transitions[y_{t-1}, y_t] + end[y_n]
 * and has probability p(y | x) = exp(s(x, y)) / Z(x), where the partition function Z(x)
 * sums exp(s) over all K^n paths. Training minimises the negative log-likelihood
 *     -log p(y | x) = log Z(x) - s(x, y),
 * with log Z from the forward algorithm (a log-sum-exp dynamic programme, O(n K^2)).
 * Decoding (the Viterbi algorithm) lives in decode/viterbi.ts and runs on plain arrays.
 *
 * Shapes used throughout: B batch, T padded length, K tags.
 * - emissions: float32 [B, T, K]
 * - tags:      int32   [B, T]  (any valid tag id at padded positions)
 * - mask:      float32 [B, T]  1 for real tokens, 0 for padding. Every row is
 *              left-aligned (ones, then zeros) and starts with a one: each
 *              sentence has at least one token. Batches from data/batch.ts
 *              satisfy this by construction.
 *
 * The three parts of the maths are separate pure functions of tensors so that
 * tests can compare each with brute-force enumeration. No tf.gather is used:
 * its gradient (UnsortedSegmentSum) is slow or missing on some backends, so
 * tag lookups are one-hot products instead.
 */
import * as tf from '@tensorflow/tfjs';
import type { CrfWeights, TransitionMask } from './crfTypes';
import { fastPath } from '../fast/fastPath';
import { crfNegLogLikelihoodFused } from '../fast/crfFused';

/** The CRF's parameters as tensors. transitions[i, j] scores tag i followed by tag j. */
export interface CrfParams {
  start: tf.Tensor1D; // [K]
  transitions: tf.Tensor2D; // [K, K], (from, to)
  end: tf.Tensor1D; // [K]
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws an Error saying what was expected and what came, pytorch-crf style. */
export function validateCrfInputs(emissions: tf.Tensor, mask: tf.Tensor, numTags: number, tags?: tf.Tensor): void {
  if (emissions.rank !== 3) {
    throw new Error(`CRF: emissions must have rank 3 [batch, time, numTags], got shape ${shapeText(emissions.shape)}`);
  }
  const [b, t, k] = emissions.shape;
  if (k !== numTags) throw new Error(`CRF: expected the last dimension of emissions to be ${numTags} tags, got ${k}`);
  if (numTags < 2) throw new Error(`CRF: needs at least 2 tags to choose between, got ${numTags}`);
  if (t < 1) throw new Error('CRF: sequences must have at least one time step');
  if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== t) {
    throw new Error(`CRF: mask must have shape [${b}, ${t}] to match emissions, got ${shapeText(mask.shape)}`);
  }
  if (mask.dtype !== 'float32') throw new Error(`CRF: mask must be float32 (1 = token, 0 = padding), got ${mask.dtype}`);
  if (tags !== undefined) {
    if (tags.rank !== 2 || tags.shape[0] !== b || tags.shape[1] !== t) {
      throw new Error(`CRF: tags must have shape [${b}, ${t}] to match emissions, got ${shapeText(tags.shape)}`);
    }
    if (tags.dtype !== 'int32') throw new Error(`CRF: tags must be int32 tag ids, got ${tags.dtype}`);
  }
}

/**
 * log Z(x) for every sentence by the forward algorithm. Returns [B].
 *
 * alpha_t[j] = log sum_{paths ending in j at t} exp(score so far)
 *            = emissions[t, j] + logsumexp_i(alpha_{t-1}[i] + transitions[i, j]).
 * At padded steps alpha is carried over unchanged, so a padded sentence gets
 * exactly the value of the unpadded one.
 */
export function crfLogPartition(emissions: tf.Tensor3D, mask: tf.Tensor2D, params: CrfParams): tf.Tensor1D {
  return tf.tidy(() => {
    const steps = emissions.shape[1];
    // Time-major, so each step reads one slice of the leading axis.
    const emitSteps = tf.unstack(tf.transpose(emissions, [1, 0, 2])) as tf.Tensor2D[]; // T x [B, K]
    const maskSteps = tf.unstack(tf.transpose(mask)) as tf.Tensor1D[]; // T x [B]
    const transitions = tf.expandDims(params.transitions, 0); // [1, K(from), K(to)]
    let alpha: tf.Tensor2D = tf.add(params.start, emitSteps[0]); // [B, K]
    for (let t = 1; t < steps; t++) {
      // score of every (previous tag i, next tag j) pair: [B, K(i), K(j)]
      const pairs = tf.add(tf.add(tf.expandDims(alpha, 2), transitions), tf.expandDims(emitSteps[t], 1));
      const next = tf.logSumExp(pairs, 1) as tf.Tensor2D; // [B, K(j)]
      const on = tf.expandDims(maskSteps[t], 1); // [B, 1]
      alpha = tf.add(tf.mul(next, on), tf.mul(alpha, tf.sub(1, on)));
    }
    return tf.logSumExp(tf.add(alpha, params.end), 1) as tf.Tensor1D; // [B]
  });
}

/**
 * s(x, y) of the given tag paths. Returns [B].
 */
export function crfPathScore(emissions: tf.Tensor3D, tags: tf.Tensor2D, mask: tf.Tensor2D, params: CrfParams): tf.Tensor1D {
  return tf.tidy(() => {
    const [batch, steps, numTags] = emissions.shape;
    // int32 then cast: tfjs-backend-wasm 4.22's OneHot writes integer bits into float32 outputs.
    const oneHot = tf.cast(tf.oneHot(tags, numTags), 'float32') as tf.Tensor3D; // [B, T, K]
    // emission of the gold tag at every real token
    const emitted = tf.sum(tf.mul(tf.sum(tf.mul(oneHot, emissions), 2), mask), 1); // [B]
    const first = tf.squeeze(tf.slice(oneHot, [0, 0, 0], [batch, 1, numTags]), [1]); // [B, K]
    const started = tf.sum(tf.mul(first, params.start), 1); // [B]
    // 1 at each sentence's last real token: mask[t] - mask[t + 1]
    const shifted = tf.concat([tf.slice(mask, [0, 1], [batch, steps - 1]), tf.zeros([batch, 1])], 1);
    const isLast = tf.sub(mask, shifted); // [B, T]
    const lastTag = tf.sum(tf.mul(oneHot, tf.expandDims(isLast, 2)), 1); // [B, K]
    const ended = tf.sum(tf.mul(lastTag, params.end), 1); // [B]
    let score = tf.add(tf.add(emitted, started), ended);
    if (steps > 1) {
      const pairs = batch * (steps - 1);
      const from = tf.reshape(tf.slice(oneHot, [0, 0, 0], [batch, steps - 1, numTags]), [pairs, numTags]);
      const to = tf.reshape(tf.slice(oneHot, [0, 1, 0], [batch, steps - 1, numTags]), [pairs, numTags]);
      // row b*(T-1)+t of from x transitions is transitions[y_t, :]; the product with to picks column y_{t+1}
      const stepScores = tf.reshape(tf.sum(tf.mul(tf.matMul(from, params.transitions), to), 1), [batch, steps - 1]);
      const transitioned = tf.sum(tf.mul(stepScores, tf.slice(mask, [0, 1], [batch, steps - 1])), 1); // [B]
      score = tf.add(score, transitioned);
    }
    return score as tf.Tensor1D;
  });
}

/** -log p(y | x) for every sentence: log Z(x) - s(x, y). Returns [B]. */
export function crfNegLogLikelihood(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  mask: tf.Tensor2D,
  params: CrfParams,
): tf.Tensor1D {
  validateCrfInputs(emissions, mask, params.start.shape[0], tags);
  return tf.tidy(() => tf.sub(crfLogPartition(emissions, mask, params), crfPathScore(emissions, tags, mask, params)));
}

/**
 * Scores with forbidden transitions replaced by a large negative constant, so
 * that training too only sees well-formed paths (AllenNLP's CRF with
 * `constraints`). -1e4 rather than -Infinity keeps every sum finite; the
 * replaced entries get no gradient, so they stay as initialised.
 */
export function constrainParams(params: CrfParams, allowed: TransitionMask): CrfParams {
  const FORBIDDEN = -1e4;
  const k = params.start.shape[0];
  if (allowed.start.length !== k || allowed.transitions.length !== k * k) {
    throw new Error(`constrainParams: a mask for ${allowed.start.length} tags does not fit a CRF with ${k} tags`);
  }
  return tf.tidy(() => {
    const pick = (scores: tf.Tensor, ok: boolean[]) => tf.where(tf.tensor(ok, scores.shape, 'bool'), scores, tf.fill(scores.shape, FORBIDDEN));
    return {
      start: pick(params.start, allowed.start) as tf.Tensor1D,
      transitions: pick(params.transitions, allowed.transitions) as tf.Tensor2D,
      end: pick(params.end, allowed.end) as tf.Tensor1D,
    };
  });
}

/** Constructor arguments of the CRF layer (tfjs-layers convention: a typed args object). */
export interface CRFLayerArgs {
  name?: string;
  trainable?: boolean;
  /** Transition scores start uniform in [-r, r]; small, so early training is led by the emissions. */
  initRange?: number;
  seed?: number;
}

/**
 * The CRF as a tf.layers layer, so that its parameters live in the model,
 * train with it and save and load with it (model.json + weights).
 *
 * In the graph it passes emissions through unchanged: the structured loss and
 * the decoding need the whole sequence and the gold tags, so they are methods
 * (`negativeLogLikelihood`, `weightsForDecoding`) rather than the layer's output.
 */
export class CRF extends tf.layers.Layer {
  static readonly className = 'CRF';
  private readonly initRange: number;
  private readonly seed: number | undefined;
  private transitionsVar?: tf.LayerVariable;
  private startVar?: tf.LayerVariable;
  private endVar?: tf.LayerVariable;

  constructor(args: CRFLayerArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    this.initRange = args.initRange ?? 0.1;
    this.seed = args.seed;
    // Masked (padded) input is accepted; the CRF takes its mask explicitly.
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const numTags = shape[shape.length - 1];
    if (shape.length !== 3 || numTags === null || numTags < 2) {
      throw new Error(`CRF: expected input shape [batch, time, numTags] with numTags >= 2, got ${JSON.stringify(shape)}`);
    }
    const init = (offset: number) =>
      tf.initializers.randomUniform({
        minval: -this.initRange,
        maxval: this.initRange,
        seed: this.seed === undefined ? undefined : this.seed + offset,
      });
    this.transitionsVar = this.addWeight('transitions', [numTags, numTags], 'float32', init(0));
    this.startVar = this.addWeight('start_transitions', [numTags], 'float32', init(1));
    this.endVar = this.addWeight('end_transitions', [numTags], 'float32', init(2));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // A new handle, so callers may dispose the layer's output independently of its input.
    return tf.clone(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { initRange: this.initRange };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }

  get numTags(): number {
    return this.requireBuilt().transitions.shape[0] as number;
  }

  private requireBuilt(): { transitions: tf.LayerVariable; start: tf.LayerVariable; end: tf.LayerVariable } {
    if (this.transitionsVar === undefined || this.startVar === undefined || this.endVar === undefined) {
      throw new Error('CRF: the layer is not built yet; apply it to emissions first');
    }
    return { transitions: this.transitionsVar, start: this.startVar, end: this.endVar };
  }

  /** The trainable parameters as tensors (the variables themselves, so gradients reach them). */
  params(): CrfParams {
    const w = this.requireBuilt();
    return {
      start: w.start.read() as tf.Tensor1D,
      transitions: w.transitions.read() as tf.Tensor2D,
      end: w.end.read() as tf.Tensor1D,
    };
  }

  /**
   * Mean negative log-likelihood over the batch: a scalar loss for training.
   * Uses the fused forward-backward kernel where the fast path says so (fast/fastPath.ts, fast/crfFused.ts).
   */
  negativeLogLikelihood(emissions: tf.Tensor3D, tags: tf.Tensor2D, mask: tf.Tensor2D, constraints?: TransitionMask): tf.Scalar {
    validateCrfInputs(emissions, mask, this.numTags, tags);
    const nll = fastPath().crfLoss ? crfNegLogLikelihoodFused : crfNegLogLikelihood;
    return tf.tidy(() => tf.mean(nll(emissions, tags, mask, constraints === undefined ? this.params() : constrainParams(this.params(), constraints))));
  }

  /** weightsForDecoding, read with `await data()` (for backends that cannot read synchronously). */
  async weightsForDecodingAsync(): Promise<CrfWeights> {
    const p = this.params();
    const [start, transitions, end] = await Promise.all([p.start.data(), p.transitions.data(), p.end.data()]);
    return { numTags: p.start.shape[0], start: Float32Array.from(start), transitions: Float32Array.from(transitions), end: Float32Array.from(end) };
  }

  /** Copies the parameters out for Viterbi decoding in plain JavaScript. */
  weightsForDecoding(): CrfWeights {
    const p = this.params();
    return {
      numTags: p.start.shape[0],
      // Copies: some backends hand out their storage, and training goes on after decoding.
      start: Float32Array.from(p.start.dataSync()),
      transitions: Float32Array.from(p.transitions.dataSync()),
      end: Float32Array.from(p.end.dataSync()),
    };
  }
}

tf.serialization.registerClass(CRF);
