// Transitional: functions/report/ is being rewritten in parallel (issue 13) and still imports this path. The
// integrator points report/query.ts at ../secrets/run-secrets.js after merging and deletes this file.
export { RunSecrets } from '../secrets/run-secrets.js';
