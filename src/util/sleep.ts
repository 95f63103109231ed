/**
 * Waiting without spinning, in code that must stay synchronous (a write to
 * a non-blocking pipe, a directory another process is renaming).
 */

/** Blocks the thread for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  // Made per call, not at load: the browser bundle includes callers, and pages have no SharedArrayBuffer.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
