import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, registerSecret } from './redact.js';
import { RegistryError } from './registry-error.js';

describe('redaction', () => {
  it('masks credentials in URLs, headers and JSON', () => {
    expect(redactUrl('https://user:hunter22@reg.example/v2/?token=abc&x=1')).toBe(
      'https://***@reg.example/v2/?token=***&x=1',
    );
    expect(redactUrl('https://s3.example/b?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA')).toBe(
      'https://s3.example/b?X-Amz-Signature=***&X-Amz-Credential=***',
    );
    expect(redactText('Authorization: Bearer eyJhbGciOi.abc.def')).toBe('Authorization: Bearer ***');
    expect(redactText('{"token":"t0k","access_token":"a","other":"keep"}')).toBe(
      '{"token":"***","access_token":"***","other":"keep"}',
    );
  });

  it('masks registered secrets anywhere, and their base64 user:pass form', () => {
    registerSecret('alice:Correct-Horse-9');
    registerSecret('Correct-Horse-9');
    expect(redactText('helper said Correct-Horse-9 oops')).toBe('helper said *** oops');
    const b64 = Buffer.from('alice:Correct-Horse-9').toString('base64');
    expect(redactText(`saw ${b64}`)).toBe('saw ***');
  });

  it('redacts the whole cause chain of a RegistryError and keeps codes', () => {
    registerSecret('Secret-In-Cause-77');
    const inner = Object.assign(new Error('connect to https://bob:Secret-In-Cause-77@h/ failed'), {
      code: 'ECONNRESET',
      headers: { authorization: 'Basic Secret-In-Cause-77' },
    });
    const outer = new Error('wrapped Secret-In-Cause-77', { cause: inner });
    const error = new RegistryError('NETWORK', 'boom Secret-In-Cause-77', {
      method: 'GET',
      url: 'https://bob:Secret-In-Cause-77@h/v2/',
      cause: outer,
    });
    const everything = `${inspect(error, { depth: 20 })}${error.stack}${JSON.stringify(error)}`;
    expect(everything).not.toContain('Secret-In-Cause-77');
    expect(error.message).toBe('[GET] https://***@h/v2/: boom ***');
    const cause = error.cause as Error & { cause: Error & { code: string } };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.cause.code).toBe('ECONNRESET');
    expect(error.retryable).toBe(true);
  });
});
