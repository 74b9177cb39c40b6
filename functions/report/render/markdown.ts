import type { Report } from '../model.js';
import { coverageTable, headings, meteredTable, projectTable, type TableData, usageTable } from './format.js';

/** `--format md`: the terminal report's tables as GitHub-flavoured Markdown, for a wiki page or a ticket. */
export function renderMarkdown(report: Report): string {
  const { title, comparison } = headings(report);
  const parts = [`# ${title}`, comparison];
  parts.push('## Usage', markdownTable(usageTable(report.targets)));
  parts.push('## Samples present vs expected', markdownTable(coverageTable(report.targets)));
  const metered = meteredTable(report.targets);
  if (metered) parts.push('## Metered plan and overage', markdownTable(metered));
  const projects = projectTable(report.targets);
  if (projects) {
    parts.push(
      '## Per project (discovered)',
      "Each discovered project's own figures; its target's rows above are the account total.",
      markdownTable(projects),
    );
  }
  return `${parts.join('\n\n')}\n`;
}

function markdownTable(table: TableData): string {
  const row = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  const rule = `|${table.numeric.map((numeric) => (numeric ? ' ---: ' : ' --- ')).join('|')}|`;
  return [row(table.header), rule, ...table.rows.map(row)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
