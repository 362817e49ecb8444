import type { z } from 'zod';

export interface IssueReport {
  /** Where the problem is, as a reader writes it: `alerts[0].at`, or `(root)`. */
  path: string;
  message: string;
}

/** `["alerts", 0, "at"]` -> `alerts[0].at`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesOf(error: z.ZodError): IssueReport[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** One line per problem, each naming where it is: "gateway.yaml: mqtt.port: Too big: ...". */
export function describeIssues(error: z.ZodError, where?: string): string {
  const prefix = where ? `${where}: ` : '';
  return issuesOf(error)
    .map((i) => `${prefix}${i.path}: ${i.message}`)
    .join('\n');
}

/** Thrown when outside input (a config file, CLI arguments) does not fit its schema. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly issues: IssueReport[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** Parses `input` with `schema` or throws an InputError whose message names `where` and each field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InputError(`${where} is not valid:\n${describeIssues(result.error, where)}`, issuesOf(result.error));
}
