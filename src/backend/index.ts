/**
 * Backend start-up: the one place that knows which tfjs backend runs.
 * Call `initBackend` once, before building or loading a model.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { NerError, UsageError } from '../errors';
import { DirectionThread } from '../fast/directionThread';
import { setDirectionRunner } from '../fast/lstm';
import { registerGradientFixes } from '../fast/gradients';
import { registerProjectKernels } from '../fast/kernels';
import { Availability, BackendChoice, BackendName, BackendRequest, backendCandidates } from './select';
import { AdapterInfo, GpuProvider, dawnProvider, describeAdapter, prepareWebGpu, registerWebGpuFixes } from './webgpu';

export { BACKEND_REQUESTS, BackendName, BackendRequest, backendCandidates } from './select';

export interface BackendOptions {
  backend?: BackendRequest;
  /** Require a CUDA GPU through @tensorflow/tfjs-node-gpu. */
  gpu?: boolean;
  /**
   * Threads for the BiLSTM on wasm and cpu: 2 runs its two directions in
   * parallel (a helper thread), 1 keeps everything on this thread. Default:
   * 2 when the machine has two or more cores. libtensorflow threads itself.
   */
  threads?: number;
}

export interface BackendInfo {
  name: BackendName;
  /** True when libtensorflow reports that it runs on a CUDA device. */
  usingGpu: boolean;
  /** Why better backends were skipped, e.g. "tensorflow: libtensorflow could not be loaded". */
  skipped: string[];
  /** Problems worth a warning, such as --gpu without a visible device. */
  warnings: string[];
  /** Threads the BiLSTM runs on (1 or 2). */
  threads: number;
  /** On webgpu, the adapter it runs on. */
  adapter?: AdapterInfo;
}

/** How packages are found and loaded; replaced in tests. */
export interface PackageLoader {
  isInstalled(pkg: string): boolean;
  load(pkg: string): void;
  /** navigator.gpu for webgpu (default: Dawn, from the package `webgpu`). */
  gpu?: GpuProvider;
}

export const nodeLoader: PackageLoader = {
  isInstalled(pkg) {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  },
  load(pkg) {
    require(pkg);
  },
};

export function detectAvailability(loader: PackageLoader = nodeLoader): Availability {
  return {
    tfjsNode: loader.isInstalled('@tensorflow/tfjs-node'),
    tfjsNodeGpu: loader.isInstalled('@tensorflow/tfjs-node-gpu'),
    wasm: loader.isInstalled('@tensorflow/tfjs-backend-wasm'),
    webgpu: loader.isInstalled('webgpu') && loader.isInstalled('@tensorflow/tfjs-backend-webgpu'),
  };
}

let active: BackendInfo | undefined;

