/**
 * Where the time of training goes: trains with `ner train`'s defaults (or
 * the training options given, by their `ner train` flags) on --data for
 * --epochs, scoring --dev after each, and prints a table of wall time by part
 * of the network (forward and backward kernels), the optimizer, dev scoring
 * and the JavaScript around the kernels, then one JSON line of the same.
 *
 *   npm run profile -- --data train.txt --dev valid.txt [--epochs 1] [--threads N] [--backend B]
 *                      [--max-sentences N] [--<ner train option> VALUE ...]
 *
 * How: every kernel the engine runs is timed (its own time, less the kernels
 * it runs itself) and charged to the part marked running (util/parts.ts); a
 * kernel recorded for the gradient carries its part into the backward pass,
 * so a gradient kernel is charged to the part whose forward kernel it
 * differentiates. Kernels are synchronous on wasm and cpu, so their wall
 * time is their cost; the timing itself adds a little to each kernel, so the
 * profiled run is somewhat slower than an unprofiled one (both are printed).
 * A benchmark, not a test: it prints numbers and judges nothing.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { BackendRequest, initBackend } from '../src/backend';
import { readCorpus } from '../src/io/corpusFormat';
import { DEFAULT_TRAIN_OPTIONS, TrainOptions, trainModel } from '../src/train/trainer';
import { TRAIN_OPTIONS, TRAIN_OPTION_KEYS } from '../src/train/options';
import { TRAINING_PARTS, TrainingPart, currentPart, inPart, observeParts } from '../src/util/parts';
import type { Corpus } from '../src/types';
import { eachOption } from './options';

interface Args {
  data: string;
  dev?: string;
  backend: BackendRequest;
  threads?: number;
  maxSentences: number;
  options: Partial<TrainOptions>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { data: '', backend: 'auto', maxSentences: 0, options: { epochs: 1 } };
  const byFlag = new Map(TRAIN_OPTION_KEYS.map((key) => [`--${TRAIN_OPTIONS[key].flag}`, key]));
  eachOption(argv, (key, value) => {
    const option = byFlag.get(key);
    if (option !== undefined) {
      const spec = TRAIN_OPTIONS[option];
      const raw = value();
      const parsed = spec.kind === 'number' ? Number(raw) : spec.kind === 'boolean' ? raw === 'true' : raw;
      (args.options as Record<string, unknown>)[option] = parsed;
      return;
    }
    switch (key) {
      case '--data': args.data = value(); break;
      case '--dev': args.dev = value(); break;
      case '--backend': args.backend = value() as BackendRequest; break;
      case '--threads': args.threads = Number(value()); break;
      case '--max-sentences': args.maxSentences = Number(value()); break;
      default: throw new Error(`unknown option ${key} (ner train's options are given as --flag VALUE, booleans as true or false)`);
    }
  });
  if (args.data === '') throw new Error('usage: npm run profile -- --data FILE [--dev FILE] [--epochs N] [--threads N] [--<train option> VALUE ...]');
  return args;
}

type Phase = 'forward' | 'backward';
/** Milliseconds of kernel time by part and phase; 'other' is a kernel run outside every marked part. */
type KernelTimes = Map<TrainingPart | 'other', Record<Phase, number>>;

/** The engine's internals the profiler hooks (tfjs-core's Engine; not public API, so checked at start). */
interface EngineInternals {
  runKernelFunc(params: unknown): unknown;
  addTapeNode(...args: unknown[]): void;
  state: { activeTape: Array<{ gradient?: (dys: unknown) => Record<string, () => unknown> }> | null };
}

/**
 * Times every kernel by part and phase from now on; returns the table it
 * fills. Dev scoring runs parts of the network too: all of it is charged
 * to dev scoring (`scoring()` says when it runs).
 */
function hookKernels(scoring: () => boolean): KernelTimes {
  const engine = tf.engine() as unknown as EngineInternals;
  if (typeof engine.runKernelFunc !== 'function' || typeof engine.addTapeNode !== 'function') throw new Error("profile: this tfjs engine has no runKernelFunc/addTapeNode to time (tfjs's internals changed)");
  const times: KernelTimes = new Map();
  let phase: Phase = 'forward';
  const nested: number[] = [];
  const runKernelFunc = engine.runKernelFunc.bind(engine);
  engine.runKernelFunc = (params) => {
    const start = performance.now();
    nested.push(0);
    try {
      return runKernelFunc(params);
    } finally {
      const took = performance.now() - start;
      const inner = nested.pop()!;
      if (nested.length > 0) nested[nested.length - 1] += took;
      const part = scoring() ? 'dev scoring' : (currentPart() ?? 'other');
      const cell = times.get(part) ?? { forward: 0, backward: 0 };
      cell[phase] += took - inner;
      times.set(part, cell);
    }
  };
  /** Runs a gradient function in the backward phase, as the part its forward kernel ran in. */
  const backward = <T>(part: TrainingPart | undefined, f: () => T): T => {
    const outer = phase;
    phase = 'backward';
    try {
      return part === undefined ? f() : inPart(part, f);
    } finally {
      phase = outer;
    }
  };
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args) => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    const node = tape?.[tape.length - 1];
    const gradient = node?.gradient;
    if (node === undefined || gradient === undefined) return;
    const part = currentPart();
    // The tape calls gradient(dys) for a map of thunks, then each thunk: both run as the part.
    node.gradient = (dys) =>
      backward(part, () => Object.fromEntries(Object.entries(gradient(dys)).map(([input, thunk]) => [input, () => backward(part, thunk)])));
  };
  return times;
}

