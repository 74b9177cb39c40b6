import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { NEAR_CAPACITY_PERCENT, QUEUE_THRESHOLD } from './alerts.js';
import {
  ACCOUNT_TOTALS,
  CONCURRENCY_FILTER,
  DASHBOARD_DATASOURCE,
  DATASOURCE_UID,
  DISCOVERED,
  endpointsWith,
  influxql,
  RUN_FILTER,
} from './influxql.js';

/** The dashboard's uid: stable, so that links and bookmarks survive a re-import. */
export const DASHBOARD_UID = 'concurrency-collector';

const FULL = 24;
const HALF = 12;
const THIRD = 8;

/** A tag variable of `concurrency`: multi-valued, with an "All" that matches every value, missing ones too. */
function tagVariable(name: string, label: string, where = ''): dashboard.QueryVariableBuilder {
  const query = `SHOW TAG VALUES FROM "concurrency" WITH KEY = "${name}"${where ? ` WHERE ${where}` : ''}`;
  return (
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .datasource(DASHBOARD_DATASOURCE)
      .query(query)
      .definition(query)
      .multi(true)
      .includeAll(true)
      // `.*` rather than the list of every value: short queries, and points without the tag still match.
      .allValue('.*')
      .current({ text: 'All', value: '$__all' })
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
  );
}

function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Right)
    .calcs(['max', 'lastNotNull']);
}

function tooltip(): common.VizTooltipOptionsBuilder {
  return new common.VizTooltipOptionsBuilder()
    .mode(common.TooltipDisplayMode.Multi)
    .sort(common.SortOrder.Descending);
}

function lines(title: string, description: string): timeseries.PanelBuilder {
  return (
    new timeseries.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(DASHBOARD_DATASOURCE)
      .legend(legend())
      .tooltip(tooltip())
      .lineWidth(1)
      .fillOpacity(5)
      .lineInterpolation(common.LineInterpolation.StepAfter)
      // Null buckets are gaps in collection: show them as gaps, never as a line drawn across.
      .spanNulls(false)
      .min(0)
      .decimals(0)
      .height(9)
  );
}

