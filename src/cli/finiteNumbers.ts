/**
 * One rule for every numeric option of every command: it must be a finite
 * number. yargs turns `--lr Infinity` into Infinity and `--lr abc` into NaN,
 * and each would otherwise travel on until something breaks far from the
 * command line (a model of NaN weights, a loop that never ends).
 */
import type { Arguments } from 'yargs';
import { UsageError } from '../errors';

/** yargs middleware (run before validation): refuses the first non-finite number, naming its option. */
export function rejectNonFiniteNumbers(argv: Arguments): void {
  for (const [key, value] of Object.entries(argv)) {
    // yargs lists every option twice, as given and in camelCase; the positionals are not options.
    if (key === '_' || key === '$0' || /[A-Z]/.test(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new UsageError(`--${key} must be a finite number, got ${v}`);
    }
  }
}