/** Wall milliseconds of dev scoring (which holds other parts), and whether it is running. */
function observeScoring(): { ms: number; running: boolean } {
  const scoring = { ms: 0, running: false };
  let start = 0;
  observeParts((part, entering) => {
    if (part !== 'dev scoring') return;
    scoring.running = entering;
    if (entering) start = performance.now();
    else scoring.ms += performance.now() - start;
  });
  return scoring;
}

function head(corpus: Corpus, n: number): Corpus {
  return n > 0 ? { file: corpus.file, sentences: corpus.sentences.slice(0, n) } : corpus;
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const begun = performance.now();
  const train = head(readCorpus(args.data).corpus, args.maxSentences);
  const dev = args.dev === undefined ? undefined : readCorpus(args.dev).corpus;
  const info = await initBackend({ backend: args.backend, threads: args.threads });
  const options = { ...DEFAULT_TRAIN_OPTIONS, patience: 0, ...args.options };

  const scoring = observeScoring();
  const kernels = hookKernels(() => scoring.running);
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  let started = 0;
  let ended = 0;
  let cpuAtStart = process.cpuUsage();
  let tokens = 0;
  let trainMs = 0;
  const epochs: Array<{ epoch: number; seconds: number; devF1?: number }> = [];
  const model = await trainModel({
    train,
    dev,
    options,
    backend: info.name,
    events: {
      onStart: (s) => {
        started = performance.now();
        cpuAtStart = process.cpuUsage();
        tokens = s.tokens;
        kernels.clear();
        scoring.ms = 0;
        gcMs = 0;
      },
      onEpoch: (record) => {
        ended = performance.now();
        trainMs += record.seconds * 1000;
        epochs.push({ epoch: record.epoch, seconds: record.seconds, devF1: record.dev?.f1 });
      },
    },
  });
  const cpu = process.cpuUsage(cpuAtStart);
  gc.disconnect();
  model.dispose();

  const wallMs = ended - started;
  const rows: Array<{ part: string; forward: number; backward: number; total: number }> = [];
  let kernelTrainMs = 0;
  for (const part of [...TRAINING_PARTS, 'other'] as const) {
    const k = kernels.get(part) ?? { forward: 0, backward: 0 };
    if (part === 'dev scoring') continue;
    kernelTrainMs += k.forward + k.backward;
    if (k.forward + k.backward > 0) rows.push({ part, forward: k.forward, backward: k.backward, total: k.forward + k.backward });
  }
  const devMs = scoring.ms;
  rows.push({ part: 'JavaScript around the kernels (batches, tape, garbage collection)', forward: 0, backward: 0, total: trainMs - kernelTrainMs });
  rows.push({ part: 'dev scoring (all of it)', forward: 0, backward: 0, total: devMs });
  rows.push({ part: 'between epochs (keeping the best weights)', forward: 0, backward: 0, total: wallMs - trainMs - devMs });

  const pad = (s: string, n: number) => s.padEnd(n);
  const out: string[] = [];
  out.push(`${pad('part', 66)} ${'forward s'.padStart(10)} ${'backward s'.padStart(11)} ${'total s'.padStart(8)} ${'share'.padStart(6)}`);
  for (const r of rows) {
    const share = `${((100 * r.total) / wallMs).toFixed(1)}%`;
    out.push(`${pad(r.part, 66)} ${(r.forward ? seconds(r.forward).toFixed(2) : '').padStart(10)} ${(r.backward ? seconds(r.backward).toFixed(2) : '').padStart(11)} ${seconds(r.total).toFixed(2).padStart(8)} ${share.padStart(6)}`);
  }
  out.push(`${pad('all epochs', 66)} ${''.padStart(10)} ${''.padStart(11)} ${seconds(wallMs).toFixed(2).padStart(8)} ${'100%'.padStart(6)}`);
  out.push(`setup before the first step: ${seconds(started - begun).toFixed(2)} s; garbage collection inside the epochs: ${seconds(gcMs).toFixed(2)} s; cores busy on average: ${((cpu.user + cpu.system) / 1000 / wallMs).toFixed(2)} of ${info.threads} threads`);
  process.stderr.write(`${out.join('\n')}\n`);
  const result = {
    backend: info.name,
    threads: info.threads,
    data: args.data,
    dev: args.dev,
    train_tokens: tokens,
    options: Object.fromEntries(Object.entries(args.options)),
    epochs,
    wall_s: seconds(wallMs),
    train_tokens_per_s: Math.round((tokens * epochs.length) / (trainMs / 1000)),
    setup_s: seconds(started - begun),
    gc_s: seconds(gcMs),
    cores_busy: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100,
    parts: Object.fromEntries(rows.map((r) => [r.part, { forward_s: seconds(r.forward), backward_s: seconds(r.backward), total_s: seconds(r.total) }])),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`profile: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
