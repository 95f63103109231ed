/**
 * Backend start-up: the one place that knows which tfjs backend runs.
 * Call `initBackend` once, before building or loading a model.
 */
import * as tf from '@tensorflow/tfjs';
import { NerError, UsageError } from '../errors';
import { registerProjectKernels } from './kernels';
import { Availability, BackendChoice, BackendName, BackendRequest, backendCandidates } from './select';

export { BACKEND_REQUESTS, BackendName, BackendRequest, backendCandidates } from './select';

export interface BackendOptions {
  backend?: BackendRequest;
  /** Require a CUDA GPU through @tensorflow/tfjs-node-gpu. */
  gpu?: boolean;
}

export interface BackendInfo {
  name: BackendName;
  /** True when libtensorflow reports that it runs on a CUDA device. */
  usingGpu: boolean;
  /** Why better backends were skipped, e.g. "tensorflow: libtensorflow could not be loaded". */
  skipped: string[];
  /** Problems worth a warning, such as --gpu without a visible device. */
  warnings: string[];
}

/** How packages are found and loaded; replaced in tests. */
export interface PackageLoader {
  isInstalled(pkg: string): boolean;
  load(pkg: string): void;
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
  };
}

let active: BackendInfo | undefined;

/** The backend chosen by the last `initBackend`, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

async function tryChoice(choice: BackendChoice, loader: PackageLoader): Promise<string | undefined> {
  try {
    if (choice.pkg !== undefined) loader.load(choice.pkg);
    const ok = await tf.setBackend(choice.tfName);
    if (!ok) return `${choice.name}: tfjs could not initialise it`;
    await tf.ready();
    return undefined;
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    return `${choice.name}: ${first}`;
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
  const candidates = backendCandidates(request, gpu, detectAvailability(loader));
  const skipped: string[] = [];
  for (const choice of candidates) {
    const failure = await tryChoice(choice, loader);
    if (failure !== undefined) {
      skipped.push(failure);
      if (request !== 'auto' || gpu) {
        throw new UsageError(`--backend ${request}${gpu ? ' --gpu' : ''} could not start: ${failure}`);
      }
      continue;
    }
    registerProjectKernels(choice.tfName);
    const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    const warnings: string[] = [];
    if (gpu && !usingGpu) {
      warnings.push('--gpu: @tensorflow/tfjs-node-gpu loaded but found no CUDA device; running on the CPU');
    }
    active = { name: choice.name, usingGpu, skipped, warnings };
    return active;
  }
  // cpu is always the last candidate of auto and always starts; reaching here is a bug.
  throw new NerError(`no tfjs backend could start: ${skipped.join('; ')}`, 1);
}

/** One line for users: which backend runs and why others did not. */
export function describeBackend(info: BackendInfo): string {
  const device = info.name === 'tensorflow-gpu' ? (info.usingGpu ? ' (CUDA GPU)' : ' (no GPU found, CPU)') : '';
  const why = info.skipped.length > 0 ? `; skipped ${info.skipped.join('; ')}` : '';
  return `backend: ${info.name}${device}${why}`;
}
