/** The `outcome` tag of `collector_run`: what became of one sample (see docs/data-contract.md). */
export const OUTCOMES = [
  'ok',
  'auth',
  'not_found',
  'rate_limited',
  'upstream',
  'timeout',
  'bad_response',
  'config',
  'discovery',
] as const;

export type Outcome = (typeof OUTCOMES)[number];
