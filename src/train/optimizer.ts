/**
 * Adam (Kingma & Ba, 2015) with gradient-norm clipping (Pascanu et al., 2013),
 * as tf.train.adam computes it (epsilon 1e-7, the same bias correction).
 *
 * On wasm with the project's SIMD kernels, a step is one pass over each
 * variable's memory (clip scale, moments, bias correction and update); for a
 * large embedding matrix that beats tf.train.adam's ~14 elementwise ops
 * several times over. Elsewhere tf.train.adam runs. (The same single pass in
 * plain JavaScript was measured slower than tf.train.adam on wasm, 35 against
 * 26 ms on a 23.6k x 100 matrix, so it is registered only with SIMD.)
 */
import * as tf from '@tensorflow/tfjs';
import { fastPath } from '../fast/fastPath';
import { ADAM_STEP, AdamAttrs, MOMENTUM_STEP, MomentumAttrs, SUM_SQUARES } from '../fast/optimizerKernels';

/** Scales gradients so their global L2 norm is at most `maxNorm`, with tensor ops. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], scale);
    return out;
  });
}

/** What the trainer needs of an optimizer. */
export interface TrainingOptimizer {
  /**
   * Clips (if configured) and applies one update; does not dispose `grads`.
   * A variable without a gradient (the loss did not depend on it, e.g. CRF
   * transitions on a batch of one-token sentences) gets a zero gradient: the
   * optimizer still moves it by its momentum, as PyTorch's do, and tfjs'
   * optimizers, which keep their slots by position in the gradient list, stay
   * aligned (given a shorter list they pair slots with the wrong variables).
   */
  step(grads: tf.NamedTensorMap): void;
  /** For learning-rate annealing. */
  setLearningRate(learningRate: number): void;
  /** Everything the optimizer has accumulated (moments, step count), for a checkpoint. */
  getState(): Promise<OptimizerState>;
  /** Restores what `getState` returned, on an optimizer made the same way. */
  setState(state: OptimizerState): Promise<void>;
  dispose(): void;
}

/** An optimizer's accumulated state as named arrays. */
export interface OptimizerState {
  kind: string;
  slots: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }>;
}

/** A tfjs optimizer's slots. Its getWeights makes a fresh step-count scalar (the first entry); the rest are its own variables. */
async function tfOptimizerState(kind: string, optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  const slots = await Promise.all(
    weights.map(async ({ name, tensor }) => ({
      name,
      shape: tensor.shape.slice(),
      dtype: tensor.dtype === 'int32' ? ('int32' as const) : ('float32' as const),
      values: (await tensor.data()) as Float32Array | Int32Array,
    })),
  );
  weights[0]?.tensor.dispose();
  return { kind, slots };
}

async function setTfOptimizerState(kind: string, optimizer: tf.Optimizer, state: OptimizerState): Promise<void> {
  if (state.kind !== kind) throw new Error(`optimizer state is for ${state.kind}, not ${kind}`);
  // setWeights replaces the slot variables without disposing the old ones.
  tf.dispose((await optimizer.getWeights()).map((w) => w.tensor));
  const named = state.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, s.dtype) }));
  await optimizer.setWeights(named);
  // The new slot variables are made from these tensors (sharing their data), so the tensors themselves can go.
  tf.dispose(named.map((n) => n.tensor));
}

/** The factor that clips the gradients' global norm to `clipNorm` (0 = no clipping), by the single-pass kernel. */
function clipScale(grads: tf.NamedTensorMap, clipNorm: number): number {
  if (clipNorm <= 0) return 1;
  let sumSquares = 0;
  for (const g of Object.values(grads)) sumSquares += (tf.engine().runKernel(SUM_SQUARES, { x: g }) as tf.Tensor).dataSync()[0];
  return Math.min(1, clipNorm / (Math.sqrt(sumSquares) + 1e-6));
}

/** `partial` with a zero gradient for every variable it lacks; throws on gradients of unknown variables. */
function completeGradients(partial: tf.NamedTensorMap, variables: tf.Variable[]): tf.NamedTensorMap {
  for (const name of Object.keys(partial)) {
    if (!variables.some((v) => v.name === name)) throw new Error(`optimizer: gradient for unknown variable ${name}`);
  }
  const grads: tf.NamedTensorMap = {};
  for (const v of variables) grads[v.name] = partial[v.name] ?? tf.zerosLike(v);
  return grads;
}

