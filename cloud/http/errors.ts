import type { z } from 'zod';
import { formatPath, issuesOf, type IssueReport } from '../../lib/validation.js';
import type { ErrorBody } from '../../contract/ingest-wire.js';

/**
 * An error meant for the client: every 4xx the cloud answers is one of these, turned into the
 * errorBody shape by the server's single error handler.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    /** A code a program can switch on: invalid_body, unauthorized, forbidden, ... */
    readonly code: string,
    message: string,
    readonly issues?: IssueReport[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** How many issues the one-line message spells out; `issues` always carries all of them. */
const ISSUES_IN_MESSAGE = 10;

/** A 400 naming each field, for a body or a query string that does not fit its schema. */
export function invalidInput(what: 'body' | 'query', error: z.ZodError): HttpError {
  const issues = issuesOf(error).flatMap((issue, i) => {
    // zod reports unknown keys once, at their parent; name each key instead, so `?status=open`
    // is answered "status: unknown parameter" rather than "(root): Unrecognized key".
    const zodIssue = error.issues[i];
    if (zodIssue?.code !== 'unrecognized_keys') return [issue];
    const label = what === 'body' ? 'unknown field' : 'unknown parameter';
    return zodIssue.keys.map((key) => ({ path: formatPath([...zodIssue.path, key]), message: label }));
  });
  return issuesError(400, what === 'body' ? 'invalid_body' : 'invalid_query', `request ${what} is not valid`, issues);
}

export function issuesError(statusCode: number, code: string, lead: string, issues: IssueReport[]): HttpError {
  const listed = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > ISSUES_IN_MESSAGE ? `; and ${issues.length - ISSUES_IN_MESSAGE} more` : '';
  return new HttpError(statusCode, code, `${lead}: ${listed.join('; ')}${more}`, issues);
}

/** 401 with the challenge RFC 6750 asks for. */
export function unauthorized(reason: 'missing' | 'unknown', audience: string): HttpError {
  const message =
    reason === 'missing'
      ? `send "Authorization: Bearer <token>" with a ${audience} token`
      : `the bearer token is not a known ${audience} token`;
  const challenge = reason === 'missing' ? 'Bearer realm="gridwatch"' : 'Bearer realm="gridwatch", error="invalid_token"';
  return new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': challenge });
}
