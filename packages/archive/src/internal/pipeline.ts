import { pipeline } from 'node:stream/promises';

/** A stage of {@link pipe}: a stream, or an async function consuming the stream before it. */
export type Stage =
  | NodeJS.ReadableStream
  | NodeJS.WritableStream
  | NodeJS.ReadWriteStream
  | ((source: AsyncIterable<Buffer>) => Promise<void> | AsyncIterable<Buffer>);

/** `stream/promises.pipeline` over a list of stages built at run time (its typings want fixed arities). */
export function pipe(stages: readonly Stage[], signal?: AbortSignal): Promise<void> {
  return (
    pipeline as unknown as (streams: readonly Stage[], options: { signal?: AbortSignal }) => Promise<void>
  )(stages, signal ? { signal } : {});
}
