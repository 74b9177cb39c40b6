import type { Report } from '../model.js';
import { headings, reportTables, type TableData } from './format.js';

/** `--format md`: the terminal report's tables as GitHub-flavoured Markdown, for a wiki page or a ticket. */
export function renderMarkdown(report: Report): string {
  const { title, comparison } = headings(report);
  const { usage, capacity, verdicts, coverage, plan, projects } = reportTables(report);
  const parts = [`# ${title}`, comparison];
  parts.push('## Usage', markdownTable(usage));
  parts.push(
    '## Capacity and verdict',
    markdownTable(capacity),
    verdicts.map((line) => `- ${line}`).join('\n'),
  );
  parts.push(
    '## Samples present vs expected',
    `Coverage below ${report.coverageWarnPercent} % is marked !.`,
    markdownTable(coverage),
  );
  if (plan) parts.push('## Plan and overage', markdownTable(plan));
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
