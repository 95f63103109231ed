/**
 * `ner serve`: a model behind HTTP, with a page and a JSON API (see serve/server.ts).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../errors';
import { SHUTDOWN_GRACE_MS, createServer, stopServer } from '../serve/server';
import { Messages, backendOptions, quietOption, startBackend } from './common';
import { loadModel } from '../io/modelStore';

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

/** Why the server could not listen on `host`:`port`, as a user error (exit 2). */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): UsageError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new UsageError(`port ${port} on ${host} is in use; choose another --port`);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new UsageError(`--host ${host} is not an IP address or a host name that resolves`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`--host ${host} is not an address of this machine; use one of its addresses, 127.0.0.1 or 0.0.0.0`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`not permitted to listen on port ${port} of ${host} (ports below 1024 need privileges); choose another --port`);
    default:
      return new UsageError(`cannot listen on ${host}:${port}: ${err.message}`);
  }
}

export async function handler(args: ServeArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${args.port}`);
  await startBackend(args, messages);
  const model = await loadModel(args.model);
  const server = createServer(model, args.model);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, args.host, args.port)));
    server.listen(args.port, args.host, resolve);
  }).catch((err) => {
    model.dispose();
    throw err;
  });
  // Listening for signals before the URL is out, so that whoever reads it can stop the server at once.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : args.port;
  // The URL always, even with --quiet: it is what the user asked for.
  process.stdout.write(`serving ${args.model} at http://${args.host}:${port}/\n`);
  const signal = await signalled;
  // A second signal does not wait for anyone.
  const now = (again: NodeJS.Signals) => process.exit(again === 'SIGTERM' ? 143 : 130);
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  messages.info(`${signal}: stopping; requests in progress get ${SHUTDOWN_GRACE_MS / 1000} s (again to stop at once)`);
  await stopServer(server, SHUTDOWN_GRACE_MS);
  process.off('SIGINT', now);
  process.off('SIGTERM', now);
  model.dispose();
}
