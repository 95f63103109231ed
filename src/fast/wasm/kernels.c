/*
 * SIMD kernels for the wasm backend, compiled to WebAssembly (see
 * scripts/build-wasm.sh) and run on tfjs's own wasm memory: every pointer is
 * a tensor's offset in that memory, so nothing is copied.
 *
 * Each function computes exactly what its JavaScript twin in src/ computes
 * (lstmCell.ts, crf-free; optimizer.ts), four lanes at a time; the tests run
 * both and compare. No libc: only arithmetic, and an exp for float32.
 */
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(name) __attribute__((export_name(#name)))

/* exp(x) for float32, four lanes: Cephes expf (range reduction by ln 2, degree-5
 * polynomial, 2^n through the exponent bits); relative error about 1e-7. */
static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(5.0000001201e-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, wasm_f32x4_mul(x, x)), x), wasm_f32x4_splat(1.0f));
  v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, pow2n);
}

/* tanh(x) = 2 / (1 + exp(-2x)) - 1, as in lstmCell.ts */
static inline v128_t tanh4(v128_t x) {
  v128_t e = exp4(wasm_f32x4_mul(x, wasm_f32x4_splat(-2.0f)));
  return wasm_f32x4_sub(wasm_f32x4_div(wasm_f32x4_splat(2.0f), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e)), wasm_f32x4_splat(1.0f));
}

static inline f32 tanh1(f32 x) {
  return wasm_f32x4_extract_lane(tanh4(wasm_f32x4_splat(x)), 0);
}

#define LOAD(p) wasm_v128_load(p)
#define STORE(p, v) wasm_v128_store(p, v)
#define SPLAT(x) wasm_f32x4_splat(x)
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul

/*
 * Forward step of lstmCell.ts' lstmCellForward. act [B, 4H] (sigmoid of the
 * scaled pre-activations), hPrev, cPrev [B, H], mask: the step's B values.
 * Writes h, c [B, H]; gates [B, 4H] and tanhC [B, H] unless they are 0.
 */
EXPORT(lstm_cell_forward)
void lstm_cell_forward(const f32 *act, const f32 *hPrev, const f32 *cPrev, const f32 *mask, int B, int H,
                       f32 *h, f32 *c, f32 *gates, f32 *tanhC) {
  const int G = 4 * H;
  for (int b = 0; b < B; b++) {
    const f32 m = mask[b], keep = 1.0f - m;
    const f32 *ai = act + b * G, *af = ai + H, *ag = ai + 2 * H, *ao = ai + 3 * H;
    const int s = b * H;
    int j = 0;
    for (; j + 4 <= H; j += 4) {
      v128_t i = LOAD(ai + j), f = LOAD(af + j), o = LOAD(ao + j);
      v128_t g = SUB(MUL(SPLAT(2.0f), LOAD(ag + j)), SPLAT(1.0f));
      v128_t cp = LOAD(cPrev + s + j);
      v128_t cNew = ADD(MUL(f, cp), MUL(i, g));
      v128_t tc = tanh4(cNew);
      if (gates) {
        f32 *gi = gates + b * G;
        STORE(gi + j, i);
        STORE(gi + H + j, f);
        STORE(gi + 2 * H + j, g);
        STORE(gi + 3 * H + j, o);
        STORE(tanhC + s + j, tc);
      }
      STORE(c + s + j, ADD(MUL(SPLAT(m), cNew), MUL(SPLAT(keep), cp)));
      STORE(h + s + j, ADD(MUL(SPLAT(m), MUL(o, tc)), MUL(SPLAT(keep), LOAD(hPrev + s + j))));
    }
    for (; j < H; j++) {
      f32 i = ai[j], f = af[j], g = 2.0f * ag[j] - 1.0f, o = ao[j];
      f32 cp = cPrev[s + j];
      f32 cNew = f * cp + i * g;
      f32 tc = tanh1(cNew);
      if (gates) {
        f32 *gi = gates + b * G;
        gi[j] = i;
        gi[H + j] = f;
        gi[2 * H + j] = g;
        gi[3 * H + j] = o;
        tanhC[s + j] = tc;
      }
      c[s + j] = m * cNew + keep * cp;
      h[s + j] = m * o * tc + keep * hPrev[s + j];
    }
  }
}

/*
 * Backward step of lstmCell.ts' lstmCellBackward. dY, gates, tanhC, cPrev and
 * mask point at this step's block; dhRec, dhCarry, dc are [B, H].
 * Writes dz [B, 4H], dcPrev, dhCarryPrev [B, H].
 */
