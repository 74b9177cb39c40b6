/** Where secret strings come from: Secrets Manager in AWS, a JSON file at a desk. */
export interface SecretSource {
  /**
   * The `SecretString` of a secret. `fresh` bypasses any cache, for a key that may just have been rotated.
   * Throws `SecretError` when the secret cannot be had.
   */
  get(name: string, options?: { fresh?: boolean }): Promise<string>;
}

/** A secret that cannot be read or used. The message names the secret and the key, never a value. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(
    readonly secretName: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`secret "${secretName}": ${reason}`, options);
  }
}