function thresholds(steps: dashboard.Threshold[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** Thresholds at 90 % and 100 % of capacity, on a panel whose unit is percent of capacity. */
function capacityThresholds(): dashboard.ThresholdsConfigBuilder {
  return thresholds([
    { value: null, color: 'green' },
    { value: NEAR_CAPACITY_PERCENT, color: 'orange' },
    { value: 100, color: 'red' },
  ]);
}

/** A half-width panel of queue lengths, with the queue alert's threshold as a dashed line. */
function queueLines(title: string, description: string): timeseries.PanelBuilder {
  return lines(title, `${description} The dashed line is the alert threshold (${QUEUE_THRESHOLD}).`)
    .span(HALF)
    .unit('short')
    .thresholds(
      thresholds([
        { value: null, color: 'green' },
        { value: QUEUE_THRESHOLD, color: 'red' },
      ]),
    )
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
}

/** The capacity series of a panel drawn dashed red, its 90 % dotted orange. */
function withCapacityLines(panel: timeseries.PanelBuilder): timeseries.PanelBuilder {
  return panel
    .overrideByRegexp('.* capacity$', [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
    ])
    .overrideByRegexp('.* 90 %$', [
      { id: 'custom.lineStyle', value: { fill: 'dot', dash: [0, 10] } },
      { id: 'color', value: { mode: 'fixed', fixedColor: 'orange' } },
    ]);
}

function concurrencyRow(builder: dashboard.DashboardBuilder): void {
  builder.withRow(new dashboard.RowBuilder('Concurrency').id(100));
  builder.withPanel(
    withCapacityLines(
      lines(
        'Live users per target',
        'Highest `live` per interval: sessions, connections or concurrent users; the account total (the sum over ' +
          'its projects at each sample time) for a target that discovers its projects. Dashed: its `capacity`; ' +
          'dotted: 90 % of it.',
      ),
    )
      .id(1)
      .span(FULL)
      .unit('short')
      .withTarget(
        influxql(
          'A',
          `SELECT max("live") AS "live", max("capacity") AS "capacity", max("capacity") * ${NEAR_CAPACITY_PERCENT / 100} AS "90 %" ` +
            `FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter GROUP BY time($__interval), "target" fill(null)`,
        ).alias('$tag_target $col'),
      ),
  );
  builder.withPanel(
    lines(
      'Live users as % of capacity',
      `Highest \`live\` per interval against the target's \`capacity\`, account totals as above. Thresholds at ${NEAR_CAPACITY_PERCENT} % and 100 %; a target without a capacity has no line.`,
    )
      .id(14)
      .span(HALF)
      .unit('percent')
      .thresholds(capacityThresholds())
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.LineAndArea),
      )
      .withTarget(
        influxql(
          'A',
          `SELECT max("live") / max("capacity") * 100 FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter ` +
            'GROUP BY time($__interval), "target" fill(null)',
        ).alias('$tag_target'),
      ),
  );
  builder.withPanel(
    queueLines(
      'Queue per target',
      'Highest `queued` per interval (endpoints with a queue; the account total of a discovering target).',
    )
      .id(2)
      .withTarget(
        influxql(
          'A',
          `SELECT max("queued") FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter ` +
            'GROUP BY time($__interval), "target" fill(null)',
        ).alias('$tag_target'),
      ),
  );
  builder.withPanel(
    new stat.PanelBuilder()
      .id(3)
      .title('Live users now')
      .description(
        'The latest `live` of each target in the selected range (the account total of a discovering one).',
      )
      .datasource(DASHBOARD_DATASOURCE)
      .span(HALF)
      .height(9)
      .unit('short')
      .decimals(0)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.None)
      .textMode(common.BigValueTextMode.ValueAndName)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .withTarget(
        influxql(
          'A',
          `SELECT last("live") FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter GROUP BY "target"`,
        ).alias('$tag_target'),
      ),
  );
  builder.withPanel(
    new stat.PanelBuilder()
      .id(15)
      .title('Headroom now')
      .description(
        '`capacity − live` at the latest sample of each target that has a capacity: users it can still take.',
      )
      .datasource(DASHBOARD_DATASOURCE)
      .span(THIRD)
      .height(6)
      .unit('short')
      .decimals(0)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Background)
      .thresholds(
        thresholds([
          { value: null, color: 'red' },
          { value: 1, color: 'green' },
        ]),
      )
      .textMode(common.BigValueTextMode.ValueAndName)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .withTarget(
        influxql(
          'A',
          `SELECT last("capacity") - last("live") FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter AND "capacity" > 0 GROUP BY "target"`,
        ).alias('$tag_target'),
      ),
  );
  builder.withPanel(
    new stat.PanelBuilder()
      .id(16)
      .title('Month-to-date peak vs capacity')
      .description(
        `The highest \`live\` since the start of the month (UTC) as a percentage of the latest \`capacity\`; thresholds at ${NEAR_CAPACITY_PERCENT} % and 100 %.`,
      )
      .datasource(DASHBOARD_DATASOURCE)
      // This month so far, whatever the dashboard's range.
      .timeFrom('now/M')
      .span(THIRD)
      .height(6)
      .unit('percent')
      .decimals(1)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Background)
      .thresholds(capacityThresholds())
      .textMode(common.BigValueTextMode.ValueAndName)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .withTarget(
        influxql(
          'A',
          `SELECT max("live") / last("capacity") * 100 FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter AND "capacity" > 0 GROUP BY "target"`,
        ).alias('$tag_target'),
      ),
  );
  builder.withPanel(
    new table.PanelBuilder()
      .id(17)
      .title('Age of the latest sample')
      .description('When each target last wrote a `concurrency` point: a stale target stands out here first.')
      .datasource(DASHBOARD_DATASOURCE)
      .span(THIRD)
      .height(6)
      .overrideByName('latest sample', [{ id: 'unit', value: 'dateTimeFromNow' }])
      .withTransformation({
        id: 'organize',
        options: {
          renameByName: { Time: 'latest sample' },
          excludeByName: { last: true },
          indexByName: { target: 0 },
        },
      })
      .withTarget(
        influxql(
          'A',
          `SELECT last("live") FROM "concurrency" WHERE ${CONCURRENCY_FILTER} AND $timeFilter GROUP BY "target"`,
        ).table(),
      ),
  );
  builder.withPanel(
    new table.PanelBuilder()
      .id(4)
      .title('Peak over the selected range')
      .description(
        'Highest `live` per target (the account total of a discovering one), and when it was first reached.',
      )
      .datasource(DASHBOARD_DATASOURCE)
      .span(FULL)
      .height(7)
      .withTransformation({
        id: 'organize',
        options: {
          renameByName: { Time: 'first reached (UTC)', peak: 'peak live users' },
          indexByName: { target: 0 },
        },
      })
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('peak live users').desc(true)])
      .withTarget(
        // A lone selector returns the time of the point it picked; on a tie InfluxDB keeps the earliest.
        influxql(
          'A',
          `SELECT max("live") AS "peak" FROM (${ACCOUNT_TOTALS}) WHERE $timeFilter GROUP BY "target"`,
        ).table(),
      ),
  );
}

