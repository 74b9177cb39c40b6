import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';

const DECODERS = {
  gzip: promisify<Buffer, ZlibOptions, Buffer>(gunzip),
  'x-gzip': promisify<Buffer, ZlibOptions, Buffer>(gunzip),
  deflate: inflateEither,
  br: promisify<Buffer, ZlibOptions, Buffer>(brotliDecompress),
} as const;

const inflateAsync = promisify<Buffer, ZlibOptions, Buffer>(inflate);
const inflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(inflateRaw);

/** `deflate` is zlib-wrapped by the standard, raw in some servers' hands: both are read. */
async function inflateEither(body: Buffer, options: ZlibOptions): Promise<Buffer> {
  try {
    return await inflateAsync(body, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw error;
    return inflateRawAsync(body, options);
  }
}

/** Why a body could not be decoded: an encoding we do not read, a corrupt stream, or too much once decoded. */
export class BodyEncodingError extends Error {
  override readonly name = 'BodyEncodingError';
  constructor(
    readonly reason: 'unsupported' | 'corrupt' | 'too_large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Undoes a `Content-Encoding` (gzip, deflate, br, or several, applied in order), whether or not it was asked
 * for. The size limit holds for the decoded body too: a small bomb is refused as soon as it passes `maxBytes`.
 */
export async function decodeBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  let decoded = body;
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding as keyof typeof DECODERS];
    if (!decoder)
      throw new BodyEncodingError('unsupported', `body has Content-Encoding "${coding}", which is not read`);
    try {
      decoded = await decoder(decoded, { maxOutputLength: maxBytes });
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new BodyEncodingError('too_large', `${coding} body exceeds ${maxBytes} bytes once decoded`, {
          cause,
        });
      }
      throw new BodyEncodingError('corrupt', `body is not valid ${coding}`, { cause });
    }
  }
  return decoded;
}
