/**
 * The benchmark scripts' command lines: `--key value` pairs and bare flags,
 * walked once here so that each script only says what its keys mean.
 */

/** Calls `on(key, value)` for each argument; `value()` takes the next one as the key's value, refusing a missing one. */
export function eachOption(argv: readonly string[], on: (key: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    on(key, () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${key} needs a value`);
      return v;
    });
  }
}
