import type { Report } from '../model.js';
import { headings, reportTables, type TableData } from './format.js';

/**
 * The default `--format table`: aligned columns for a terminal, one block per kind of figure; the discovered
 * projects, when a target has any, in a block of their own after the targets' (which stay the account totals).
 */
export function renderTable(report: Report): string {
  const { title, comparison } = headings(report);
  const blocks = [`${title}\n${comparison}`];
  if (report.targets.length === 0) return `${blocks[0]}\n\nNo targets.\n`;
  const { usage, capacity, verdicts, coverage, plan, projects } = reportTables(report);
  blocks.push(aligned(usage), `Capacity\n${aligned(capacity)}\n\n${verdicts.join('\n')}`, aligned(coverage));
  if (plan) blocks.push(aligned(plan));
  if (projects) blocks.push(`Per project (discovered)\n${aligned(projects)}`);
  return `${blocks.join('\n\n')}\n`;
}

/** Columns padded to their widest cell (numbers to the right), each line starting with `indent`. */
export function aligned(table: TableData, indent = ''): string {
  const widths = table.header.map((title, column) =>
    Math.max(title.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] as number;
        return table.numeric[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .replace(/^/, indent)
      .trimEnd();
  return [line(table.header), ...table.rows.map(line)].join('\n');
}
