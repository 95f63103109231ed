/**
 * `--config FILE`: option values as a JSON object, checked against the
 * command's options before yargs sees them. yargs would coerce them
 * silently: null to 0 and true to 1 for a number, anything to a string.
 */
import * as fs from 'node:fs';
import type { Options } from 'yargs';
import { DataError } from '../errors';
import { fileSystemError } from '../io/fsErrors';
import { readWholeFile } from '../io/readWhole';
import { describeJson } from '../util/jsonShape';

const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** What a value of option `name` (`spec`) must be, in words, or undefined when `value` is one. */
function mismatch(name: string, spec: Options, value: unknown): string | undefined {
  // A column is an index or a header name: the string option takes an integer too, and a list of columns integers among strings.
  if (name.endsWith('-column') && Number.isInteger(value)) return undefined;
  if (name.endsWith('-columns') && Array.isArray(value) && value.every((v) => Number.isInteger(v) || typeof v === 'string')) return undefined;
  if (spec.choices !== undefined) return (spec.choices as unknown[]).includes(value) ? undefined : `one of ${(spec.choices as string[]).map((c) => JSON.stringify(c)).join(', ')}`;
  switch (spec.type) {
    case 'number':
      if (typeof value !== 'number') return 'a number';
      return Number.isFinite(value) ? undefined : 'a finite number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'array':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'a list of strings';
    default:
      return typeof value === 'string' ? undefined : 'a string';
  }
}

/**
 * Reads a --config file for a command whose options are `options`: every key
 * must name one of them (long name, camelCase or alias) and every value must
 * have its JSON type. Errors name the file and the key (DataError, exit 2).
 */
export function readConfigFile(file: string, options: Record<string, Options>): Record<string, unknown> {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) throw new DataError(file, undefined, 'is a directory, expected a JSON file');
    // A byte-order mark at the start of the file is no part of its JSON (editors on Windows write one).
    text = readWholeFile(file, file).toString('utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    if (err instanceof DataError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(file, undefined, 'no such file');
    throw fileSystemError(err) ?? err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, undefined, `not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new DataError(file, undefined, 'expected a JSON object of option values');
  const byKey = new Map<string, [string, Options]>();
  for (const [name, spec] of Object.entries(options)) {
    for (const key of [name, camelCase(name), ...[spec.alias ?? []].flat()]) byKey.set(key, [name, spec]);
  }
  for (const [key, value] of Object.entries(parsed)) {
    const found = byKey.get(key);
    if (found === undefined) throw new DataError(file, undefined, `unknown option "${key}" (keys are the long option names, such as "hidden-size")`);
    const expected = mismatch(found[0], found[1], value);
    if (expected !== undefined) throw new DataError(file, undefined, `"${key}" must be ${expected}, got ${describeJson(value)}`);
  }
  return parsed as Record<string, unknown>;
}
