/** Structured log lines; Powertools' Logger fits, and so does the CLI's stderr printer. */
export interface RunLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
