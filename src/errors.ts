/**
 * Errors meant for users. The CLI prints `message` as one line (no stack) and
 * exits with `exitCode`; anything else that escapes is a bug and exits 1.
 */
export class NerError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** A wrong or missing command-line option, or options that contradict. Exit 2. */
export class UsageError extends NerError {
  constructor(message: string) {
    super(message, 2);
  }
}

/**
 * A library option out of its range, named as the library knows it
 * (`learningRate must be a positive number, got 0`). A command line
 * rewords it with its own name for the option (`--lr ...`). Exit 2.
 */
export class OptionError extends UsageError {
  constructor(
    readonly option: string,
    readonly reason: string,
    readonly value: unknown,
  ) {
    super(`${option} ${reason}, got ${String(value)}`);
  }
}

/**
 * Bad input data: a file that is missing, empty, a directory, or malformed.
 * The message starts with `file:line:` (or `file:` when no line is at fault),
 * the way compilers report, so editors can jump to it. Exit 2.
 */
export class DataError extends NerError {
  constructor(readonly file: string, readonly line: number | undefined, readonly reason: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${reason}`, 2);
  }
}

/**
 * A file-system call that failed for a reason outside ner (a full disk, a
 * read-only mount, a permission, a path through a file): the message names
 * the path and the reason (see io/fsErrors.ts). Exit 2.
 */
export class FileSystemError extends NerError {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string | undefined,
  ) {
    super(message, 2);
  }
}

/** A model directory that is missing, incomplete, corrupt or from an incompatible version. Exit 2. */
export class ModelError extends NerError {
  constructor(readonly dir: string, reason: string) {
    super(`${dir}: ${reason}`, 2);
  }
}

/**
 * Numbers that are no longer numbers: training that diverged (NaN or
 * infinite losses, gradients or weights) before anything worth keeping, or
 * weights that are not all finite where they are about to be saved. Exit 3.
 */
export class NumericalError extends NerError {
  constructor(message: string) {
    super(message, 3);
  }
}
