/**
 * A masked LSTM over a whole batch in one direction, with a hand-written
 * gradient (backpropagation through time), for backends that run the project's
 * JavaScript cell kernels (wasm, cpu).
 *
 * Why not tf.layers' LSTM: it issues ~30 small ops per time step forward and
 * ~60 backward, and on wasm their fixed costs dominate. Here a step is one
 * recurrent matMul plus one cell kernel, and the input projection, the weight
 * gradients and the input gradient are one large matMul each over all steps.
 * The maths is tf.layers.lstm's exactly (same weights, gate order and masking),
 * which test/lstm.test.ts checks against tf.layers itself.
 *
 * Layout: time-major 2-D, row t*B + b is token t of sentence b, so a step's
 * rows form one contiguous block.
 */
import * as tf from '@tensorflow/tfjs';
import { CellAttrs, LSTM_CELL, LSTM_CELL_GRAD, LSTM_PREACTIVATION, gateScale } from './lstmCell';

/** One direction's weights, as tf.layers.lstm holds them. */
export interface LstmWeights {
  kernel: tf.Tensor2D; // W [D, 4H]
  recurrentKernel: tf.Tensor2D; // U [H, 4H]
  bias: tf.Tensor1D; // b [4H]
}

interface ForwardPass {
  /** [T*B, H] outputs in time order. */
  outputs: tf.Tensor2D;
  /** What the backward pass needs, each [T*B, ...] in time order. */
  gates: tf.Tensor2D;
  tanhC: tf.Tensor2D;
  cPrev: tf.Tensor2D;
  hPrev: tf.Tensor2D;
}

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: CellAttrs): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/**
 * The recurrence. Steps run t = 0..T-1, or T-1..0 when `reverse`; padded
 * steps carry the state, so a reversed right-padded sentence starts from a
 * zero state at its own last token, as tf.layers' goBackwards does.
 */
function forwardPass(
  x: tf.Tensor2D,
  mask: tf.Tensor1D,
  w: LstmWeights,
  steps: number,
  batch: number,
  reverse: boolean,
  keepForBackward: boolean,
): ForwardPass {
  const units = w.recurrentKernel.shape[0];
  // c-gate columns doubled, so that one Sigmoid per step yields all four gates (see lstmCell.ts).
  const scale = tf.tensor1d(gateScale(units));
  const recurrent = tf.mul(w.recurrentKernel, scale); // [H, 4H]
  const xProj = tf.fused.matMul({ a: x, b: tf.mul(w.kernel, scale), bias: tf.mul(w.bias, scale) }); // [T*B, 4H]
  const zerosState = tf.zeros([batch, units]);
  let h: tf.Tensor = zerosState;
  let c: tf.Tensor = zerosState;
  const outputs: tf.Tensor[] = new Array(steps);
  const gates: tf.Tensor[] = new Array(steps);
  const tanhC: tf.Tensor[] = new Array(steps);
  const cPrev: tf.Tensor[] = new Array(steps);
  const hPrev: tf.Tensor[] = new Array(steps);
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    const attrs = { step: t, batch, units };
    const hU = s === 0 ? tf.zeros([batch, 4 * units]) : tf.matMul(h, recurrent); // [B, 4H]
    const [z] = runKernel(LSTM_PREACTIVATION, { xProj, hU }, attrs); // [B, 4H]
    const [hNew, cNew, g, tc] = runKernel(LSTM_CELL, { act: tf.sigmoid(z), hPrev: h, cPrev: c, mask }, attrs);
    outputs[t] = hNew;
    gates[t] = g;
    tanhC[t] = tc;
    cPrev[t] = c;
    hPrev[t] = h;
    h = hNew;
    c = cNew;
  }
  const stack = (parts: tf.Tensor[]) => tf.concat(parts, 0) as tf.Tensor2D;
  return {
    outputs: stack(outputs),
    gates: keepForBackward ? stack(gates) : (undefined as unknown as tf.Tensor2D),
    tanhC: keepForBackward ? stack(tanhC) : (undefined as unknown as tf.Tensor2D),
    cPrev: keepForBackward ? stack(cPrev) : (undefined as unknown as tf.Tensor2D),
    hPrev: keepForBackward ? stack(hPrev) : (undefined as unknown as tf.Tensor2D),
  };
}

/**
 * Outputs [T*B, H] of one LSTM direction over time-major inputs x [T*B, D]
 * with mask [T*B] (1 for tokens). Differentiable with respect to x and the
 * weights when `trainable` (the default); inference skips keeping what the
 * backward pass would need.
 */
export function lstmSequence(
  x: tf.Tensor2D,
  mask: tf.Tensor1D,
  weights: LstmWeights,
  steps: number,
  batch: number,
  reverse: boolean,
  trainable = true,
): tf.Tensor2D {
  if (x.shape[0] !== steps * batch) throw new Error(`lstmSequence: expected ${steps * batch} rows of input (T*B), got ${x.shape[0]}`);
  if (mask.shape[0] !== steps * batch) throw new Error(`lstmSequence: expected a mask of ${steps * batch} (T*B), got ${mask.shape[0]}`);
  if (!trainable) return tf.tidy(() => forwardPass(x, mask, weights, steps, batch, reverse, false).outputs);

  const units = weights.recurrentKernel.shape[0];
  const withGradient = tf.customGrad((...args: unknown[]) => {
    const [xIn, W, U, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as (tensors: tf.Tensor[]) => void;
    const pass = forwardPass(xIn, mask, { kernel: W, recurrentKernel: U, bias: b }, steps, batch, reverse, true);
    // Everything the gradient reads must be saved: the caller's tidy disposes the rest, mask included.
    save([xIn, W, U, pass.gates, pass.tanhC, pass.cPrev, pass.hPrev, mask]);
    return {
      value: pass.outputs,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xSaved, WSaved, USaved, gates, tanhC, cPrev, hPrev, maskSaved] = saved;
        const dY = dy as tf.Tensor2D; // [T*B, H]
        const uT = tf.transpose(USaved); // [4H, H]
        let dhRec: tf.Tensor = tf.zeros([batch, units]);
        let dhCarry: tf.Tensor = dhRec;
        let dc: tf.Tensor = dhRec;
        const dz: tf.Tensor[] = new Array(steps);
        // Backpropagation through time: the steps in the opposite order of the forward pass.
        for (let s = steps - 1; s >= 0; s--) {
          const t = reverse ? steps - 1 - s : s;
          const [dzT, dcPrev, dhCarryPrev] = runKernel(
            LSTM_CELL_GRAD,
            { dY, dhRec, dhCarry, dc, gates, tanhC, cPrev, mask: maskSaved },
            { step: t, batch, units },
          );
          dz[t] = dzT;
          dhRec = tf.matMul(dzT, uT); // [B, H]
          dhCarry = dhCarryPrev;
          dc = dcPrev;
        }
        const dZ = tf.concat(dz, 0); // [T*B, 4H]
        return [
          tf.matMul(dZ, tf.transpose(WSaved)), // dx [T*B, D]
          tf.matMul(tf.transpose(xSaved), dZ), // dW [D, 4H]
          tf.matMul(tf.transpose(hPrev), dZ), // dU [H, 4H]
          tf.sum(dZ, 0), // db [4H]
        ];
      },
    };
  });
  return withGradient(x, weights.kernel, weights.recurrentKernel, weights.bias) as tf.Tensor2D;
}
