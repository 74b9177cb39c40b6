// Transitional: functions/report/ is being rewritten in parallel (issue 13) and still imports this path. The
// integrator points report/build.ts at ../providers/discovering.js after merging and deletes this file.
export { isDiscovering, projectsOf } from '../providers/discovering.js';
