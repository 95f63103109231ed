/**
 * The token features (data/tokenFeatures.ts) as a tf.layers layer: input
 * feature row ids [B, T, F] (int32), output [B, T, F * D], each of a token's
 * F features looked up in one embedding table [rows, D] and the F vectors
 * laid side by side. Saved and loaded with the model (the class is
 * registered, as the CRF's is).
 *
 * Not tf.layers.embedding + reshape: an Embedding over [B, T, F] passes on a
 * mask of that rank, which the concatenation with the [B, T] word mask
 * cannot join; this layer gives the [B, T] mask of real tokens (row 0 is
 * padding, and a real token's rows never are).
 */
import * as tf from '@tensorflow/tfjs';

export interface FeatureEmbeddingConfig {
  /** Rows of the table, padding (row 0) included. */
  rows: number;
  /** D: the size of each feature's embedding. */
  dim: number;
  /** F: features per token. */
  count: number;
}

/** Row ids [N, F] -> [N, F * D]: what the layer computes on flattened tokens. */
export function embedFeatures(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor2D {
  const [n, f] = ids.shape;
  // Gather's gradient is UnsortedSegmentSum, registered for wasm (fast/kernels.ts).
  return tf.reshape(tf.gather(table, tf.reshape(ids, [n * f])), [n, f * table.shape[1]]);
}

export class FeatureEmbedding extends tf.layers.Layer {
  static readonly className = 'FeatureEmbedding';
  readonly config: FeatureEmbeddingConfig;
  private table?: tf.LayerVariable;

  constructor(args: FeatureEmbeddingConfig & { name?: string; trainable?: boolean }) {
    super({ name: args.name, trainable: args.trainable });
    this.supportsMasking = true;
    for (const key of ['rows', 'dim', 'count'] as const) {
      if (!Number.isInteger(args[key]) || args[key] < 1) throw new Error(`FeatureEmbedding: ${key} must be a positive integer, got ${args[key]}`);
    }
    this.config = { rows: args.rows, dim: args.dim, count: args.count };
  }

  override build(): void {
    // Initial values are written by the tagger's seeded initialisation; zeros here.
    this.table = this.addWeight('embeddings', [this.config.rows, this.config.dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** Row ids [N, F] -> [N, F * D] with this layer's table (the fused forward pass calls this, as it calls CharEncoder.encodeWords). */
  embedRows(ids: tf.Tensor2D): tf.Tensor2D {
    return embedFeatures(this.table!.read() as tf.Tensor2D, ids);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[1], this.config.count * this.config.dim];
  }

  override computeMask(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const ids = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => tf.any(tf.notEqual(ids, 0), -1));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const ids = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => {
      const [b, t, f] = ids.shape;
      const flat = tf.reshape(tf.cast(ids, 'int32'), [b * t, f]) as tf.Tensor2D;
      return tf.reshape(this.embedRows(flat), [b, t, f * this.config.dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.config };
  }
}

tf.serialization.registerClass(FeatureEmbedding);
