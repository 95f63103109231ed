/**
 * One time step of a masked LSTM for a whole batch, forward and backward, as
 * plain loops over typed arrays. These run as two kernels (NerLstmCell and
 * NerLstmCellGrad) so that a step costs one kernel call instead of the ~30
 * small ops tf.layers' LSTMCell issues (and ~60 more for its gradient).
 *
 * Gates follow Keras/tfjs order (i, f, c, o) in blocks of H columns, so the
 * weights are exactly those of tf.layers.lstm:
 *
 *   z  = x W + b + h_prev U                       [B, 4H] (input part precomputed for all steps)
 *   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_c)  o = sigmoid(z_o)
 *   c~ = f * c_prev + i * g                        h~ = o * tanh(c~)
 *   c  = m c~ + (1 - m) c_prev                     h  = m h~ + (1 - m) h_prev
 *
 * m is the token's mask: a padded step carries the state over unchanged, which
 * is what tf.layers does with a mask (its output there is the carried state).
 *
 * The gate activations are not computed here: exp in JavaScript costs ~15 ns,
 * the backend's vectorised Sigmoid ~1 ns. The caller scales the c-gate columns
 * of W, U and b by 2 and applies one Sigmoid to the whole [B, 4H] block, so
 * that block holds sigmoid(z_i), sigmoid(z_f), sigmoid(2 z_c), sigmoid(z_o);
 * tanh(z_c) = 2 sigmoid(2 z_c) - 1.
 */
import type { JsKernelSpec, OutputSpec, TypedArray } from './jsKernels';
import type * as tf from '@tensorflow/tfjs';

/** tanh through one exp: 2 sigmoid(2x) - 1; saturates cleanly at +-1. */
function tanh(x: number): number {
  return 2 / (1 + Math.exp(-2 * x)) - 1;
}

export interface CellAttrs {
  /** Row block of the full-sequence inputs (xProj, mask, dY) this step reads. */
  step: number;
  batch: number;
  units: number;
}

/** Copies the T row blocks of x [T*B, C] into T outputs [B, C]: per-step input projections without T slices. */
export function splitRowBlocks(x: TypedArray, outputs: Array<Float32Array | Int32Array>): void {
  let offset = 0;
  for (const out of outputs) {
    out.set(x.subarray(offset, offset + out.length));
    offset += out.length;
  }
}

/** The factor per gate column that lets one Sigmoid serve all four gates (c-gate columns x2). */
export function gateScale(units: number): Float32Array {
  const scale = new Float32Array(4 * units).fill(1);
  scale.fill(2, 2 * units, 3 * units);
  return scale;
}

/**
 * Forward step. act [B, 4H] = sigmoid of the scaled pre-activations; mask [T*B] is read at block `step`.
 * Writes h, c [B, H]; and, for backpropagation, gates [B, 4H] (i, f, g, o with
 * g = tanh(z_c)) and tanhC [B, H] = tanh(c~) when those arrays are given.
 */
export function lstmCellForward(
  act: TypedArray,
  hPrev: TypedArray,
  cPrev: TypedArray,
  mask: TypedArray,
  attrs: CellAttrs,
  out: { h: Float32Array; c: Float32Array; gates?: Float32Array; tanhC?: Float32Array },
): void {
  if (out.gates === undefined || out.tanhC === undefined) {
    lstmCellInference(act, hPrev, cPrev, mask, attrs, out);
    return;
  }
  const { step, batch: B, units: H } = attrs;
  const G = 4 * H;
  // Locals, not `out.x[...]`: V8 reloads object properties inside hot loops.
  const { h, c, gates, tanhC } = out;
  for (let b = 0; b < B; b++) {
    const m = mask[step * B + b];
    const keep = 1 - m;
    const iRow = b * G;
    const fRow = iRow + H;
    const gRow = iRow + 2 * H;
    const oRow = iRow + 3 * H;
    const sRow = b * H;
    for (let j = 0; j < H; j++) {
      const i = act[iRow + j];
      const f = act[fRow + j];
      const g = 2 * act[gRow + j] - 1;
      const o = act[oRow + j];
      const s = sRow + j;
      const cp = cPrev[s];
      const cNew = f * cp + i * g;
      const tc = tanh(cNew);
      gates[iRow + j] = i;
      gates[fRow + j] = f;
      gates[gRow + j] = g;
      gates[oRow + j] = o;
      tanhC[s] = tc;
      c[s] = m * cNew + keep * cp;
      h[s] = m * o * tc + keep * hPrev[s];
    }
  }
}

