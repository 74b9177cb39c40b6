import type { Report } from '../model.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderTable } from './table.js';

/** The `--format` values (docs/cli.md). */
export const FORMATS = ['table', 'json', 'csv', 'md', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** The report in one format, as the text to print or store. */
export async function renderReport(report: Report, format: Format): Promise<string> {
  switch (format) {
    case 'table':
      return renderTable(report);
    case 'json':
      return renderJson(report);
    case 'csv':
      return renderCsv(report);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
  }
}
