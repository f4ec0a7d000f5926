import { once } from 'node:events';
import { Transform, type TransformCallback } from 'node:stream';

/** A layer as a {@link LayerTap} is told about it. */
export interface TappedLayer {
  /** Position in the manifest's layers (first occurrence of a repeated layer). */
  index: number;
  digest: string;
  diffId: string;
}

/**
 * A sink for each layer's uncompressed tar as the docker-archive writer writes it, so that a consumer (an SBOM
 * scanner) sees the bytes without a second read. Called again for a layer when the writer starts over.
 */
export type LayerTap = (layer: TappedLayer) => NodeJS.WritableStream | undefined;

/**
 * A pass-through stage that also feeds `sink`, honouring its back-pressure (a slow sink slows the write, it
 * never makes the tap buffer a layer). The sink is ended with the layer; an error of the sink is its own
 * business: the archive write goes on, with the sink detached.
 */
export function tapStage(sink: NodeJS.WritableStream): Transform {
  let detached = false;
  (sink as unknown as NodeJS.EventEmitter).on('error', () => {
    detached = true;
  });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (detached || sink.write(chunk)) {
        callback(null, chunk);
        return;
      }
      once(sink as unknown as NodeJS.EventEmitter, 'drain').then(
        () => callback(null, chunk),
        () => callback(null, chunk),
      );
    },
    flush(callback: TransformCallback) {
      if (!detached) sink.end();
      callback();
    },
    destroy(error, callback) {
      // A failed or aborted write: the sink learns the layer will not end normally.
      if (!detached && error) (sink as unknown as { destroy?: (e?: Error) => void }).destroy?.(error);
      callback(error);
    },
  });
}