/** lstmCellForward without the arrays only backpropagation reads: fewer writes when tagging. */
function lstmCellInference(
  act: TypedArray,
  hPrev: TypedArray,
  cPrev: TypedArray,
  mask: TypedArray,
  { step, batch: B, units: H }: CellAttrs,
  { h, c }: { h: Float32Array; c: Float32Array },
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const m = mask[step * B + b];
    const keep = 1 - m;
    const iRow = b * G;
    const sRow = b * H;
    for (let j = 0; j < H; j++) {
      const s = sRow + j;
      const cp = cPrev[s];
      const cNew = act[iRow + H + j] * cp + act[iRow + j] * (2 * act[iRow + 2 * H + j] - 1);
      c[s] = m * cNew + keep * cp;
      h[s] = m * act[iRow + 3 * H + j] * tanh(cNew) + keep * hPrev[s];
    }
  }
}

/**
 * Backward step: given dL/dh and dL/dc of this step's outputs, the gradient
 * of its pre-activations z and of the carried-in state.
 *   dh = dY[step] + dhRec + dhCarry   (output grad, + from the next step through U, + through the mask carry)
 * dY, gates, tanhC and cPrev are the whole sequence's ([T*B, ...], time-major);
 * block `step` is read, so no per-step slicing is needed.
 * Writes dz [B, 4H], dcPrev [B, H], dhCarryPrev [B, H] = (1 - m) dh.
 * (dh_prev = dz U^T + dhCarryPrev; the matMul is done by the caller.)
 */
export function lstmCellBackward(
  dY: TypedArray,
  dhRec: TypedArray,
  dhCarry: TypedArray,
  dc: TypedArray,
  gates: TypedArray,
  tanhC: TypedArray,
  cPrev: TypedArray,
  mask: TypedArray,
  attrs: CellAttrs,
  out: { dz: Float32Array; dcPrev: Float32Array; dhCarryPrev: Float32Array },
): void {
  const { step, batch: B, units: H } = attrs;
  const G = 4 * H;
  const sBase = step * B * H; // block `step` of [T*B, H] arrays
  const gBase = step * B * G; // block `step` of [T*B, 4H] arrays
  const { dz, dcPrev, dhCarryPrev } = out;
  for (let b = 0; b < B; b++) {
    const m = mask[step * B + b];
    const keep = 1 - m;
    const row = b * G; // row of dz [B, 4H]
    const savedRow = gBase + row; // row of gates [T*B, 4H]
    const sRow = b * H;
    for (let j = 0; j < H; j++) {
      const s = sRow + j;
      const ss = sBase + s;
      const dh = dY[ss] + dhRec[s] + dhCarry[s];
      const i = gates[savedRow + j];
      const f = gates[savedRow + H + j];
      const g = gates[savedRow + 2 * H + j];
      const o = gates[savedRow + 3 * H + j];
      const tc = tanhC[ss];
      const dcIn = dc[s];
      const dhNew = m * dh;
      // dL/dc~: from this step's h~ = o tanh(c~), and from the next step's c (masked part).
      const dcNew = m * dcIn + dhNew * o * (1 - tc * tc);
      dz[row + j] = dcNew * g * i * (1 - i);
      dz[row + H + j] = dcNew * cPrev[ss] * f * (1 - f);
      dz[row + 2 * H + j] = dcNew * i * (1 - g * g);
      dz[row + 3 * H + j] = dhNew * tc * o * (1 - o);
      dcPrev[s] = dcNew * f + keep * dcIn;
      dhCarryPrev[s] = keep * dh;
    }
  }
}

export const SPLIT_ROW_BLOCKS = 'NerSplitRowBlocks';
export const LSTM_CELL = 'NerLstmCell';
export const LSTM_CELL_INFERENCE = 'NerLstmCellInference';
export const LSTM_CELL_GRAD = 'NerLstmCellGrad';

const f32 = (shape: number[]): OutputSpec => ({ shape, dtype: 'float32' });