export interface AdamOptions {
  learningRate: number;
  /** 0 = no clipping. */
  clipNorm: number;
  beta1?: number;
  beta2?: number;
}

const EPSILON = 1e-7; // tf.train.adam's default on float32 backends

export class Adam implements TrainingOptimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  /** tf.train.adam, where the single-pass kernel is not available (or `reference` was asked for). */
  private readonly reference?: tf.Optimizer;
  private readonly moments = new Map<string, { m: tf.Tensor; v: tf.Tensor }>();
  private t = 0;

  /** `useReference` forces tf.train.adam even where the single pass is available (tests compare the two). */
  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: AdamOptions,
    useReference = false,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    if (useReference || !fastPath().optimizerStep) {
      this.reference = tf.train.adam(options.learningRate, this.beta1, this.beta2, EPSILON);
    }
  }

  step(partial: tf.NamedTensorMap): void {
    tf.tidy(() => {
      const grads = completeGradients(partial, this.variables);
      if (this.reference !== undefined) {
        this.reference.applyGradients(this.options.clipNorm > 0 ? clipByGlobalNorm(grads, this.options.clipNorm) : grads);
      } else {
        this.fusedStep(grads);
      }
    });
  }

  private fusedStep(grads: tf.NamedTensorMap): void {
    this.t += 1;
    const attrs: AdamAttrs = {
      learningRate: this.options.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: EPSILON,
      correct1: 1 - this.beta1 ** this.t,
      correct2: 1 - this.beta2 ** this.t,
      scale: clipScale(grads, this.options.clipNorm),
    };
    for (const variable of this.variables) {
      let state = this.moments.get(variable.name);
      if (state === undefined) {
        // Kept: the moments outlive this tidy.
        state = { m: tf.keep(tf.zerosLike(variable)), v: tf.keep(tf.zerosLike(variable)) };
        this.moments.set(variable.name, state);
      }
      const value = tf.engine().runKernel(
        ADAM_STEP,
        { value: variable, m: state.m, v: state.v, grad: grads[variable.name] },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
      variable.assign(value);
    }
  }

  setLearningRate(learningRate: number): void {
    this.options.learningRate = learningRate;
    // tf.train.adam keeps its rate in a protected field and has no setter.
    if (this.reference !== undefined) (this.reference as unknown as { learningRate: number }).learningRate = learningRate;
  }

  async getState(): Promise<OptimizerState> {
    if (this.reference !== undefined) return tfOptimizerState('adam (tfjs)', this.reference);
    const slots: OptimizerState['slots'] = [{ name: 'step', shape: [], dtype: 'int32', values: Int32Array.of(this.t) }];
    // By position, as tfjs' optimizers do: variable names get suffixes when a process builds several models.
    for (const [i, variable] of this.variables.entries()) {
      const moments = this.moments.get(variable.name);
      if (moments === undefined) continue;
      for (const [key, tensor] of [['m', moments.m], ['v', moments.v]] as const) {
        slots.push({ name: `${i}/${key}`, shape: tensor.shape.slice(), dtype: 'float32', values: Float32Array.from(await tensor.data()) });
      }
    }
    return { kind: 'adam', slots };
  }

  async setState(state: OptimizerState): Promise<void> {
    if (this.reference !== undefined) return setTfOptimizerState('adam (tfjs)', this.reference, state);
    if (state.kind !== 'adam') throw new Error(`optimizer state is for ${state.kind}, not adam`);
    const byName = new Map(state.slots.map((s) => [s.name, s]));
    this.t = byName.get('step')?.values[0] ?? 0;
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
    for (const [i, variable] of this.variables.entries()) {
      const m = byName.get(`${i}/m`);
      const v = byName.get(`${i}/v`);
      if (m === undefined || v === undefined) continue;
      this.moments.set(variable.name, { m: tf.keep(tf.tensor(m.values, m.shape, 'float32')), v: tf.keep(tf.tensor(v.values, v.shape, 'float32')) });
    }
  }

  dispose(): void {
    this.reference?.dispose();
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}

/**
 * SGD with (heavy-ball) momentum, as tf.train.momentum computes it, with
 * clipping. Where the fast path has the single-pass kernels, a step is one
 * pass for the clipping norm and one for the update of each variable, where
 * tf.train.momentum and clipping take eight, four of them allocating (about
 * 2.7 s of a 28 s CoNLL-2003 epoch, `npm run profile`). Its checkpoint state
 * is tf.train.momentum's (a step count, then one accumulator per variable by
 * position), so a run resumes on either path.
 */
export class MomentumSgd implements TrainingOptimizer {
  /** tf.train.momentum, where the single-pass kernel is not available (or `reference` was asked for). */
  private readonly sgd?: tf.MomentumOptimizer;
  private readonly accumulators = new Map<string, tf.Tensor>();
  private steps = 0;

  /** `useReference` forces tf.train.momentum even where the single pass is available (tests compare the two). */
  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: { learningRate: number; clipNorm: number; momentum: number },
    useReference = false,
  ) {
    if (useReference || !fastPath().optimizerStep) this.sgd = tf.train.momentum(options.learningRate, options.momentum);
  }

  step(partial: tf.NamedTensorMap): void {
    tf.tidy(() => {
      const grads = completeGradients(partial, this.variables);
      if (this.sgd !== undefined) {
        (this.sgd as tf.Optimizer).applyGradients(this.options.clipNorm > 0 ? clipByGlobalNorm(grads, this.options.clipNorm) : grads);
        return;
      }
      this.steps += 1;
      const attrs: MomentumAttrs = { learningRate: this.options.learningRate, momentum: this.options.momentum, scale: clipScale(grads, this.options.clipNorm) };
      for (const variable of this.variables) {
        let acc = this.accumulators.get(variable.name);
        if (acc === undefined) {
          acc = tf.keep(tf.zerosLike(variable)); // outlives this tidy
          this.accumulators.set(variable.name, acc);
        }
        const value = tf.engine().runKernel(MOMENTUM_STEP, { value: variable, acc, grad: grads[variable.name] }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        variable.assign(value);
      }
    });
  }

  setLearningRate(learningRate: number): void {
    this.options.learningRate = learningRate;
    this.sgd?.setLearningRate(learningRate);
  }

  async getState(): Promise<OptimizerState> {
    if (this.sgd !== undefined) return tfOptimizerState('sgd', this.sgd);
    if (this.accumulators.size === 0) return { kind: 'sgd', slots: [{ name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(this.steps) }] };
    const slots: OptimizerState['slots'] = [{ name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(this.steps) }];
    for (const variable of this.variables) {
      const acc = this.accumulators.get(variable.name)!;
      slots.push({ name: `${variable.name}/momentum`, shape: acc.shape.slice(), dtype: 'float32', values: Float32Array.from(await acc.data()) });
    }
    return { kind: 'sgd', slots };
  }

  async setState(state: OptimizerState): Promise<void> {
    if (this.sgd !== undefined) return setTfOptimizerState('sgd', this.sgd, state);
    if (state.kind !== 'sgd') throw new Error(`optimizer state is for ${state.kind}, not sgd`);
    const [iter, ...accumulators] = state.slots;
    // By position, as tf.train.momentum keeps them; the SIMD step trusts the shapes, so they are checked.
    if (accumulators.length !== 0 && accumulators.length !== this.variables.length) throw new Error(`optimizer state has ${accumulators.length} momentum slots for ${this.variables.length} variables`);
    accumulators.forEach((slot, i) => {
      const shape = this.variables[i].shape;
      if (slot.shape.join(',') !== shape.join(',')) throw new Error(`optimizer state: slot ${slot.name} has shape [${slot.shape}], its variable [${shape}]`);
    });
    this.steps = iter?.values[0] ?? 0;
    tf.dispose([...this.accumulators.values()]);
    this.accumulators.clear();
    accumulators.forEach((slot, i) => this.accumulators.set(this.variables[i].name, tf.keep(tf.tensor(slot.values, slot.shape, 'float32'))));
  }

  dispose(): void {
    tf.dispose([...this.accumulators.values()]);
    this.accumulators.clear();
    if (this.sgd === undefined) return;
    this.sgd.dispose();
    // tf.MomentumOptimizer.dispose (tfjs 4.22) forgets the learning-rate scalar its SGD parent keeps.
    (this.sgd as unknown as { c?: tf.Tensor }).c?.dispose();
  }
}

export type OptimizerKind = 'adam' | 'sgd';

export function makeOptimizer(
  kind: OptimizerKind,
  variables: tf.Variable[],
  options: { learningRate: number; clipNorm: number; momentum: number },
): TrainingOptimizer {
  return kind === 'adam' ? new Adam(variables, { learningRate: options.learningRate, clipNorm: options.clipNorm }) : new MomentumSgd(variables, options);
}
