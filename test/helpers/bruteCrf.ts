/**
 * Brute-force CRF in float64 JavaScript: enumerate every tag path. Exponential,
 * so only for tiny cases, and obviously correct, so the fast code can be
 * checked against it.
 */
import { makeRng } from '../../src/util/random';

export interface PlainCrf {
  k: number;
  start: number[];
  trans: number[][]; // [from][to]
  end: number[];
}

export function allPaths(length: number, k: number): number[][] {
  let paths: number[][] = [[]];
  for (let t = 0; t < length; t++) {
    const next: number[][] = [];
    for (const p of paths) for (let j = 0; j < k; j++) next.push([...p, j]);
    paths = next;
  }
  return paths;
}

/** s(x, y) for one sentence; emissions[t][j]. */
export function pathScore(emissions: number[][], path: number[], crf: PlainCrf): number {
  let s = crf.start[path[0]] + crf.end[path[path.length - 1]];
  for (let t = 0; t < path.length; t++) s += emissions[t][path[t]];
  for (let t = 1; t < path.length; t++) s += crf.trans[path[t - 1]][path[t]];
  return s;
}

export function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((acc, x) => acc + Math.exp(x - m), 0));
}

export function bruteLogPartition(emissions: number[][], crf: PlainCrf): number {
  return logSumExp(allPaths(emissions.length, crf.k).map((p) => pathScore(emissions, p, crf)));
}

export function bruteNll(emissions: number[][], gold: number[], crf: PlainCrf): number {
  return bruteLogPartition(emissions, crf) - pathScore(emissions, gold, crf);
}

export function bruteBest(emissions: number[][], crf: PlainCrf): { path: number[]; score: number } {
  let best = { path: [] as number[], score: -Infinity };
  for (const p of allPaths(emissions.length, crf.k)) {
    const s = pathScore(emissions, p, crf);
    if (s > best.score) best = { path: p, score: s };
  }
  return best;
}

/** Random values of a magnitude that makes paths differ (no near-ties), from a seed. */
export function randomMatrix(rows: number, cols: number, seed: number, scale = 2): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng() * 2 - 1) * scale));
}

export function randomCrf(k: number, seed: number): PlainCrf {
  const [start, end] = randomMatrix(2, k, seed);
  return { k, start, end, trans: randomMatrix(k, k, seed + 1) };
}
