/**
 * An exponential moving average of the weights (Polyak & Juditsky, 1992;
 * as TensorFlow's ExponentialMovingAverage): after every step,
 *
 *   average <- d_t * average + (1 - d_t) * weight,   d_t = min(decay, (1 + t) / (10 + t))
 *
 * where t counts the updates, so that early averages are not dominated by
 * the random initial weights. Evaluating and keeping the average instead of
 * the last step's weights smooths out the noise of SGD at the end of training.
 */
import * as tf from '@tensorflow/tfjs';
import { OptionError, UsageError } from '../errors';
import type { OptimizerState } from './optimizer';

/** Prefix of the average's slots when they travel with the optimizer's in a checkpoint. */
export const AVERAGE_SLOT_PREFIX = 'average/';

export function averageDecay(decay: number, updates: number): number {
  return Math.min(decay, (1 + updates) / (10 + updates));
}

export class WeightAverage {
  private readonly averages: tf.Variable[];
  private updates = 0;

  constructor(
    private readonly variables: readonly tf.Variable[],
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new OptionError('averageDecay', 'must be in (0, 1)', decay);
    this.averages = variables.map((v) => tf.variable(v.clone(), false));
  }

  /** Moves the averages towards the current weights; call after every optimizer step. */
  update(): void {
    const d = averageDecay(this.decay, this.updates);
    tf.tidy(() => {
      this.variables.forEach((v, i) => this.averages[i].assign(tf.add(tf.mul(this.averages[i], d), tf.mul(v, 1 - d))));
    });
    this.updates++;
  }

  /** Exchanges the weights and their averages; calling it twice restores both. */
  swap(): void {
    this.variables.forEach((v, i) => {
      const weight = v.clone();
      v.assign(this.averages[i]);
      this.averages[i].assign(weight);
      weight.dispose();
    });
  }

  /** Runs `fn` with the averages in place of the weights. */
  async withAverages<T>(fn: () => T | Promise<T>): Promise<T> {
    this.swap();
    try {
      return await fn();
    } finally {
      this.swap();
    }
  }

  /** The averages and the update count, as optimizer-style slots for a checkpoint. */
  async slots(): Promise<OptimizerState['slots']> {
    const averages = await Promise.all(
      this.averages.map(async (a, i) => ({ name: `${AVERAGE_SLOT_PREFIX}${i}`, shape: a.shape, dtype: 'float32' as const, values: (await a.data()) as Float32Array })),
    );
    return [{ name: `${AVERAGE_SLOT_PREFIX}updates`, shape: [], dtype: 'int32', values: Int32Array.of(this.updates) }, ...averages];
  }

  /** Restores what `slots` returned (the slots of other names are ignored). */
  restore(slots: OptimizerState['slots']): void {
    const mine = slots.filter((s) => s.name.startsWith(AVERAGE_SLOT_PREFIX));
    if (mine.length !== this.averages.length + 1) {
      throw new UsageError(`the checkpoint holds ${Math.max(0, mine.length - 1)} weight averages, the model has ${this.averages.length} weights`);
    }
    this.updates = mine[0].values[0];
    mine.slice(1).forEach((s, i) => tf.tidy(() => this.averages[i].assign(tf.tensor(s.values, s.shape, 'float32'))));
  }

  dispose(): void {
    this.averages.forEach((a) => a.dispose());
  }
}
