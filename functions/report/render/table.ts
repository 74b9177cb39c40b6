import type { Report } from '../model.js';
import {
  capacityTable,
  coverageTable,
  headings,
  planTable,
  projectTable,
  type TableData,
  usageTable,
  verdictLines,
} from './format.js';

/**
 * The default `--format table`: aligned columns for a terminal, one block per kind of figure; the discovered
 * projects, when a target has any, in a block of their own after the targets' (which stay the account totals).
 */
export function renderTable(report: Report): string {
  const { title, comparison } = headings(report);
  const blocks = [`${title}\n${comparison}`];
  if (report.targets.length === 0) return `${blocks[0]}\n\nNo targets.\n`;
  blocks.push(
    aligned(usageTable(report.targets)),
    `Capacity\n${aligned(capacityTable(report.targets))}\n\n${verdictLines(report.targets).join('\n')}`,
    aligned(coverageTable(report.targets)),
  );
  const plan = planTable(report.targets);
  if (plan) blocks.push(aligned(plan));
  const projects = projectTable(report.targets);
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