EXPORT(lstm_cell_backward)
void lstm_cell_backward(const f32 *dY, const f32 *dhRec, const f32 *dhCarry, const f32 *dc, const f32 *gates,
                        const f32 *tanhC, const f32 *cPrev, const f32 *mask, int B, int H,
                        f32 *dz, f32 *dcPrev, f32 *dhCarryPrev) {
  const int G = 4 * H;
  const v128_t one = SPLAT(1.0f);
  for (int b = 0; b < B; b++) {
    const f32 m = mask[b], keep = 1.0f - m;
    const v128_t mv = SPLAT(m), kv = SPLAT(keep);
    const f32 *gi = gates + b * G;
    f32 *dzi = dz + b * G;
    const int s = b * H;
    int j = 0;
    for (; j + 4 <= H; j += 4) {
      v128_t dh = ADD(ADD(LOAD(dY + s + j), LOAD(dhRec + s + j)), LOAD(dhCarry + s + j));
      v128_t i = LOAD(gi + j), f = LOAD(gi + H + j), g = LOAD(gi + 2 * H + j), o = LOAD(gi + 3 * H + j);
      v128_t tc = LOAD(tanhC + s + j), dcIn = LOAD(dc + s + j);
      v128_t dhNew = MUL(mv, dh);
      v128_t dcNew = ADD(MUL(mv, dcIn), MUL(MUL(dhNew, o), SUB(one, MUL(tc, tc))));
      STORE(dzi + j, MUL(MUL(MUL(dcNew, g), i), SUB(one, i)));
      STORE(dzi + H + j, MUL(MUL(MUL(dcNew, LOAD(cPrev + s + j)), f), SUB(one, f)));
      STORE(dzi + 2 * H + j, MUL(MUL(dcNew, i), SUB(one, MUL(g, g))));
      STORE(dzi + 3 * H + j, MUL(MUL(MUL(dhNew, tc), o), SUB(one, o)));
      STORE(dcPrev + s + j, ADD(MUL(dcNew, f), MUL(kv, dcIn)));
      STORE(dhCarryPrev + s + j, MUL(kv, dh));
    }
    for (; j < H; j++) {
      f32 dh = dY[s + j] + dhRec[s + j] + dhCarry[s + j];
      f32 i = gi[j], f = gi[H + j], g = gi[2 * H + j], o = gi[3 * H + j];
      f32 tc = tanhC[s + j], dcIn = dc[s + j];
      f32 dhNew = m * dh;
      f32 dcNew = m * dcIn + dhNew * o * (1.0f - tc * tc);
      dzi[j] = dcNew * g * i * (1.0f - i);
      dzi[H + j] = dcNew * cPrev[s + j] * f * (1.0f - f);
      dzi[2 * H + j] = dcNew * i * (1.0f - g * g);
      dzi[3 * H + j] = dhNew * tc * o * (1.0f - o);
      dcPrev[s + j] = dcNew * f + keep * dcIn;
      dhCarryPrev[s + j] = keep * dh;
    }
  }
}

/* Sum of squares of n floats, accumulated in float64 (for the clipping norm). */
EXPORT(sum_squares)
double sum_squares(const f32 *x, int n) {
  v128_t acc0 = wasm_f64x2_splat(0.0), acc1 = wasm_f64x2_splat(0.0);
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t v = LOAD(x + k);
    v128_t sq = MUL(v, v);
    acc0 = wasm_f64x2_add(acc0, wasm_f64x2_promote_low_f32x4(sq));
    acc1 = wasm_f64x2_add(acc1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(sq, sq, 2, 3, 0, 1)));
  }
  double sum = wasm_f64x2_extract_lane(acc0, 0) + wasm_f64x2_extract_lane(acc0, 1) + wasm_f64x2_extract_lane(acc1, 0) +
               wasm_f64x2_extract_lane(acc1, 1);
  for (; k < n; k++) sum += (double)x[k] * x[k];
  return sum;
}

/*
 * One step of SGD with heavy-ball momentum over n floats, as
 * tf.train.momentum computes it: acc = momentum * acc + scale * grad (acc in
 * place, it belongs to the optimizer alone), out = value - lr * acc (the old
 * value may be shared by a snapshot, so it is not overwritten).
 */
EXPORT(momentum_step)
void momentum_step(const f32 *value, f32 *acc, const f32 *grad, int n, f32 lr, f32 momentum, f32 scale, f32 *out) {
  const v128_t mo = SPLAT(momentum), rate = SPLAT(lr), sc = SPLAT(scale);
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t a = ADD(MUL(mo, LOAD(acc + k)), MUL(sc, LOAD(grad + k)));
    STORE(acc + k, a);
    STORE(out + k, SUB(LOAD(value + k), MUL(rate, a)));
  }
  for (; k < n; k++) {
    f32 a = momentum * acc[k] + scale * grad[k];
    acc[k] = a;
    out[k] = value[k] - lr * a;
  }
}

/*
 * One Adam update over n floats, as tf.train.adam computes it: the gradient
 * scaled by `scale` (clipping), moments m and v updated in place (they belong
 * to the optimizer alone), the new value written to `out` (the variable's old
 * value may be shared by a snapshot, so it is not overwritten).
 */
EXPORT(adam_step)
void adam_step(const f32 *value, f32 *m, f32 *v, const f32 *grad, int n, f32 lr, f32 beta1, f32 beta2,
               f32 epsilon, f32 correct1, f32 correct2, f32 scale, f32 *out) {
  const v128_t b1 = SPLAT(beta1), b2 = SPLAT(beta2), k1 = SPLAT(1.0f - beta1), k2 = SPLAT(1.0f - beta2);
  const v128_t c1 = SPLAT(correct1), c2 = SPLAT(correct2), eps = SPLAT(epsilon), rate = SPLAT(lr), sc = SPLAT(scale);
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t g = MUL(LOAD(grad + k), sc);
    v128_t mi = ADD(MUL(b1, LOAD(m + k)), MUL(k1, g));
    v128_t vi = ADD(MUL(b2, LOAD(v + k)), MUL(k2, MUL(g, g)));
    STORE(m + k, mi);
    STORE(v + k, vi);
    v128_t step = wasm_f32x4_div(MUL(rate, wasm_f32x4_div(mi, c1)), ADD(wasm_f32x4_sqrt(wasm_f32x4_div(vi, c2)), eps));
    STORE(out + k, SUB(LOAD(value + k), step));
  }
  for (; k < n; k++) {
    f32 g = grad[k] * scale;
    f32 mi = beta1 * m[k] + (1.0f - beta1) * g;
    f32 vi = beta2 * v[k] + (1.0f - beta2) * g * g;
    m[k] = mi;
    v[k] = vi;
    out[k] = value[k] - lr * (mi / correct1) / (__builtin_sqrtf(vi / correct2) + epsilon);
  }
}
