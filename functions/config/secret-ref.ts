import * as z from 'zod';

/** A full secret ARN: region, account, and the name with the six characters Secrets Manager appends. */
const SECRET_ARN =
  /^arn:aws(?:-cn|-us-gov)?:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
/** The characters Secrets Manager allows in a secret name. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;

/** Whether a secret reference is a full ARN (granted exactly as given) rather than a name. */
export function isSecretArn(reference: string): boolean {
  return reference.startsWith('arn:');
}

/**
 * A reference to a Secrets Manager secret: its name (the stack grants `name-??????`, the suffix Secrets Manager
 * appends) or its full ARN (granted exactly). Anything else would fail at deploy or run time, so it fails here,
 * with the path of the key.
 */
export const secretReferenceSchema = z
  .string()
  .min(1)
  .max(512, { message: 'a secret name has at most 512 characters' })
  .refine(
    (reference) => (isSecretArn(reference) ? SECRET_ARN.test(reference) : SECRET_NAME.test(reference)),
    {
      message:
        'expected a Secrets Manager secret name (letters, digits and /_+=.@-, no spaces) or a full secret ARN ' +
        '(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
    },
  );

/** A customer-managed KMS key, by ARN. */
export const kmsKeyArnSchema = z
  .string()
  .regex(/^arn:aws(?:-cn|-us-gov)?:kms:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/, {
    message: 'expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)',
  });
