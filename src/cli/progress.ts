/**
 * How training shows itself: a cli-progress bar per epoch on stderr (only on a
 * terminal, never with --quiet) and one summary line per epoch on stdout, so a
 * log file or a pipe gets clean lines and a person gets a live bar.
 */
import { SingleBar } from 'cli-progress';
import type { EpochRecord } from '../model/metadata';
import type { TrainEvents } from '../train/trainer';
import type { Messages } from './common';

const pct = (x: number) => x.toFixed(2);

export function formatEpochLine(record: EpochRecord, epochs: number, improved: boolean): string {
  const parts = [
    `epoch ${String(record.epoch).padStart(String(epochs).length)}/${epochs}`,
    `loss ${record.loss.toFixed(4)}`,
    `${Math.round(record.tokensPerSecond)} tok/s`,
    `${record.seconds.toFixed(1)}s`,
  ];
  if (record.dev !== undefined) {
    parts.push(`dev P ${pct(record.dev.precision)} R ${pct(record.dev.recall)} F1 ${pct(record.dev.f1)}${improved ? ' *' : ''}`);
  }
  return parts.join('  ');
}

export function trainProgress(options: { quiet: boolean; messages: Messages; stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream }): TrainEvents {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const showBar = !options.quiet && stderr.isTTY === true;
  let bar: SingleBar | undefined;
  let epochs = 0;
  return {
    onStart(info) {
      epochs = info.epochs;
      options.messages.info(
        `training on ${info.sentences} sentences${info.sequences === info.sentences ? '' : ` (${info.sequences} sequences with document context)`}, ${info.tokens} tokens; ${info.tags.length} tags (${info.scheme}); ${info.vocabulary} words`,
      );
    },
    onBatch(info) {
      if (!showBar) return;
      if (bar === undefined) {
        bar = new SingleBar({
          stream: stderr,
          format: `epoch ${info.epoch}/${epochs} {bar} {value}/{total} | loss {loss} | {speed} tok/s | ETA {eta_formatted}`,
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        });
        bar.start(info.batches, 0, { loss: '-', speed: '-' });
      }
      bar.update(info.batch, { loss: info.loss.toFixed(3), speed: Math.round(info.tokensPerSecond) });
    },
    onEpoch(record, info) {
      bar?.stop();
      bar = undefined;
      if (!options.quiet) stdout.write(`${formatEpochLine(record, epochs, info.improved)}\n`);
    },
    onWarning(message) {
      options.messages.warn(message);
    },
    onInfo(message) {
      options.messages.info(message);
    },
  };
}

/**
 * A progress bar for `ner predict` over the bytes of an input file, with
 * sentences per second and ETA, on a terminal only (never for pipes or with --quiet).
 */
export function predictProgress(options: { quiet: boolean; totalBytes: number | undefined; stderr?: NodeJS.WriteStream }): {
  update(bytes: number, sentences: number): void;
  stop(): void;
} {
  const stderr = options.stderr ?? process.stderr;
  if (options.quiet || stderr.isTTY !== true || options.totalBytes === undefined || options.totalBytes === 0) return { update() {}, stop() {} };
  const started = Date.now();
  const bar = new SingleBar({
    stream: stderr,
    format: 'tagging {bar} {percentage}% | {sentences} sentences | {speed} sentences/s | ETA {eta_formatted}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 20,
  });
  bar.start(options.totalBytes, 0, { sentences: 0, speed: '-' });
  // An exit on Ctrl-C (io/output.ts) clears the bar and shows the cursor again.
  const stop = () => bar.stop();
  process.once('exit', stop);
  return {
    update(bytes, sentences) {
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      bar.update(Math.min(bytes, options.totalBytes!), { sentences, speed: Math.round(sentences / seconds) });
    },
    stop() {
      process.off('exit', stop);
      bar.stop();
    },
  };
}
