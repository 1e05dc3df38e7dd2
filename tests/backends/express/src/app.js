// The Express application: CORS first (preflights never need the key), then the public
// exported-file route, the API key check and the two download routes, all under /api.
import cors from 'cors';
import express from 'express';
import { requireKey } from './auth.js';
import { checkedBug } from './bugs.js';
import { Catalog } from './catalog.js';
import { errorHandler, notFound } from './errors.js';
import { makeHandlers } from './handlers.js';
import { jsonBody, requireJson } from './requests.js';
import { Tickets } from './tickets.js';

const FILES_ROUTE = '/viewer/exports/files/:ticket';

export function createApp({ apiKeys, bug = '', corsOrigins = ['*'], catalog = Catalog.load() }) {
  if (!apiKeys || apiKeys.length === 0) throw new Error('at least one API key is needed');
  bug = checkedBug(bug);
  const handlers = makeHandlers({ catalog, tickets: new Tickets(), bug });
  const app = express();
  app.disable('x-powered-by');
  app.use(cors({
    origin: corsOrigins.includes('*') ? '*' : corsOrigins,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type', 'X-API-Key'],
    // Without this, browsers hide Content-Disposition (the filename) from cross-origin code.
    exposedHeaders: bug === 'cors-no-expose' ? undefined : ['Content-Disposition'],
    maxAge: 600,
  }));

  const keyCheck = requireKey(apiKeys);
  const api = express.Router();
  if (bug === 'exported-url-needs-key') {
    api.use(keyCheck);
    api.get(FILES_ROUTE, handlers.exportedFile);
  } else {
    // Exported URLs are opened by browsers without the key: this route comes before the check.
    api.get(FILES_ROUTE, handlers.exportedFile);
    if (bug !== 'key-one-route') api.use(keyCheck);
  }
  const onlyIfOneRoute = bug === 'key-one-route' ? [keyCheck] : [];
  api.post('/viewer/exports/download', ...onlyIfOneRoute, requireJson, jsonBody, handlers.single);
  api.post('/viewer/exports/download-batch', requireJson, jsonBody, handlers.batch);

  app.use('/api', api);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
