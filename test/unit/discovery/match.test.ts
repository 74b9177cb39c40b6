import { describe, expect, it } from 'vitest';
import { selectProjects } from '../../../functions/discovery/match.js';
import type { ListedProject } from '../../../functions/providers/types.js';

const project = (name: string, active = true): ListedProject => ({ id: `id-${name}`, name, active });
const listing = [
  project('eu-001'),
  project('eu-002'),
  project('EU-003'),
  project('us-001'),
  project('eu-old', false),
];
const names = (projects: ListedProject[]) => projects.map((p) => p.name);

describe('selectProjects', () => {
  it('"all" polls every active project and sets the inactive aside', () => {
    const selection = selectProjects(listing, { projects: 'all', includeInactive: false });
    expect(names(selection.polled)).toEqual(['eu-001', 'eu-002', 'EU-003', 'us-001']);
    expect(names(selection.inactive)).toEqual(['eu-old']);
  });

  it('matches shell-style globs case-sensitively, then applies exclude', () => {
    const selection = selectProjects(listing, {
      projects: ['eu-*'],
      exclude: ['eu-00[2-9]'],
      includeInactive: false,
    });
    expect(names(selection.polled)).toEqual(['eu-001']);
    expect(names(selection.excluded)).toEqual(['eu-002']);
    expect(names(selection.inactive)).toEqual(['eu-old']);
  });

  it('polls inactive projects when includeInactive is set', () => {
    const selection = selectProjects(listing, { projects: ['eu-?l*', 'us-*'], includeInactive: true });
    expect(names(selection.polled)).toEqual(['us-001', 'eu-old']);
  });

  it('a name starting with a dot is a name like any other', () => {
    expect(
      names(
        selectProjects([project('.hidden')], { projects: '*'.split(','), includeInactive: false }).polled,
      ),
    ).toEqual(['.hidden']);
  });
});
