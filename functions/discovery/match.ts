import picomatch from 'picomatch';
import type { ListedProject } from '../providers/types.js';

/** Which of an account's projects a discovering target polls. */
export interface ProjectRule {
  /** `all`, or shell-style globs matched case-sensitively against project names. */
  projects: 'all' | string[];
  /** Globs of names left out, applied after `projects`. */
  exclude?: string[];
  /** Inactive projects always count 0: skipped unless asked for. */
  includeInactive: boolean;
}

export interface ProjectSelection {
  polled: ListedProject[];
  /** Matched but inactive, so not polled. */
  inactive: ListedProject[];
  /** Matched by `projects`, then left out by `exclude`. */
  excluded: ListedProject[];
}

function matcher(globs: readonly string[]): (name: string) => boolean {
  // `dot: true`: a name starting with "." is still a name, not a hidden file.
  const tests = globs.map((glob) => picomatch(glob, { dot: true }));
  return (name) => tests.some((test) => test(name));
}

/** Applies a target's rule to a listing; the order of the listing is kept. */
export function selectProjects(listed: readonly ListedProject[], rule: ProjectRule): ProjectSelection {
  const included = rule.projects === 'all' ? () => true : matcher(rule.projects);
  const excludedBy = matcher(rule.exclude ?? []);
  const selection: ProjectSelection = { polled: [], inactive: [], excluded: [] };
  for (const project of listed) {
    if (!included(project.name)) continue;
    if (excludedBy(project.name)) selection.excluded.push(project);
    else if (!project.active && !rule.includeInactive) selection.inactive.push(project);
    else selection.polled.push(project);
  }
  return selection;
}
