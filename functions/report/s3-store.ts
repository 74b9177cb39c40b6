import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The files of one report, as rendered. */
export interface ReportFiles {
  html: string;
  csv: string;
}

/** Where a report's files went. */
export interface StoredReport {
  bucket: string;
  keys: { html: string; csv: string };
}

/**
 * Object keys of a period's report: one prefix per period, and file names that repeat the period so that a
 * downloaded file still says what it covers (`reports/2026-10/concurrency-report-2026-10.html`).
 */
export function reportKeys(label: string): StoredReport['keys'] {
  const base = `reports/${label}/concurrency-report-${label}`;
  return { html: `${base}.html`, csv: `${base}.csv` };
}

/**
 * Writes the HTML and CSV of a report to S3. A report for the same period replaces the earlier one (a re-run
 * after a failed month is an overwrite, not a second copy). Encryption and retention are the bucket's own
 * settings (default encryption, lifecycle rule), not per object.
 */
export async function storeReport(
  client: S3Client,
  bucket: string,
  label: string,
  files: ReportFiles,
): Promise<StoredReport> {
  const keys = reportKeys(label);
  await Promise.all([
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keys.html,
        Body: files.html,
        ContentType: 'text/html; charset=utf-8',
      }),
    ),
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keys.csv,
        Body: files.csv,
        ContentType: 'text/csv; charset=utf-8',
        ContentDisposition: `attachment; filename="concurrency-report-${label}.csv"`,
      }),
    ),
  ]);
  return { bucket, keys };
}
