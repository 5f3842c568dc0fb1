/**
 * The serve mode's failures, each with the HTTP status it answers with and the outcome label it is counted
 * under in the metrics. A bad request names the field that is wrong.
 */
import { FltsError } from '../../../shared/errors.js';

export type Outcome = 'ok' | 'bad_request' | 'not_found' | 'too_large' | 'overloaded' | 'deadline' | 'not_ready' | 'error';

/** Base class: an HTTP status and an outcome label. */
export class ServeError extends FltsError {
  override name = 'ServeError';
  readonly status: number;
  readonly outcome: Outcome;

  constructor(status: number, outcome: Outcome, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.outcome = outcome;
  }
}

/** 400: the request does not fit the model; `field` is the path of the offending value, e.g. `data.down[3]`. */
export class BadRequestError extends ServeError {
  override name = 'BadRequestError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(400, 'bad_request', message);
    this.field = field;
  }
}

/** 404: no such model or route. */
export class NotFoundError extends ServeError {
  override name = 'NotFoundError';

  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** 429: the queue is full; the client should retry after `retryAfterSeconds`. */
export class OverloadedError extends ServeError {
  override name = 'OverloadedError';
  readonly retryAfterSeconds: number;

  constructor(queued: number, retryAfterSeconds: number) {
    super(429, 'overloaded', `Server busy: ${queued} requests are already waiting (max-queue); retry after ${retryAfterSeconds} s.`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 504: the request was not answered within its deadline. */
export class DeadlineError extends ServeError {
  override name = 'DeadlineError';

  constructor(deadlineMs: number) {
    super(504, 'deadline', `The forecast did not finish within the deadline of ${deadlineMs} ms (deadline-ms).`);
  }
}

/** 503: no model is loaded yet. */
export class NotReadyError extends ServeError {
  override name = 'NotReadyError';

  constructor() {
    super(503, 'not_ready', 'No model is loaded yet; see /ready.');
  }
}
