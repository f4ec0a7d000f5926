import type { Descriptor } from '@isar/oci-spec';
import { RegistryError } from '../errors/registry-error.js';
import { errorFromResponse } from '../errors/response-error.js';
import { discardBody } from '../http/body.js';
import { type HttpResponse, header } from '../http/types.js';

/**
 * Checks the answer to a blob GET that asked for the bytes from `position` on, and returns how many leading bytes
 * of its body to skip. `206` must carry a `Content-Range` starting exactly at `position` (skip 0); a `200` means
 * the server ignored `Range` (some CDNs do) and sends the whole blob again, so the first `position` bytes are
 * skipped. `416` means the server has fewer bytes than the descriptor says.
 */
export async function acceptRangeResponse(
  response: HttpResponse,
  position: number,
  descriptor: Descriptor,
): Promise<number> {
  const { method, url } = response.request;
  const what = `blob ${descriptor.digest}`;
  if (response.status === 200) return position;
  if (response.status === 206) {
    const range = header(response.headers, 'content-range') ?? '';
    const match = range.match(/^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i);
    const start = match ? Number(match[1]) : Number.NaN;
    const total = match?.[3] === '*' ? undefined : Number(match?.[3]);
    if (!match || start !== position || (total !== undefined && total !== descriptor.size)) {
      await discardBody(response);
      throw new RegistryError(
        'PROTOCOL',
        `${what}: asked for bytes ${position}- but got Content-Range "${range}"`,
        { method, url, status: 206, retryable: false },
      );
    }
    return 0;
  }
  if (response.status === 416) {
    await discardBody(response);
    throw new RegistryError('SIZE_MISMATCH', `${what}: registry has no bytes from ${position} on (416)`, {
      method,
      url,
      status: 416,
      retryable: false,
    });
  }
  throw await errorFromResponse(response, what);
}
