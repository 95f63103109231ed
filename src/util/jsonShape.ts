/**
 * The shape a JSON value must have, checked field by field, so that a file
 * we wrote and someone edited (or a disk damaged) fails with a message naming
 * the field, what it must be and what it is, instead of failing later as a
 * TypeError far from the file.
 */

/** Checks `value` found at `path`; returns what is wrong ("path must be …, got …"), or undefined. */
export type Shape = (value: unknown, path: string) => string | undefined;

/** A JSON value as a user would write it, shortened: `null`, `"abc"`, `[1,2]`. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const wrong = (path: string, expected: string, value: unknown) => `${path} must be ${expected}, got ${describeJson(value)}`;

export const integer =
  (min?: number): Shape =>
  (v, p) =>
    Number.isSafeInteger(v) && (min === undefined || (v as number) >= min) ? undefined : wrong(p, min === undefined ? 'an integer' : `an integer >= ${min}`, v);

export const finiteNumber: Shape = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : wrong(p, 'a finite number', v));

export const positiveNumber: Shape = (v, p) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : wrong(p, 'a positive number', v));

export const string: Shape = (v, p) => (typeof v === 'string' ? undefined : wrong(p, 'a string', v));

export const boolean: Shape = (v, p) => (typeof v === 'boolean' ? undefined : wrong(p, 'true or false', v));

export const oneOf =
  (...values: string[]): Shape =>
  (v, p) =>
    values.includes(v as string) ? undefined : wrong(p, `one of ${values.join(', ')}`, v);

export const optional =
  (shape: Shape): Shape =>
  (v, p) =>
    v === undefined ? undefined : shape(v, p);

export const nullable =
  (shape: Shape): Shape =>
  (v, p) =>
    v === null ? undefined : shape(v, p);

export const arrayOf =
  (shape: Shape): Shape =>
  (v, p) => {
    if (!Array.isArray(v)) return wrong(p, 'an array', v);
    for (let i = 0; i < v.length; i++) {
      const problem = shape(v[i], `${p}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };

/** An object with (at least) these fields; others are left alone. */
export const object =
  (fields: Record<string, Shape>): Shape =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return wrong(p, 'an object', v);
    for (const [key, shape] of Object.entries(fields)) {
      const problem = shape((v as Record<string, unknown>)[key], p === '' ? key : `${p}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