/**
 * The projects of targets that discover them (`"projects": "all"`), one series per target and project name. The
 * Concurrency row above groups by target only, which for such a target mixes its projects' points; here each
 * one has its own line and its own peak.
 */
function projectRow(builder: dashboard.DashboardBuilder): void {
  builder.withRow(new dashboard.RowBuilder('Per project (discovered)').id(103));
  const perProject = (field: string) =>
    `SELECT max("${field}") FROM "concurrency" WHERE ${CONCURRENCY_FILTER} AND ${DISCOVERED} AND $timeFilter ` +
    'GROUP BY time($__interval), "target", "project_name" fill(null)';
  builder.withPanel(
    lines(
      'Live users per project',
      'Highest `live` per interval of each project a target discovered, named by `project_name`.',
    )
      .id(11)
      .span(HALF)
      .unit('short')
      .withTarget(influxql('A', perProject('live')).alias('$tag_project_name ($tag_target)')),
  );
  builder.withPanel(
    queueLines('Queue per project', 'Highest `queued` per interval of each discovered project.')
      .id(12)
      .withTarget(influxql('A', perProject('queued')).alias('$tag_project_name ($tag_target)')),
  );
  builder.withPanel(
    new table.PanelBuilder()
      .id(13)
      .title('Peak per project over the selected range')
      .description(
        'Highest `live` of each discovered project, and when it was first reached: which project peaked.',
      )
      .datasource(DASHBOARD_DATASOURCE)
      .span(FULL)
      .height(9)
      .withTransformation({
        id: 'organize',
        options: {
          renameByName: { Time: 'first reached (UTC)', project_name: 'project', peak: 'peak live users' },
          indexByName: { target: 0, project_name: 1 },
        },
      })
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('peak live users').desc(true)])
      .withTarget(
        // As in the peak table above: a lone selector returns the time of the earliest point at the peak.
        influxql(
          'A',
          `SELECT max("live") AS "peak" FROM "concurrency" WHERE ${CONCURRENCY_FILTER} AND ${DISCOVERED} ` +
            'AND $timeFilter GROUP BY "target", "project_name"',
        ).table(),
      ),
  );
}

function planRow(builder: dashboard.DashboardBuilder): void {
  builder.withRow(new dashboard.RowBuilder('Plan').id(101));
  builder.withPanel(
    lines(
      'Live vs plan cap',
      'Concurrent connections against the plan’s cap (`plan_max_connections`), for endpoints that report a plan.',
    )
      .id(5)
      .span(HALF)
      .unit('short')
      .overrideByRegexp('.* plan cap$', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
      ])
      .withTarget(
        influxql(
          'A',
          `SELECT max("live") AS "live", max("plan_max_connections") AS "plan cap" FROM "concurrency" ` +
            `WHERE ${CONCURRENCY_FILTER} AND ${endpointsWith('plan')} AND $timeFilter ` +
            'GROUP BY time($__interval), "target" fill(null)',
        ).alias('$tag_target $col'),
      ),
  );
  builder.withPanel(
    new table.PanelBuilder()
      .id(6)
      .title('Plan usage (latest)')
      .description('The last values in the selected range: plan cap, the period’s peak, overage counters.')
      .datasource(DASHBOARD_DATASOURCE)
      .span(HALF)
      .height(9)
      .withTransformation({
        id: 'organize',
        options: { excludeByName: { Time: true }, indexByName: { target: 0 } },
      })
      .withTarget(
        influxql(
          'A',
          'SELECT last("live") AS "live", last("plan_max_connections") AS "plan cap", ' +
            'last("period_peak") AS "period peak", last("overage_connections") AS "overage connections", ' +
            'last("overage_messages") AS "overage messages" FROM "concurrency" ' +
            `WHERE ${CONCURRENCY_FILTER} AND ${endpointsWith('plan')} AND $timeFilter GROUP BY "target"`,
        ).table(),
      ),
  );
}

