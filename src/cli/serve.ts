/**
 * `ner serve`: a model behind HTTP, with a page and a JSON API (see serve/server.ts).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../errors';
import { NerModel } from '../model/nerModel';
import { createServer } from '../serve/server';
import { Messages, backendOptions, quietOption, startBackend } from './common';

export const command = 'serve';
export const describe = 'serve a model over HTTP: a page that highlights entities, and a JSON API';

export function builder(yargs: Argv) {
  return yargs
    .options({
      model: { type: 'string', demandOption: true, describe: 'model directory written by ner train' },
      port: { type: 'number', default: 8080, describe: 'TCP port (0 picks a free one)' },
      host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0 for every interface)' },
      ...backendOptions,
      ...quietOption,
    })
    .example('$0 serve --model models/en', 'then open http://127.0.0.1:8080/')
    .example(`curl -s localhost:8080/api/predict -d '{"text": "Angela Merkel visited Paris."}'`, 'the JSON API');
}

type ServeArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

export async function handler(args: ServeArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${args.port}`);
  await startBackend(args, messages);
  const model = await NerModel.load(args.model);
  const server = createServer(model, args.model);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${args.port} on ${args.host} is in use; choose another --port`) : err),
    );
    server.listen(args.port, args.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : args.port;
  // The URL always, even with --quiet: it is what the user asked for.
  process.stdout.write(`serving ${args.model} at http://${args.host}:${port}/\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  model.dispose();
}
