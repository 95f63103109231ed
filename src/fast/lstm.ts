/**
 * A masked bidirectional LSTM over a whole batch with a hand-written gradient
 * (backpropagation through time), for backends that run the project's
 * JavaScript cell kernels (wasm, cpu).
 *
 * Why not tf.layers' LSTM: it issues ~30 small ops per time step forward and
 * ~60 backward, and on wasm their fixed costs dominate. Here a step is one
 * recurrent matMul, one Add, one Sigmoid and one cell kernel;
 * the input projection, the weight gradients and the input gradient are one
 * large matMul each over all steps. The maths is tf.layers.lstm's exactly (same
 * weights, gate order and masking), which test/lstm.test.ts checks against
 * tf.layers itself.
 *
 * The two directions are independent, so with a helper thread (see
 * directionThread.ts) the backward direction runs there while this thread runs
 * the forward one, both in the forward pass and in backpropagation.
 *
 * Layout: time-major 2-D, row t*B + b is token t of sentence b, so a step's
 * rows form one contiguous block.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskDraw } from './dropout';
import type { CharCnnAttrs } from './charKernels';
import { CellAttrs, LSTM_CELL, LSTM_CELL_GRAD, LSTM_CELL_INFERENCE, SPLIT_ROW_BLOCKS, gateScale } from './lstmCell';

/** One direction's weights, as tf.layers.lstm holds them. */
export interface LstmWeights {
  kernel: tf.Tensor2D; // W [D, 4H]
  recurrentKernel: tf.Tensor2D; // U [H, 4H]
  bias: tf.Tensor1D; // b [4H]
}

/** The shape of a batch in time-major layout. */
export interface SequenceShape {
  steps: number; // T
  batch: number; // B
  reverse: boolean;
}

/** What the backward pass of one direction needs, each [T*B, ...] in time order. */
export interface DirectionActivations {
  gates: tf.Tensor2D;
  tanhC: tf.Tensor2D;
  cPrev: tf.Tensor2D;
  hPrev: tf.Tensor2D;
}

/**
 * A direction's state between two slices of one sequence (see
 * fusedForward.ts, slicedEmissions): h and c [B, H] after the slice's last
 * step in the direction's own order.
 */
export interface LstmState {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

export interface DirectionGradients {
  dx: tf.Tensor2D; // [T*B, D]
  dKernel: tf.Tensor2D; // [D, 4H]
  dRecurrentKernel: tf.Tensor2D; // [H, 4H]
  dBias: tf.Tensor1D; // [4H]
}

/** A kernel's outputs as a list (the engine returns a bare tensor when there is one). */
function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: CellAttrs | { parts: number }): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/**
 * One direction's recurrence over x [T*B, D] with mask [T*B]. Steps run
 * t = 0..T-1, or T-1..0 when `reverse`; padded steps carry the state, so a
 * reversed right-padded sentence starts from a zero state at its own last
 * token, as tf.layers' goBackwards does. Returns the outputs [T*B, H] and,
 * with `keep`, what the backward pass needs.
 */
export function directionForward(x: tf.Tensor2D, mask: tf.Tensor1D, w: LstmWeights, shape: SequenceShape, keep: boolean): { outputs: tf.Tensor2D; activations?: DirectionActivations } {
  // The state after the last step is left to the tidy. (Handing it out as well, for the helper
  // thread to dispose, made training about 20% slower: measured, not understood.)
  const { outputs, activations } = directionSteps(x, mask, w, shape, keep, false);
  return { outputs, activations };
}

/**
 * One slice of a long sequence, for tagging (fusedForward.ts,
 * slicedEmissions): the recurrence of directionForward from `initial`, the
 * state after the slice before it in time (or after it, when `reverse`;
 * absent at the sequence's edge: zero). Returns the outputs [T*B, H] and the
 * state after the slice's last step.
 */
export function directionSlice(x: tf.Tensor2D, mask: tf.Tensor1D, w: LstmWeights, shape: SequenceShape, initial?: LstmState): { outputs: tf.Tensor2D; final: LstmState } {
  const { outputs, final } = directionSteps(x, mask, w, shape, false, true, initial);
  return { outputs, final: final! };
}

