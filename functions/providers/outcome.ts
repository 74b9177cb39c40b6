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
  /** The run reached the sample after its window had closed (it started late): not polled, not a failure. */
  'missed',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that are not failures of the target: `SamplesFailed` and the CLI's exit code leave them out. */
export function isFailure(outcome: Outcome): boolean {
  return outcome !== 'ok' && outcome !== 'missed';
}
