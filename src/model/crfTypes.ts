/**
 * The plain-array shapes the CRF layer (model/crf.ts) and the decoders
 * (decode/) hand each other: the CRF's weights, read off the tensor graph for
 * decoding, and the mask of transitions a tag scheme allows
 * (decode/constraints.ts), applied to the weights in training and decoding.
 * Types only, in a module of their own, so that neither model/crf.ts nor
 * decode/constraints.ts needs the other for them.
 */

/** The CRF's weights as plain arrays, for decoding off the tensor graph. */
export interface CrfWeights {
  numTags: number;
  start: Float32Array; // [K]
  transitions: Float32Array; // [K * K], row = from, column = to
  end: Float32Array; // [K]
}

/** Allowed transitions over K tags: `start[j]`, `transitions[i * K + j]` (from i to j), `end[i]`. */
export interface TransitionMask {
  start: boolean[];
  transitions: boolean[];
  end: boolean[];
}
