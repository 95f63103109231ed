/** Assertions on the project's user errors, shared by the reader tests. */
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors';

/** Asserts that `fn` throws a one-line DataError (exit 2) for `file` at `line` whose reason is or matches `reason`. */
export function assertDataError(fn: () => unknown, file: string, line: number | undefined, reason: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.equal(err.file, file);
    assert.equal(err.line, line);
    const prefix = line === undefined ? `${file}: ` : `${file}:${line}: `;
    assert.ok(err.message.startsWith(prefix), `message ${JSON.stringify(err.message)} should start with ${prefix}`);
    const rest = err.message.slice(prefix.length);
    if (typeof reason === 'string') assert.equal(rest, reason);
    else assert.match(rest, reason);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}
