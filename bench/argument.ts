import { readFileSync } from 'node:fs';

/**
 * The JSON argument of a bench child: inline, or `@file` when it is too large for one argument (Linux allows
 * 128 KiB; the peer's rounds of 500 targets are more).
 */
export function readArgument<T>(argument: string | undefined): T {
  const text = argument?.startsWith('@') ? readFileSync(argument.slice(1), 'utf8') : (argument ?? '{}');
  return JSON.parse(text) as T;
}
