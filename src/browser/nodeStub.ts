/**
 * Stands in for Node's built-in modules in the browser bundle. The code that
 * would call them (reading files, worker threads) never runs in a page; if it
 * did, the call fails here with a message saying why.
 */
const unavailable = (): never => {
  throw new Error('not available in the browser');
};
const stub: Record<string, unknown> = new Proxy({}, { get: (_target, name) => (name === '__esModule' ? false : name === 'default' ? stub : unavailable) });
export = stub;