/** Input x [T*B, C]; outputs T tensors [B, C]. */
export const splitRowBlocksKernel: JsKernelSpec<{ parts: number }> = {
  kernelName: SPLIT_ROW_BLOCKS,
  outputs: ({ x }, { parts }) => {
    const [rows, columns] = x.shape;
    if (rows % parts !== 0) throw new Error(`${SPLIT_ROW_BLOCKS}: ${rows} rows do not split into ${parts} equal blocks`);
    return Array.from({ length: parts }, () => f32([rows / parts, columns]));
  },
  compute: (x, outputs) => splitRowBlocks(x.x, outputs),
};

/** Inputs: act, hPrev, cPrev, mask. Outputs: h, c. */
export const lstmCellInferenceKernel: JsKernelSpec<CellAttrs> = {
  kernelName: LSTM_CELL_INFERENCE,
  outputs: (_inputs: Record<string, tf.TensorInfo>, { batch: B, units: H }) => [f32([B, H]), f32([B, H])],
  compute: (x, [h, c], attrs) => lstmCellForward(x.act, x.hPrev, x.cPrev, x.mask, attrs, { h: h as Float32Array, c: c as Float32Array }),
  simd: (k, x, [h, c], { step, batch: B, units: H }) =>
    k.lstm_cell_forward(x.act.ptr, x.hPrev.ptr, x.cPrev.ptr, x.mask.ptr + 4 * step * B, B, H, h.ptr, c.ptr, 0, 0),
};

/** Inputs: act, hPrev, cPrev, mask. Outputs: h, c, gates, tanhC. */
export const lstmCellKernel: JsKernelSpec<CellAttrs> = {
  kernelName: LSTM_CELL,
  outputs: (_inputs: Record<string, tf.TensorInfo>, { batch: B, units: H }) => [f32([B, H]), f32([B, H]), f32([B, 4 * H]), f32([B, H])],
  compute: (x, [h, c, gates, tanhC], attrs) =>
    lstmCellForward(x.act, x.hPrev, x.cPrev, x.mask, attrs, {
      h: h as Float32Array,
      c: c as Float32Array,
      gates: gates as Float32Array,
      tanhC: tanhC as Float32Array,
    }),
  simd: (k, x, [h, c, gates, tanhC], { step, batch: B, units: H }) =>
    k.lstm_cell_forward(x.act.ptr, x.hPrev.ptr, x.cPrev.ptr, x.mask.ptr + 4 * step * B, B, H, h.ptr, c.ptr, gates.ptr, tanhC.ptr),
};

/** Inputs: dY, dhRec, dhCarry, dc, gates, tanhC, cPrev, mask. Outputs: dz, dcPrev, dhCarryPrev. */
export const lstmCellGradKernel: JsKernelSpec<CellAttrs> = {
  kernelName: LSTM_CELL_GRAD,
  outputs: (_inputs: Record<string, tf.TensorInfo>, { batch: B, units: H }) => [f32([B, 4 * H]), f32([B, H]), f32([B, H])],
  compute: (x, [dz, dcPrev, dhCarryPrev], attrs) =>
    lstmCellBackward(x.dY, x.dhRec, x.dhCarry, x.dc, x.gates, x.tanhC, x.cPrev, x.mask, attrs, {
      dz: dz as Float32Array,
      dcPrev: dcPrev as Float32Array,
      dhCarryPrev: dhCarryPrev as Float32Array,
    }),
  // Byte offsets of block `step`: [T*B, H] arrays advance 4BH bytes per step, [T*B, 4H] ones 16BH.
  simd: (k, x, [dz, dcPrev, dhCarryPrev], { step, batch: B, units: H }) =>
    k.lstm_cell_backward(
      x.dY.ptr + 4 * step * B * H,
      x.dhRec.ptr,
      x.dhCarry.ptr,
      x.dc.ptr,
      x.gates.ptr + 16 * step * B * H,
      x.tanhC.ptr + 4 * step * B * H,
      x.cPrev.ptr + 4 * step * B * H,
      x.mask.ptr + 4 * step * B,
      B,
      H,
      dz.ptr,
      dcPrev.ptr,
      dhCarryPrev.ptr,
    ),
};
