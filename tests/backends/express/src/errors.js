// Every error answer is JSON: {"error": code, "message": what happened and what to do}.

export class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const badRequest = (message) => new HttpError(400, 'bad_request', message);

// body-parser reports its failures with a `type`; say in plain words what to fix.
const BODY_ERRORS = {
  'entity.parse.failed': ['invalid_json', (err) => `The body must be a JSON object (${err.message}).`],
  'entity.too.large': ['body_too_large', (err) => `The body is larger than ${err.limit} bytes, this backend's limit.`],
  'encoding.unsupported': ['unsupported_encoding', (err) => err.message],
  'charset.unsupported': ['unsupported_charset', (err) => `${err.message}; send the body as UTF-8.`],
  'entity.verify.failed': ['invalid_utf8', (err) => err.message],
};

export function notFound(req, res) {
  res.status(404).json({ error: 'no_route', message: `There is no route ${req.method} ${req.path}.` });
}

export function errorHandler(err, req, res, next) {
  if (res.headersSent) {
    // A stream failed half-way: Express's own handler cuts the connection, so no client
    // mistakes a truncated zip for a complete one.
    next(err);
    return;
  }
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 600 ? err.status : 500;
  let code = err.code;
  let message = err.message;
  if (err.type && BODY_ERRORS[err.type]) {
    const [bodyCode, describe] = BODY_ERRORS[err.type];
    code = bodyCode;
    message = describe(err);
  }
  if (status >= 500) {
    console.error(err);
    code = 'internal_error';
    message = 'The export service failed; try again later.';
  }
  res.status(status).json({ error: typeof code === 'string' ? code : 'error', message });
}