/** The steps of directionForward and directionSlice; with `carry`, the state after the last step is returned too. */
function directionSteps(
  x: tf.Tensor2D,
  mask: tf.Tensor1D,
  w: LstmWeights,
  shape: SequenceShape,
  keep: boolean,
  carry: boolean,
  initial?: LstmState,
): { outputs: tf.Tensor2D; final?: LstmState; activations?: DirectionActivations } {
  const { steps, batch, reverse } = shape;
  const units = w.recurrentKernel.shape[0];
  return tf.tidy(() => {
    // c-gate columns doubled, so that one Sigmoid per step yields all four gates (see lstmCell.ts).
    const scale = tf.tensor1d(gateScale(units));
    const recurrent = tf.mul(w.recurrentKernel, scale); // [H, 4H]
    const xProj = tf.fused.matMul({ a: x, b: tf.mul(w.kernel, scale), bias: tf.mul(w.bias, scale) }); // [T*B, 4H]
    // T blocks [B, 4H] in one call: wasm's Slice costs grow with its input, so no per-step slicing.
    const xSteps = runKernel(SPLIT_ROW_BLOCKS, { x: xProj }, { parts: steps });
    const zerosState = tf.zeros([batch, units]);
    let h: tf.Tensor = initial?.h ?? zerosState;
    let c: tf.Tensor = initial?.c ?? zerosState;
    const outs: tf.Tensor[] = new Array(steps);
    const gates: tf.Tensor[] = new Array(steps);
    const tanhC: tf.Tensor[] = new Array(steps);
    const cPrev: tf.Tensor[] = new Array(steps);
    const hPrev: tf.Tensor[] = new Array(steps);
    for (let s = 0; s < steps; s++) {
      const t = reverse ? steps - 1 - s : s;
      const attrs = { step: t, batch, units };
      // z = x_t W + b + h_prev U (the first step's h_prev is zero, unless it continues a sequence)
      const activation = () => tf.sigmoid(s === 0 && initial === undefined ? xSteps[t] : tf.add(xSteps[t], tf.matMul(h, recurrent))); // [B, 4H]
      if (!keep) {
        // A step of its own scope: its intermediates die young instead of piling up until the
        // sequence ends (as garbage, they raised the peak memory of a long sequence by ~2.6 KB a step).
        const [hNew, cNew] = tf.tidy(() => runKernel(LSTM_CELL_INFERENCE, { act: activation(), hPrev: h, cPrev: c, mask }, attrs));
        outs[t] = hNew;
        h = hNew;
        c = cNew;
        continue;
      }
      const act = activation();
      const [hNew, cNew, g, tc] = runKernel(LSTM_CELL, { act, hPrev: h, cPrev: c, mask }, attrs);
      outs[t] = hNew;
      gates[t] = g;
      tanhC[t] = tc;
      cPrev[t] = c;
      hPrev[t] = h;
      h = hNew;
      c = cNew;
    }
    const outputs = tf.concat(outs, 0) as tf.Tensor2D;
    if (carry) return { outputs, final: { h: h as tf.Tensor2D, c: c as tf.Tensor2D } };
    if (!keep) return { outputs };
    const stack = (parts: tf.Tensor[]) => tf.concat(parts, 0) as tf.Tensor2D;
    return { outputs, activations: { gates: stack(gates), tanhC: stack(tanhC), cPrev: stack(cPrev), hPrev: stack(hPrev) } };
  });
}

/**
 * directionSlice with tf ops only, for a backend without the
 * project's kernels (the tensorflow backend): one step at a time, with
 * tf.layers.lstm's maths (gates i, f, c, o; a padded step carries the state).
 * Used to read a long sequence in slices (fusedForward.ts, slicedEmissions).
 */
