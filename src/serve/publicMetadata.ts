/**
 * What `ner serve` publishes of a model's metadata: everything but the paths
 * of the training machine's files (training data, dev data, embeddings),
 * which are reduced to their file names. The files on disk keep the full paths.
 */

/** `/home/ann/corpora/train.conll` → `train.conll` (either separator; a trailing one is ignored). */
export function fileName(value: string): string {
  const parts = value.split(/[\\/]+/).filter((p) => p !== '');
  return parts.length === 0 ? value : parts[parts.length - 1];
}

/** Strings with a path separator become file names, at any depth; everything else is copied. */
function withoutPaths(value: unknown): unknown {
  if (typeof value === 'string') return /[\\/]/.test(value) ? fileName(value) : value;
  if (Array.isArray(value)) return value.map(withoutPaths);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutPaths(v)]));
  }
  return value;
}

/**
 * A copy of `metadata` (a model's metadata.json, or `NerModel.metadata()`) whose
 * training summary names files only. Only `training` holds paths; the
 * vocabularies, where a word may well contain a slash, are left as they are.
 */
export function publicMetadata<T>(metadata: T): T {
  if (metadata === null || typeof metadata !== 'object' || !('training' in metadata) || metadata.training === undefined) return metadata;
  return { ...metadata, training: withoutPaths(metadata.training) };
}
