import type { RestRequest, RestResult } from '../../types.js';
import { failure } from './envelope.js';

/** A query parameter that is not what the route takes: the 400 naming it, in this dialect's envelope. */
export class ParamProblem {
  constructor(readonly answer: RestResult) {}
}

const bad = (message: string) => new ParamProblem(failure('bad_request', message));

/** `?name=` as a whole number (absent: null). */
export function intParam(request: RestRequest, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  const raw = request.query.get(name);
  if (raw === null) return null;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw bad(`${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  }
  return Number(raw);
}

/** `?name=` as one of `values` (absent: null). */
export function oneOfParam<T extends string>(request: RestRequest, name: string, values: readonly T[]): T | null {
  const raw = request.query.get(name);
  if (raw === null) return null;
  if (!(values as readonly string[]).includes(raw)) throw bad(`${name} must be one of ${values.join(', ')}`);
  return raw as T;
}

const windows = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;

/** `?since=1h|24h|7d|30d` as the instant that long ago (absent: null). */
export function sinceParam(request: RestRequest, now = Date.now()): string | null {
  const window = oneOfParam(request, 'since', Object.keys(windows) as (keyof typeof windows)[]);
  return window ? new Date(now - windows[window]).toISOString() : null;
}

/** Runs `variables`, answering a ParamProblem's 400 instead of executing. */
export function withParams<V>(variables: () => V): V | { answer: RestResult } {
  try {
    return variables();
  } catch (problem) {
    if (problem instanceof ParamProblem) return { answer: problem.answer };
    throw problem;
  }
}
