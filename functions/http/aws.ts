/**
 * Deadlines of every AWS SDK request (Secrets Manager, S3): the connection must open within 3 s, the answer start
 * within `requestTimeoutMs`, or the socket is destroyed and the attempt fails; at most two attempts. Without them
 * an endpoint that accepts and never answers holds the run (and the process) for as long as it likes.
 */
export function awsClientDeadlines(requestTimeoutMs = 5_000) {
  return {
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
    maxAttempts: 2,
  };
}
