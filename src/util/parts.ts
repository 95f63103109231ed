/**
 * Names for the parts of a training step (embeddings, character encoder,
 * BiLSTM, CRF loss, optimizer) and of an epoch (dev scoring), so that a
 * profiler (scripts/profile.ts) can say where the time goes. Marking a part
 * costs an assignment; nothing here measures unless an observer is set.
 */
/** The parts of a training step, in the order they run, and dev scoring, which runs after each epoch. */
export const TRAINING_PARTS = ['embeddings', 'character encoder', 'dropout', 'BiLSTM', 'emission scores', 'CRF loss', 'optimizer', 'dev scoring'] as const;
export type TrainingPart = (typeof TRAINING_PARTS)[number];

let current: TrainingPart | undefined;
let observer: ((part: TrainingPart, entering: boolean) => void) | undefined;

/** Runs `f` as `part`; a part inside another is its own (the inner one counts). */
export function inPart<T>(part: TrainingPart, f: () => T): T {
  const outer = current;
  current = part;
  observer?.(part, true);
  try {
    return f();
  } finally {
    observer?.(part, false);
    current = outer;
  }
}

/**
 * inPart for an asynchronous `f`: the part lasts until its promise settles.
 * Right for the training loop, which runs one thing at a time; work that
 * interleaves with it during the awaits would be charged to the part too.
 */
export async function inPartAsync<T>(part: TrainingPart, f: () => Promise<T>): Promise<T> {
  const outer = current;
  current = part;
  observer?.(part, true);
  try {
    return await f();
  } finally {
    observer?.(part, false);
    current = outer;
  }
}

/** The part running now, if any. */
export function currentPart(): TrainingPart | undefined {
  return current;
}

/** Tells `f` when each part starts and ends (one observer; undefined removes it). */
export function observeParts(f: ((part: TrainingPart, entering: boolean) => void) | undefined): void {
  observer = f;
}
