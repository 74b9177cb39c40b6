/** Names the handlers log and publish under, shared with the stack's alarms (`infra/`). */
export const SERVICE_NAME = 'concurrency-collector';

/** The CloudWatch namespace of the collector's EMF metrics. */
export const METRICS_NAMESPACE = 'ConcurrencyCollector';

/** The EMF metrics one collector run publishes (unit: count), each with dimension `service`. */
export const METRIC = {
  samplesTaken: 'SamplesTaken',
  samplesFailed: 'SamplesFailed',
  pointsWritten: 'PointsWritten',
  pointsSpilled: 'PointsSpilled',
  pointsRejected: 'PointsRejected',
  pointsLost: 'PointsLost',
  pointsReplayed: 'PointsReplayed',
} as const;
