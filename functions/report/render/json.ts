import type { Report } from '../model.js';

/** `--format json`: one document, an array of per-target objects, each carrying its target's name and period. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report.targets, null, 2)}\n`;
}
