import { DATASOURCE_UID } from './influxql.js';

/** The Grafana folder of the dashboards and of the alert rules. */
export const FOLDER = 'Concurrency';

/** Where Grafana finds the dashboard JSON files: mount or copy `dashboards/*.json` there. */
export const DASHBOARDS_PATH = '/var/lib/grafana/dashboards/concurrency-collector';

/** A reference Grafana replaces with an environment variable when it reads a provisioning file. */
function environment(name: string): string {
  return `\${${name}}`;
}

/**
 * The InfluxDB datasource, in InfluxQL mode, from environment variables that Grafana expands when it reads the
 * file: `INFLUX_URL`, `INFLUX_DB` (the 1.x database, or the DBRP-mapped database of a 2.x bucket, or the 3.x
 * database) and `INFLUX_AUTHORIZATION`, the whole header value: `Token …` for 2.x and 3.x, `Basic …` for a 1.x
 * with authentication, empty for an open 1.x.
 */
export function datasourceProvisioning() {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Concurrency (InfluxDB)',
        uid: DATASOURCE_UID,
        type: 'influxdb',
        access: 'proxy',
        url: environment('INFLUX_URL'),
        editable: false,
        jsonData: {
          version: 'InfluxQL',
          dbName: environment('INFLUX_DB'),
          httpMode: 'GET',
          // The shortest sample interval: Grafana never groups finer than this.
          timeInterval: '10s',
          httpHeaderName1: 'Authorization',
        },
        secureJsonData: {
          httpHeaderValue1: environment('INFLUX_AUTHORIZATION'),
        },
      },
    ],
  };
}

/** The dashboard provider: Grafana loads every JSON file in {@link DASHBOARDS_PATH} into {@link FOLDER}. */
export function dashboardProvisioning() {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'concurrency-collector',
        orgId: 1,
        folder: FOLDER,
        type: 'file',
        disableDeletion: false,
        // Dashboards are code: a change made in the UI would be lost at the next provisioning run.
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: DASHBOARDS_PATH, foldersFromFilesStructure: false },
      },
    ],
  };
}
