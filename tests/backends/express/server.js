// Serve the Express backend:
//   node server.js [--port 0] [--host 127.0.0.1] [--api-key KEY ...] [--bug NAME]
// Environment: EXPORT_API_KEYS (comma-separated keys), PORT, HOST, CORS_ORIGINS
// (comma-separated, default *), BUG. Prints "Listening on http://HOST:PORT/api" once it
// accepts connections (port 0 picks a free port).
import { parseArgs } from 'node:util';
import { createApp } from './src/app.js';
import { BUGS } from './src/bugs.js';

const list = (text) => (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);

function fail(message) {
  console.error(`express backend: ${message}`);
  process.exit(2);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      bug: { type: 'string' },
    },
  }));
} catch (err) {
  fail(err.message);
}
const apiKeys = [...(options['api-key'] ?? []), ...list(process.env.EXPORT_API_KEYS)];
if (apiKeys.length === 0) fail('give an API key: --api-key KEY or EXPORT_API_KEYS=KEY1,KEY2');
const host = options.host ?? process.env.HOST ?? '127.0.0.1';
const port = Number(options.port ?? process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0-65535, got ${options.port ?? process.env.PORT}`);

const bug = options.bug ?? process.env.BUG ?? '';
let app;
try {
  app = createApp({ apiKeys, bug, corsOrigins: list(process.env.CORS_ORIGINS ?? '*') });
} catch (err) {
  fail(err.message);
}
if (bug) console.log(`Deliberate bug ${bug}: ${BUGS[bug]}`);

const server = app.listen(port, host, (err) => {
  if (err) fail(`cannot listen on ${host}:${port}: ${err.message}`);
  console.log(`Listening on http://${host}:${server.address().port}/api`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