/** The backend chosen by the last `initBackend`, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

/** Starts `choice`: undefined and its adapter when it runs as it must, else why not. */
async function tryChoice(choice: BackendChoice, loader: PackageLoader): Promise<{ failure?: string; adapter?: AdapterInfo }> {
  try {
    if (choice.pkg !== undefined) loader.load(choice.pkg);
    let adapter: AdapterInfo | undefined;
    if (choice.tfName === 'webgpu') {
      adapter = await prepareWebGpu(loader.gpu ?? dawnProvider);
      if (choice.requires === 'hardware-adapter' && adapter.software) return { failure: `webgpu: only ${describeAdapter(adapter)}, which is slower than the wasm backend` };
    }
    const ok = await tf.setBackend(choice.tfName);
    if (!ok) return { failure: `${choice.name}: tfjs could not initialise it` };
    await tf.ready();
    if (choice.tfName === 'webgpu') registerWebGpuFixes();
    if (choice.requires === 'cuda' && (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice !== true) {
      return { failure: `${choice.name}: @tensorflow/tfjs-node-gpu found no CUDA device` };
    }
    return { adapter };
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    return { failure: `${choice.name}: ${first}` };
  }
}

/**
 * Picks, loads and activates a backend, and registers the project's kernels for it.
 * With `auto`, a backend that is installed but fails to start is skipped (and
 * reported in `skipped`); an explicit choice that fails is an error.
 */
export async function initBackend(options: BackendOptions = {}, loader: PackageLoader = nodeLoader): Promise<BackendInfo> {
  const request = options.backend ?? 'auto';
  const gpu = options.gpu ?? false;
  // Prod mode drops tfjs's debug checks and its console banner about tfjs-node.
  tf.enableProdMode();
  registerGradientFixes();
  const candidates = backendCandidates(request, gpu, detectAvailability(loader));
  const skipped: string[] = [];
  for (const [i, choice] of candidates.entries()) {
    const { failure, adapter } = await tryChoice(choice, loader);
    if (failure !== undefined) {
      skipped.push(failure);
      // --gpu tries CUDA, then a hardware WebGPU adapter; an explicit backend has no fallback.
      const more = gpu ? i + 1 < candidates.length : request === 'auto';
      if (!more) throw new UsageError(`${gpu && request === 'auto' ? '--gpu' : `--backend ${request}${gpu ? ' --gpu' : ''}`} could not start: ${skipped.join('; ')}`);
      continue;
    }
    registerProjectKernels(choice.tfName);
    const usingGpu = choice.tfName === 'webgpu' ? adapter?.software !== true : (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    const warnings: string[] = [];
    if (adapter?.software) warnings.push(`webgpu runs on ${describeAdapter(adapter)}: expect it to be slower than --backend wasm`);
    const threads = await startHelperThread(choice.tfName, options.threads, warnings);
    active = { name: choice.name, usingGpu, skipped, warnings, threads, adapter };
    return active;
  }
  // cpu is always the last candidate of auto and always starts; reaching here is a bug.
  throw new NerError(`no tfjs backend could start: ${skipped.join('; ')}`, 1);
}

let helperThread: DirectionThread | undefined;

/**
 * Starts (or keeps, or stops) the BiLSTM's helper thread to match the backend
 * and thread count. Returns the threads in use; a helper that fails to start
 * leaves one thread and a warning.
 */
async function startHelperThread(tfName: string, requested: number | undefined, warnings: string[]): Promise<number> {
  const threads = requested ?? Math.min(2, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, got ${threads}`);
  const wanted = threads >= 2 && (tfName === 'wasm' || tfName === 'cpu');
  if (helperThread !== undefined && (!wanted || helperThread.backend !== tfName)) {
    await helperThread.stop();
    helperThread = undefined;
  }
  if (wanted && helperThread === undefined) {
    try {
      helperThread = await DirectionThread.start(tfName as 'wasm' | 'cpu');
    } catch (err) {
      warnings.push(`could not start a helper thread (${(err as Error).message}); running on one thread`);
    }
  }
  const thread = helperThread;
  // Only while the backend it was started for is active (tests switch backends directly).
  setDirectionRunner(thread === undefined ? undefined : () => (tf.getBackend() === thread.backend ? thread : undefined));
  return thread === undefined ? 1 : 2;
}

/** Stops the helper thread, if any (the process can exit without this: the thread is unref'd). */
export async function stopHelperThread(): Promise<void> {
  await helperThread?.stop();
  helperThread = undefined;
  setDirectionRunner(undefined);
}

/** One line for users: which backend runs and why others did not. */
export function describeBackend(info: BackendInfo): string {
  const device = info.name === 'tensorflow-gpu' ? (info.usingGpu ? ' (CUDA GPU)' : ' (no GPU found, CPU)') : info.adapter !== undefined ? ` on ${describeAdapter(info.adapter)}` : '';
  const why = info.skipped.length > 0 ? `; skipped ${info.skipped.join('; ')}` : '';
  const threads = info.threads > 1 ? `, ${info.threads} threads` : '';
  return `backend: ${info.name}${device}${threads}${why}`;
}
