/** Names the handlers log and publish under, shared with the stack's alarms (`infra/`). */
export const SERVICE_NAME = 'concurrency-collector';

/** The CloudWatch namespace of the collector's EMF metrics. */
export const METRICS_NAMESPACE = 'ConcurrencyCollector';

/**
 * The EMF metrics one collector run publishes, each with dimension `service`: counts, but `StartDelay` (ms from
 * the scheduled time to the handler's start) and `SpillAge` (seconds since the scheduled time of the oldest batch
 * waiting in the spill; 0 when none waits).
 */
export const METRIC = {
  samplesTaken: 'SamplesTaken',
  samplesFailed: 'SamplesFailed',
  samplesMissed: 'SamplesMissed',
  startDelay: 'StartDelay',
  spillAge: 'SpillAge',
  pointsWritten: 'PointsWritten',
  pointsSpilled: 'PointsSpilled',
  pointsRejected: 'PointsRejected',
  pointsLost: 'PointsLost',
  pointsReplayed: 'PointsReplayed',
} as const;
