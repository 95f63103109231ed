/**
 * Corrections to tfjs 4.22's gradient registry, for every backend.
 *
 * tfjs hands an op's gradient function a single tensor when the op has one
 * output and an array otherwise (engine.addTapeNode), but the gradients of
 * Unpack (unstack) and SplitV expect an array always. So unstacking an axis of
 * size 1 cannot be differentiated: tf.layers' RNNs fail on a batch whose
 * sentences all have one token ("Argument tensors passed to stack must be a
 * Tensor[]"), and so does any loss that unstacks time steps. These versions
 * accept both forms and compute the same thing.
 */
import * as tf from '@tensorflow/tfjs';

const asList = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(dy) ? dy : [dy]);

export function registerGradientFixes(): void {
  tf.registerGradient({
    kernelName: 'Unpack',
    gradFunc: (dy, _saved, attrs) => ({ value: () => tf.stack(asList(dy), (attrs as { axis: number }).axis) }),
  });
  tf.registerGradient({
    kernelName: 'SplitV',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(asList(dy), (attrs as { axis: number }).axis) }),
  });
}
