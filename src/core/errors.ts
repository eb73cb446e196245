/** Bad inputs, all of them at once, each naming the input and what is expected. */
export class InputError extends Error {
  readonly problems: readonly string[];
  /** The fleet file, when the run read one: problems in it start with `<file>:<line>: `. */
  readonly file: string | undefined;

  constructor(problems: readonly string[], file?: string) {
    super(inputErrorMessage(problems, file));
    this.name = 'InputError';
    this.problems = problems;
    this.file = file;
  }
}

/** How many problems are in the fleet file `file` (they start with `file:line: `), and how many in the step's inputs. */
export function countProblems(problems: readonly string[], file: string | undefined): { inFile: number; inInputs: number } {
  const inFile = file === undefined ? 0 : problems.filter((p) => p.startsWith(`${file}:`)).length;
  return { inFile, inInputs: problems.length - inFile };
}

function inputErrorMessage(problems: readonly string[], file: string | undefined): string {
  const { inFile } = countProblems(problems, file);
  if (inFile === 0) {
    return problems.length === 1 ? `Invalid input: ${problems[0]}` : `${problems.length} invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  }
  if (problems.length === 1) return `Invalid fleet file: ${problems[0]}`;
  const where = inFile === problems.length ? `the fleet file ${file}` : `the inputs and the fleet file ${file}`;
  return `${problems.length} problems in ${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}

export type Service = 'Microsoft Entra ID' | 'Microsoft Graph' | 'GitHub' | 'Azure Key Vault';

export interface ServiceErrorDetails {
  service: Service;
  /** What was being done, e.g. "adding a client secret to app 'billing' (appId …)". */
  doing: string;
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  /** The service's own message (never carries secret values). */
  detail?: string | undefined;
  /** What to try. */
  hint?: string | undefined;
  /** No answer came after the request was sent: it may or may not have taken effect. */
  outcomeUnknown?: boolean | undefined;
}

/** A failed call to Entra, Graph or GitHub, with everything a user needs to act on it. */
export class ServiceError extends Error {
  readonly details: ServiceErrorDetails;

  constructor(details: ServiceErrorDetails) {
    super(formatServiceError(details));
    this.name = 'ServiceError';
    this.details = details;
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get code(): string | undefined {
    return this.details.code;
  }
}

function formatServiceError(d: ServiceErrorDetails): string {
  const facts = [
    d.status === undefined ? 'no response' : `HTTP ${d.status}`,
    d.code,
    d.requestId === undefined ? undefined : `request id ${d.requestId}`,
  ].filter((f): f is string => f !== undefined && f !== '');
  let text = `${d.service}: failed ${d.doing} (${facts.join(', ')}${d.outcomeUnknown ? '; it may have taken effect all the same' : ''})`;
  if (d.detail) text += `: ${d.detail.trim()}`;
  if (d.hint) text += `\nWhat to try: ${d.hint}`;
  return text;
}

/** Several targets (or steps) failed; each message is kept. */
export class AggregateFailure extends Error {
  readonly failures: readonly Error[];

  constructor(summary: string, failures: readonly Error[]) {
    super(`${summary}\n${failures.map((f) => `  - ${f.message.replace(/\n/g, '\n    ')}`).join('\n')}`);
    this.name = 'AggregateFailure';
    this.failures = failures;
  }
}
