/**
 * The baseline: the polling pattern of the provider pages' own examples (Streampixel's liveStats and userStats
 * pages, Metered's usage page), scaled to many targets the way one would at first: one target after another,
 * each reading parsed and written to InfluxDB as its own request. It is deliberately simple but not handicapped:
 * it reuses connections (Node's `fetch` keeps them alive) and writes raw line protocol, the cheapest write.
 */

export interface NaiveTarget {
  name: string;
  projectId: string;
}

export interface NaivePollerOptions {
  /** Base URL of the Streampixel API (the simulator, here). */
  baseUrl: string;
  userId: string;
  /** InfluxDB 1.x base URL and database. */
  influxUrl: string;
  database: string;
  /** The points' timestamp, in whole seconds. */
  atSeconds: number;
}

/** Polls every target in turn, one write per point; returns how many failed (it keeps going, as the pages advise). */
export async function naivePoll(
  targets: readonly NaiveTarget[],
  options: NaivePollerOptions,
): Promise<number> {
  const writeUrl = `${options.influxUrl}/write?${new URLSearchParams({ db: options.database, precision: 's' })}`;
  let failed = 0;
  for (const target of targets) {
    try {
      const statsUrl = new URL(
        `/pixelStripeApi/projects/liveStats/${encodeURIComponent(target.projectId)}`,
        options.baseUrl,
      );
      statsUrl.searchParams.set('userId', options.userId);
      const response = await fetch(statsUrl);
      if (!response.ok) throw new Error(`stats failed: ${response.status}`);
      const { liveUser, queueUser } = (await response.json()) as { liveUser: number; queueUser: number };
      const line = `concurrency,target=${target.name} live=${liveUser}i,queued=${queueUser}i ${options.atSeconds}`;
      const written = await fetch(writeUrl, { method: 'POST', body: line });
      await written.arrayBuffer();
      if (written.status !== 204) throw new Error(`write failed: ${written.status}`);
    } catch {
      failed++;
    }
  }
  return failed;
}
