/**
 * The records `ner predict` tags from raw text: each line of a text file, or
 * each object of a JSON Lines file (its `text` tagged, its other fields kept
 * for the output). Streamed, one line at a time, as io/lines.ts reads them.
 */
import { DataError } from '../errors';
import type { Line } from './lines';
import { show } from './spanCorpus';

/** A text to tag, and where it came from. */
export interface TextRecord {
  /** 1-based line of the input. */
  line: number;
  text: string;
  /** A JSON Lines record's fields other than `text`, in their order; undefined for text input. */
  fields?: Record<string, unknown>;
}

/**
 * One JSON Lines line as a record: a JSON object with a string `text`.
 * Anything else is a DataError naming `file:line`.
 */
export function parseTextRecord(line: Line, file: string): TextRecord {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    throw new DataError(file, line.number, `not valid JSON (${err instanceof Error ? err.message : String(err)}); expected one JSON object a line, with a "text" string`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(file, line.number, `expected a JSON object with a "text" string, got ${show(value)}`);
  }
  const { text, ...fields } = value as Record<string, unknown>;
  if (typeof text !== 'string') {
    const got = text === undefined ? `an object with keys ${show(Object.keys(fields))}` : `"text": ${show(text)}`;
    throw new DataError(file, line.number, `expected a "text" string in the record, got ${got}`);
  }
  return { line: line.number, text, fields };
}

/**
 * The records of a stream of lines: for 'text' every line (blank ones too,
 * so outputs keep the input's line structure); for 'jsonl' every line that
 * is not blank, parsed by parseTextRecord.
 */
export async function* textRecords(lines: AsyncIterable<Line>, file: string, format: 'text' | 'jsonl'): AsyncGenerator<TextRecord> {
  for await (const line of lines) {
    if (format === 'text') yield { line: line.number, text: line.text };
    else if (line.text.trim() !== '') yield parseTextRecord(line, file);
  }
}
