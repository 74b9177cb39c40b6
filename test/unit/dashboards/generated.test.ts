import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alertProvisioning } from '../../../dashboards/src/alerts.js';
import { generatedFiles } from '../../../dashboards/src/index.js';
import { DATASOURCE_UID } from '../../../dashboards/src/influxql.js';
import { FOLDER } from '../../../dashboards/src/provisioning.js';
import { toYaml } from '../../../dashboards/src/yaml.js';

const committed = (path: string) =>
  readFileSync(new URL(`../../../dashboards/${path}`, import.meta.url), 'utf8');

describe('the committed dashboards and provisioning files', () => {
  const files = generatedFiles();

  it.each(Object.keys(files))(
    'dashboards/%s is exactly what dashboards/src generates (npm run dashboards)',
    (path) => {
      expect(committed(path)).toBe(files[path]);
    },
  );

  it('the alerting file carries the rule object the query tests run', () => {
    expect(committed('provisioning/alerting.yaml')).toContain(toYaml(alertProvisioning(FOLDER)));
  });
});

/** Grafana's variable reference to the datasource picked on the dashboard. */
const PICKED = { type: 'influxdb', uid: `\${datasource}` };

describe('the dashboard', () => {
  const dashboard = JSON.parse(generatedFiles()['concurrency.json'] as string);
  const panels = dashboard.panels.filter((panel: { type: string }) => panel.type !== 'row');

  it('every panel queries the picked InfluxDB with raw InfluxQL, and panel ids are unique', () => {
    const ids = dashboard.panels.map((panel: { id: number }) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.datasource).toEqual(PICKED);
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect(target).toMatchObject({ rawQuery: true, datasource: PICKED });
        // Flux is gone from InfluxDB 3: InfluxQL only, and the time filter Grafana fills in.
        expect(target.query).toMatch(/^SELECT .* FROM "(concurrency|collector_run)" WHERE .*\$timeFilter/);
      }
    }
  });

  it('has provider, target, project and project name variables, multi-valued, with All as .*', () => {
    const variables = dashboard.templating.list;
    expect(variables.map((variable: { name: string }) => variable.name)).toEqual([
      'datasource',
      'provider',
      'target',
      'project',
      'project_name',
    ]);
    // Project names are those of the targets picked.
    expect(variables[4].query).toBe(
      'SHOW TAG VALUES FROM "concurrency" WITH KEY = "project_name" WHERE "provider" =~ /^$provider$/ AND "target" =~ /^$target$/',
    );
    expect(variables[0]).toMatchObject({
      type: 'datasource',
      query: 'influxdb',
      current: { value: DATASOURCE_UID },
    });
    for (const variable of variables.slice(1)) {
      expect(variable).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*' });
    }
  });
});

describe('the per-project row', () => {
  const dashboard = JSON.parse(generatedFiles()['concurrency.json'] as string);
  const rowIndex = dashboard.panels.findIndex(
    (panel: { type: string; title: string }) =>
      panel.type === 'row' && panel.title === 'Per project (discovered)',
  );
  const next = dashboard.panels.findIndex(
    (panel: { type: string }, index: number) => index > rowIndex && panel.type === 'row',
  );
  const panels = dashboard.panels.slice(rowIndex + 1, next);

  it('comes right after the Concurrency row, with live, queue and peak grouped by target and project name', () => {
    expect(dashboard.panels[0]).toMatchObject({ type: 'row', title: 'Concurrency' });
    expect(rowIndex).toBeGreaterThan(0);
    expect(panels.map((panel: { title: string; type: string }) => [panel.title, panel.type])).toEqual([
      ['Live users per project', 'timeseries'],
      ['Queue per project', 'timeseries'],
      ['Peak per project over the selected range', 'table'],
    ]);
    for (const panel of panels) {
      const [target] = panel.targets;
      expect(target.query).toContain(`"project_name" != ''`);
      expect(target.query).toMatch(/GROUP BY (time\(\$__interval\), )?"target", "project_name"/);
    }
    expect(panels[0].targets[0].alias).toBe('$tag_project_name ($tag_target)');
    expect(panels[2].targets[0].resultFormat).toBe('table');
  });

  it('every concurrency query honours the project name variable', () => {
    const all = dashboard.panels.filter((panel: { type: string }) => panel.type !== 'row');
    for (const panel of all) {
      for (const target of panel.targets) {
        if (target.query.includes('FROM "concurrency"')) {
          expect(target.query).toContain('"project_name" =~ /^$project_name$/');
        }
      }
    }
  });
});

describe('toYaml', () => {
  it('quotes every string, so that none turns into a number, a boolean or a comment', () => {
    expect(
      toYaml({ a: 'yes', b: '010', c: '# x', d: 'it: "q"', e: 1, f: true, g: null, h: [], i: {} }, 'head'),
    ).toBe(`# head\na: "yes"\nb: "010"\nc: "# x"\nd: 'it: "q"'\ne: 1\nf: true\ng: null\nh: []\ni: {}\n`);
  });

  it("picks single quotes when they need fewer escapes, as Biome's formatter does, but never for escapes", () => {
    expect(toYaml({ q: `"a" = "b" or 'c'`, r: `"a"\n`, s: `'a' = "b"` })).toBe(
      `q: '"a" = "b" or ''c'''\nr: "\\"a\\"\\n"\ns: "'a' = \\"b\\""\n`,
    );
  });

  it('writes sequences of mappings in block style', () => {
    expect(toYaml({ list: [{ a: 1, b: { c: 'x' } }, 'y'] })).toBe(
      'list:\n  - a: 1\n    b:\n      c: "x"\n  - "y"\n',
    );
  });
});
