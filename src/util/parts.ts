/**
 * Names for the parts of a training step (embeddings, character encoder,
 * BiLSTM, CRF loss, optimizer) and of an epoch (dev scoring), so that a
 * profiler (scripts/profile.ts) can say where the time goes. Marking a part
 * costs an assignment; nothing here measures unless an observer is set.
 */
export const STEP_PARTS = ['embeddings', 'character encoder', 'dropout', 'BiLSTM', 'emission scores', 'CRF loss', 'optimizer', 'dev scoring'] as const;
export type StepPart = (typeof STEP_PARTS)[number];

let current: StepPart | undefined;
let observer: ((part: StepPart, entering: boolean) => void) | undefined;

/** Runs `f` as `part`; a part inside another is its own (the inner one counts). */
export function inPart<T>(part: StepPart, f: () => T): T {
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

/** The part running now, if any. */
export function currentPart(): StepPart | undefined {
  return current;
}

/** Tells `f` when each part starts and ends (one observer; undefined removes it). */
export function observeParts(f: ((part: StepPart, entering: boolean) => void) | undefined): void {
  observer = f;
}