export function directionForwardReference(x: tf.Tensor2D, mask: tf.Tensor1D, w: LstmWeights, shape: SequenceShape, initial?: LstmState): { outputs: tf.Tensor2D; final: LstmState } {
  const { steps, batch, reverse } = shape;
  const units = w.recurrentKernel.shape[0];
  return tf.tidy(() => {
    const xProj = tf.fused.matMul({ a: x, b: w.kernel, bias: w.bias }); // [T*B, 4H]
    let h: tf.Tensor2D = initial?.h ?? tf.zeros([batch, units]);
    let c: tf.Tensor2D = initial?.c ?? tf.zeros([batch, units]);
    const outs: tf.Tensor2D[] = new Array(steps);
    for (let s = 0; s < steps; s++) {
      const t = reverse ? steps - 1 - s : s;
      [h, c] = tf.tidy(() => {
        const z = tf.add(tf.slice(xProj, [t * batch, 0], [batch, 4 * units]), tf.matMul(h, w.recurrentKernel)); // [B, 4H]
        const [zi, zf, zc, zo] = tf.split(z, 4, 1);
        const cNew = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc)));
        const hNew = tf.mul(tf.sigmoid(zo), tf.tanh(cNew));
        const m = tf.reshape(tf.slice(mask, [t * batch], [batch]), [batch, 1]);
        const carry = (fresh: tf.Tensor, old: tf.Tensor) => tf.add(tf.mul(m, fresh), tf.mul(tf.sub(1, m), old)) as tf.Tensor2D;
        return [carry(hNew, h), carry(cNew, c)];
      });
      outs[t] = h;
    }
    return { outputs: tf.concat(outs, 0) as tf.Tensor2D, final: { h, c } };
  });
}

/**
 * Backpropagation through time for one direction: from dY [T*B, H], the
 * gradient of its outputs, to the gradients of its input and weights.
 */
export function directionBackward(
  x: tf.Tensor2D,
  mask: tf.Tensor1D,
  w: LstmWeights,
  a: DirectionActivations,
  dY: tf.Tensor2D,
  shape: SequenceShape,
): DirectionGradients {
  const { steps, batch, reverse } = shape;
  const units = w.recurrentKernel.shape[0];
  return tf.tidy(() => {
    const uT = tf.transpose(w.recurrentKernel); // [4H, H]
    let dhRec: tf.Tensor = tf.zeros([batch, units]);
    let dhCarry: tf.Tensor = dhRec;
    let dc: tf.Tensor = dhRec;
    const dz: tf.Tensor[] = new Array(steps);
    // The steps in the opposite order of the forward pass.
    for (let s = steps - 1; s >= 0; s--) {
      const t = reverse ? steps - 1 - s : s;
      const [dzT, dcPrev, dhCarryPrev] = runKernel(
        LSTM_CELL_GRAD,
        { dY, dhRec, dhCarry, dc, gates: a.gates, tanhC: a.tanhC, cPrev: a.cPrev, mask },
        { step: t, batch, units },
      );
      dz[t] = dzT;
      dhRec = tf.matMul(dzT, uT); // [B, H]
      dhCarry = dhCarryPrev;
      dc = dcPrev;
    }
    const dZ = tf.concat(dz, 0); // [T*B, 4H]
    return {
      dx: tf.matMul(dZ, tf.transpose(w.kernel)) as tf.Tensor2D,
      dKernel: tf.matMul(tf.transpose(x), dZ) as tf.Tensor2D,
      dRecurrentKernel: tf.matMul(tf.transpose(a.hPrev), dZ) as tf.Tensor2D,
      dBias: tf.sum(dZ, 0) as tf.Tensor1D,
    };
  });
}

/**
 * Runs the backward (right-to-left) direction somewhere else, a helper
 * thread, while this thread runs the forward one. Synchronous: `start*`
 * hands the work over, `finish*` waits for the result. With `keep`, the
 * helper keeps the forward pass's activations under the returned handle
 * until `startBackward(handle, ...)`; a model may run several BiLSTMs (words,
 * characters) before backpropagating through them.
 */
export interface DirectionRunner {
  startForward(x: tf.Tensor2D, mask: tf.Tensor1D, weights: LstmWeights, shape: SequenceShape, keep: boolean): number;
  finishForward(): tf.Tensor2D;
  startBackward(handle: number, dY: tf.Tensor2D): void;
  finishBackward(): DirectionGradients;
  /** Starts drawing dropout masks (see dropout.ts); the function returned waits for them. */
  startDropoutMasks?(rate: number, draws: MaskDraw[]): () => Float32Array[];
  /** Starts charCnnForward on these words (see charKernels.ts); the function returned waits for [pooled, argmax]. */
  startCharCnn?(ids: Int32Array, table: Float32Array, bias: Float32Array, attrs: CharCnnAttrs): () => [Float32Array, Int32Array];
}

let helper: (() => DirectionRunner | undefined) | undefined;

/** Installs the source of the helper thread (backend start-up does this); undefined = this thread only. */
export function setDirectionRunner(source: (() => DirectionRunner | undefined) | undefined): void {
  helper = source;
}