function healthRow(builder: dashboard.DashboardBuilder): void {
  builder.withRow(new dashboard.RowBuilder('Collector health').id(102));
  builder.withPanel(
    lines('Collector up', 'Share of samples taken successfully (`collector_run.up`), per target.')
      .id(7)
      .span(THIRD)
      .unit('percent')
      .max(100)
      .withTarget(
        influxql(
          'A',
          `SELECT mean("up") * 100 FROM "collector_run" WHERE ${RUN_FILTER} AND $timeFilter ` +
            'GROUP BY time($__interval), "target" fill(null)',
        ).alias('$tag_target'),
      ),
  );
  builder.withPanel(
    lines('Run outcomes', 'Samples per outcome: ok, auth, not_found, rate_limited, upstream, timeout, …')
      .id(8)
      .span(THIRD)
      .unit('short')
      .drawStyle(common.GraphDrawStyle.Bars)
      .fillOpacity(80)
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      .overrideByName('ok', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }])
      .withTarget(
        influxql(
          'A',
          `SELECT count("up") FROM "collector_run" WHERE ${RUN_FILTER} AND $timeFilter ` +
            'GROUP BY time($__interval), "outcome" fill(none)',
        ).alias('$tag_outcome'),
      ),
  );
  builder.withPanel(
    lines('Sample duration', 'Time one sample took, retries included: mean and max per interval.')
      .id(9)
      .span(THIRD)
      .unit('ms')
      .withTarget(
        influxql(
          'A',
          'SELECT mean("duration_ms") AS "mean", max("duration_ms") AS "max" FROM "collector_run" ' +
            `WHERE ${RUN_FILTER} AND $timeFilter GROUP BY time($__interval), "target" fill(null)`,
        ).alias('$tag_target $col'),
      ),
  );
  builder.withPanel(
    new table.PanelBuilder()
      .id(10)
      .title('Failed samples by target and outcome')
      .description('Every outcome but ok in the selected range, with the last HTTP status and error.')
      .datasource(DASHBOARD_DATASOURCE)
      .span(FULL)
      .height(7)
      .withTransformation({ id: 'organize', options: { excludeByName: { Time: true } } })
      .withTarget(
        influxql(
          'A',
          'SELECT count("up") AS "samples", last("http_status") AS "last HTTP status", last("error") AS "last error" ' +
            `FROM "collector_run" WHERE ${RUN_FILTER} AND "outcome" != 'ok' AND $timeFilter GROUP BY "target", "outcome"`,
        ).table(),
      ),
  );
}

/**
 * Failed and missed samples as annotations on every panel, from `collector_run`: a dip in a line next to one
 * reads as a gap in collection, not as users leaving.
 */
function annotations(builder: dashboard.DashboardBuilder): void {
  const annotation = (name: string, color: string, condition: string) =>
    new dashboard.AnnotationQueryBuilder()
      .name(name)
      .datasource(DASHBOARD_DATASOURCE)
      .enable(true)
      .iconColor(color)
      .target(
        influxql(
          'A',
          // `up` too: InfluxDB leaves out a row whose selected fields are all empty, and a missed sample has no error.
          `SELECT "up", "error", "outcome"::tag, "target"::tag FROM "collector_run" WHERE ${RUN_FILTER} AND ${condition} AND $timeFilter`,
        ).table(),
      )
      .textFormat('{{outcome}}: {{error}}')
      .tagKeys('target,outcome');
  builder.annotation(annotation('Failed samples', 'red', `"outcome" != 'ok' AND "outcome" != 'missed'`));
  builder.annotation(annotation('Missed samples', 'orange', `"outcome" = 'missed'`));
}

/**
 * The concurrency dashboard: live users against capacity, queues, the same per discovered project, plans, and
 * the collector's own health, with failed and missed samples annotated.
 */
export function concurrencyDashboard(): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder('Live concurrency')
    .uid(DASHBOARD_UID)
    .description('Live users against capacity, queues and plan caps, as the collector wrote them.')
    .tags(['concurrency', 'influxdb'])
    .timezone('utc')
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource')
        .label('InfluxDB')
        .type('influxdb')
        .current({ text: 'Concurrency (InfluxDB)', value: DATASOURCE_UID }),
    )
    .withVariable(tagVariable('provider', 'Provider'))
    .withVariable(tagVariable('target', 'Target', '"provider" =~ /^$provider$/'))
    .withVariable(
      tagVariable('project', 'Project', '"provider" =~ /^$provider$/ AND "target" =~ /^$target$/'),
    )
    // Discovered projects by name (ids are opaque): offers only the names of the targets picked.
    .withVariable(
      tagVariable('project_name', 'Project name', '"provider" =~ /^$provider$/ AND "target" =~ /^$target$/'),
    );
  annotations(builder);
  concurrencyRow(builder);
  projectRow(builder);
  planRow(builder);
  healthRow(builder);
  return builder.build();
}
