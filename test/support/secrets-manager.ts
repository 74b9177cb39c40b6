import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../devtools/ports.js';

/** A loopback AWS Secrets Manager that the real SDK v3 client can talk to. */
export interface SecretsManagerStandIn {
  /** Endpoint for `SecretsManagerClient({ endpoint })` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  url: string;
  /** Creates or replaces a secret (objects are stored JSON-stringified); a new version each time. */
  set(name: string, secretString: string | object): void;
  /** Deletes a secret: later reads get `ResourceNotFoundException`. */
  remove(name: string): void;
  /** Every call received, in order (`target` without the `secretsmanager.` prefix). */
  calls: Array<{ target: string; secretId: string }>;
  close(): Promise<void>;
}

interface StoredSecret {
  arn: string;
  name: string;
  secretString: string;
  versionId: string;
  /** Epoch seconds, as the JSON protocol encodes timestamps. */
  createdDate: number;
}

/** A Secrets Manager error reply: HTTP status, the `__type` name the SDK turns into `error.name`, and a message. */
class ApiError {
  readonly status: number;
  readonly type: string;
  readonly message: string;

  constructor(status: number, type: string, message: string) {
    this.status = status;
    this.type = type;
    this.message = message;
  }
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const AMZ_JSON = 'application/x-amz-json-1.1';

/**
 * Starts a loopback stand-in for AWS Secrets Manager speaking its JSON 1.1 wire protocol
 * (`POST /` with `X-Amz-Target: secretsmanager.<Operation>`). Supports `GetSecretValue` and `DescribeSecret`;
 * a secret can be addressed by name or ARN. Credentials and signatures are not checked.
 */
export async function startSecretsManager(
  initial: Record<string, string | object> = {},
): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, StoredSecret>();
  const calls: Array<{ target: string; secretId: string }> = [];
  const set = (name: string, value: string | object): void => {
    secrets.set(name, storedSecret(name, value));
  };
  for (const [name, value] of Object.entries(initial)) set(name, value);

  const server = createServer((req, res) => {
    void readJson(req)
      .then((body) => {
        const target = (headerValue(req, 'x-amz-target') ?? '').replace(/^secretsmanager\./, '');
        const secretId = typeof body?.SecretId === 'string' ? body.SecretId : '';
        calls.push({ target, secretId });
        const secret = findSecret(secrets, secretId);
        const result = req.method === 'POST' ? operation(target, secretId, secret) : methodNotAllowed();
        reply(res, result);
      })
      .catch(() => reply(res, new ApiError(400, 'SerializationException', 'Malformed JSON body')));
  });

  const url = await listenOnLoopback(server);

  return {
    url,
    set,
    remove(name) {
      secrets.delete(name);
    },
    calls,
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
}

function storedSecret(name: string, value: string | object): StoredSecret {
  // Real ARNs end in a dash and six random characters.
  const suffix = randomBytes(3).toString('hex');
  return {
    arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`,
    name,
    secretString: typeof value === 'string' ? value : JSON.stringify(value),
    versionId: randomUUID(),
    createdDate: Date.now() / 1000,
  };
}

function findSecret(secrets: Map<string, StoredSecret>, secretId: string): StoredSecret | undefined {
  return secrets.get(secretId) ?? [...secrets.values()].find((secret) => secret.arn === secretId);
}

function operation(target: string, secretId: string, secret: StoredSecret | undefined): object | ApiError {
  if (target !== 'GetSecretValue' && target !== 'DescribeSecret') {
    return new ApiError(400, 'UnknownOperationException', `Unsupported operation ${target}`);
  }
  if (secretId === '') {
    return new ApiError(400, 'InvalidParameterException', 'You must provide a SecretId.');
  }
  if (secret === undefined) {
    return new ApiError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }
  return target === 'GetSecretValue' ? secretValue(secret) : description(secret);
}

function secretValue(secret: StoredSecret): object {
  return {
    ARN: secret.arn,
    Name: secret.name,
    SecretString: secret.secretString,
    VersionId: secret.versionId,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: secret.createdDate,
  };
}

function description(secret: StoredSecret): object {
  return {
    ARN: secret.arn,
    Name: secret.name,
    CreatedDate: secret.createdDate,
    LastChangedDate: secret.createdDate,
    VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
  };
}

function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowedException', 'Only POST / is supported');
}

function reply(res: ServerResponse, result: object | ApiError): void {
  const headers: Record<string, string> = { 'Content-Type': AMZ_JSON, 'x-amzn-RequestId': randomUUID() };
  if (!(result instanceof ApiError)) {
    res.writeHead(200, headers).end(JSON.stringify(result));
    return;
  }
  // The SDK reads the error name from either the header or `__type`; real AWS sends both.
  headers['x-amzn-errortype'] = result.type;
  res.writeHead(result.status, headers).end(JSON.stringify({ __type: result.type, message: result.message }));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
