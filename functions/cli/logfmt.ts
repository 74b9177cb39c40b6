import type { RunLog } from '../log/run-log.js';

/** `key=value` pairs, values quoted when they need it: one grep-able line per event, like Telegraf's. */
export function logfmt(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text = String(value);
      return /^[^\s"=]+$/.test(text) ? `${key}=${text}` : `${key}=${JSON.stringify(text)}`;
    })
    .join(' ');
}

/** The CLI's run log: logfmt lines on a stream (stderr, so that stdout stays line protocol in a dry run). */
export function streamLog(out: NodeJS.WritableStream = process.stderr): RunLog {
  const line = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    out.write(`${logfmt({ level, msg: message, ...attributes })}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
