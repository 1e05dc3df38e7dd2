// Reading the two request bodies and the responseType switch.
import { isUtf8 } from 'node:buffer';
import express from 'express';
import { HttpError, badRequest } from './errors.js';

// This backend's own limits (the contract leaves them to each backend).
export const MAX_ITEMS = 500;
export const MAX_BODY = '256kb';
export const MAX_IDENTIFIER_LENGTH = 4096;

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Only JSON bodies are read; anything else is a 415 that says how to send it. */
export function requireJson(req, res, next) {
  if (!req.is('application/json')) {
    const sent = req.get('content-type') ?? 'no Content-Type';
    next(new HttpError(415, 'unsupported_media_type', `Send the body as JSON with Content-Type: application/json (got ${sent}).`));
    return;
  }
  next();
}

export const jsonBody = express.json({
  limit: MAX_BODY,
  // body-parser would decode broken UTF-8 into U+FFFD and look the mangled URL up.
  verify(req, res, buffer) {
    if (!isUtf8(buffer)) {
      throw Object.assign(new Error('The body is not valid UTF-8; send JSON encoded as UTF-8.'), { status: 400 });
    }
  },
});

/** 'file' (default) or 'urls'; any other responseType is a 400. */
export function responseMode(query) {
  const value = query.responseType;
  if (value === undefined) return 'file';
  if (value === 'urls') return 'urls';
  throw badRequest(`responseType must be "urls" or absent, got ${JSON.stringify(value)}.`);
}

/** The identifier of an item, or null when it has none this backend can use. */
function identifierOf(item) {
  if (!isObject(item)) return null;
  const url = item.sourceFileUrl;
  return typeof url === 'string' && url.length > 0 && url.length <= MAX_IDENTIFIER_LENGTH ? url : null;
}

export function parseSingle(body) {
  if (!isObject(body)) {
    throw badRequest('The body must be a JSON object like {"sourceFileUrl": "https://…"}.');
  }
  const url = identifierOf(body);
  if (url === null) {
    throw badRequest(`"sourceFileUrl" must be a non-empty string of at most ${MAX_IDENTIFIER_LENGTH} characters.`);
  }
  return url;
}

/**
 * The items of a batch body, each {index, url}; url is null for a malformed item, which is
 * then skipped like an unknown one. A batch with no usable item at all is a 400.
 */
export function parseBatch(body) {
  if (!isObject(body) || !Array.isArray(body.items)) {
    throw badRequest('The body must be a JSON object like {"items": [{"sourceFileUrl": "https://…"}]}.');
  }
  const { items } = body;
  if (items.length === 0) throw badRequest('"items" is empty; list at least one {"sourceFileUrl": "…"}.');
  if (items.length > MAX_ITEMS) {
    throw new HttpError(413, 'too_many_items', `The batch has ${items.length} items; this backend accepts at most ${MAX_ITEMS}. Split it.`);
  }
  const parsed = items.map((item, index) => ({ index, url: identifierOf(item) }));
  if (parsed.every((item) => item.url === null)) {
    throw badRequest(`No item has a usable "sourceFileUrl" (a non-empty string of at most ${MAX_IDENTIFIER_LENGTH} characters).`);
  }
  return parsed;
}
