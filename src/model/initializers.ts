/**
 * Seeded weight initialisation in plain JavaScript.
 *
 * Why not tfjs initializers with seeds: Bidirectional builds its backward LSTM
 * from the forward one's config, so a seeded initializer would start both
 * directions with identical weights; and tfjs's Orthogonal initializer warns
 * and is slow above 2000 elements. Writing the values once, from one seed,
 * makes a run repeatable on every backend.
 */
import { Rng } from '../util/random';

/** Standard normal draws by the Box-Muller transform. */
export function normal(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng(); // (0, 1], so log(u) is finite
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function uniform(rng: Rng, n: number, limit: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng() * 2 - 1) * limit;
  return out;
}

/** Glorot & Bengio (2010): U(±sqrt(6 / (fanIn + fanOut))) for a [fanIn, fanOut] matrix. */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  return uniform(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * A random orthogonal [n, n] matrix (Saxe et al., 2014), row-major: Gram-Schmidt
 * on Gaussian rows. Keeps recurrent gradients from exploding or vanishing early.
 */
export function orthogonal(rng: Rng, n: number): Float64Array {
  const m = normal(rng, n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += m[row + c] * m[j * n + c];
      for (let c = 0; c < n; c++) m[row + c] -= dot * m[j * n + c];
    }
    let norm = 0;
    for (let c = 0; c < n; c++) norm += m[row + c] * m[row + c];
    norm = Math.sqrt(norm);
    for (let c = 0; c < n; c++) m[row + c] /= norm;
  }
  return m;
}

/**
 * An LSTM recurrent kernel [units, 4 * units] made of four orthogonal
 * [units, units] blocks side by side, one per gate.
 */
export function lstmRecurrentKernel(rng: Rng, units: number): Float32Array {
  const out = new Float32Array(units * 4 * units);
  for (let gate = 0; gate < 4; gate++) {
    const block = orthogonal(rng, units);
    for (let r = 0; r < units; r++) {
      for (let c = 0; c < units; c++) out[r * 4 * units + gate * units + c] = block[r * units + c];
    }
  }
  return out;
}

/**
 * LSTM bias [4 * units], zero except the forget gate at 1 (Jozefowicz et al., 2015),
 * so that memory is kept by default early in training. tfjs orders gates i, f, c, o.
 */
export function lstmBias(units: number): Float32Array {
  const out = new Float32Array(4 * units);
  out.fill(1, units, 2 * units);
  return out;
}
