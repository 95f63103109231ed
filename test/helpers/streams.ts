/** Streams for tests of the readers: bytes in chunks as a stream delivers them, and what comes out collected. */

/** `bytes` in chunks of `size`. */
export async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

/** Every item of an async stream, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
