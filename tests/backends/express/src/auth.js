import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './errors.js';

const digest = (text) => createHash('sha256').update(text, 'utf8').digest();

/** Middleware: a request needs one of `keys` in x-api-key; anything else is a 401. */
export function requireKey(keys) {
  const accepted = keys.map(digest);
  return (req, res, next) => {
    const sent = req.get('x-api-key');
    if (!sent) {
      next(new HttpError(401, 'unauthorized', 'Send your API key in the x-api-key header.'));
      return;
    }
    // Digests have one length, so the comparison takes the same time for every key sent.
    const candidate = digest(sent);
    if (!accepted.some((key) => timingSafeEqual(key, candidate))) {
      next(new HttpError(401, 'unauthorized', 'The x-api-key header holds a key this backend does not accept.'));
      return;
    }
    next();
  };
}