/** The helper thread of the active backend, if it has one. */
export function helperThread(): DirectionRunner | undefined {
  return helper?.();
}

const activationList = (a: DirectionActivations) => [a.gates, a.tanhC, a.cPrev, a.hPrev];
const activationsFrom = ([gates, tanhC, cPrev, hPrev]: tf.Tensor[]): DirectionActivations => ({
  gates: gates as tf.Tensor2D,
  tanhC: tanhC as tf.Tensor2D,
  cPrev: cPrev as tf.Tensor2D,
  hPrev: hPrev as tf.Tensor2D,
});

/**
 * Outputs [T*B, 2H] of a bidirectional LSTM over time-major inputs x [T*B, D]
 * with mask [T*B] (1 for tokens): the forward direction's H columns, then the
 * backward direction's, as tf.layers.bidirectional with mergeMode 'concat'.
 * Differentiable with respect to x and all weights when `trainable`.
 */
export function bilstm(
  x: tf.Tensor2D,
  mask: tf.Tensor1D,
  forward: LstmWeights,
  backward: LstmWeights,
  steps: number,
  batch: number,
  trainable: boolean,
): tf.Tensor2D {
  if (x.shape[0] !== steps * batch) throw new Error(`bilstm: expected ${steps * batch} rows of input (T*B), got ${x.shape[0]}`);
  if (mask.shape[0] !== steps * batch) throw new Error(`bilstm: expected a mask of ${steps * batch} (T*B), got ${mask.shape[0]}`);
  const fShape: SequenceShape = { steps, batch, reverse: false };
  const bShape: SequenceShape = { steps, batch, reverse: true };
  const remote = helper?.();
  const units = forward.recurrentKernel.shape[0];

  if (!trainable) {
    return tf.tidy(() => {
      remote?.startForward(x, mask, backward, bShape, false);
      const f = directionForward(x, mask, forward, fShape, false).outputs;
      const b = remote !== undefined ? remote.finishForward() : directionForward(x, mask, backward, bShape, false).outputs;
      return tf.concat([f, b], 1) as tf.Tensor2D;
    });
  }

  const op = tf.customGrad((...args: unknown[]) => {
    const [xIn, Wf, Uf, bf, Wb, Ub, bb] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[7] as (tensors: tf.Tensor[]) => void;
    const fw: LstmWeights = { kernel: Wf, recurrentKernel: Uf, bias: bf };
    const bw: LstmWeights = { kernel: Wb, recurrentKernel: Ub, bias: bb };
    const handle = remote?.startForward(xIn, mask, bw, bShape, true);
    const f = directionForward(xIn, mask, fw, fShape, true);
    const b = remote !== undefined ? { outputs: remote.finishForward() } : directionForward(xIn, mask, bw, bShape, true);
    // Everything the gradient reads is saved: the caller's tidy disposes the rest, mask included.
    // (tfjs keeps saved tensors only while a gradient tape records, and frees them after backprop.)
    save([xIn, mask, Wf, Uf, bf, Wb, Ub, bb, ...activationList(f.activations!), ...(b.activations ? activationList(b.activations) : [])]);
    return {
      value: tf.concat([f.outputs, b.outputs], 1) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xS, maskS, WfS, UfS, bfS, WbS, UbS, bbS] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const [dYf, dYb] = tf.split(dy as tf.Tensor2D, [units, units], 1) as [tf.Tensor2D, tf.Tensor2D];
        if (remote !== undefined) remote.startBackward(handle!, dYb);
        const gf = directionBackward(xS, maskS, { kernel: WfS, recurrentKernel: UfS, bias: bfS }, activationsFrom(saved.slice(8, 12)), dYf, fShape);
        const gb =
          remote !== undefined
            ? remote.finishBackward()
            : directionBackward(xS, maskS, { kernel: WbS, recurrentKernel: UbS, bias: bbS }, activationsFrom(saved.slice(12, 16)), dYb, bShape);
        return [tf.add(gf.dx, gb.dx), gf.dKernel, gf.dRecurrentKernel, gf.dBias, gb.dKernel, gb.dRecurrentKernel, gb.dBias];
      },
    };
  });
  return op(x, forward.kernel, forward.recurrentKernel, forward.bias, backward.kernel, backward.recurrentKernel, backward.bias) as tf.Tensor2D;
}
