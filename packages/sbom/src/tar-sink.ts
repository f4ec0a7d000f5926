import { Writable } from 'node:stream';
import type { LayerDelta } from './layer-delta.js';
import { LayerScan } from './layer-scan.js';
import type { SbomLimits } from './limits.js';

/**
 * A writable for a layer's plain tar (what the docker-archive writer taps) that scans each chunk as it is
 * written, synchronously: no stream per entry, no queue, so the tap costs the writer almost nothing. It never
 * fails: bytes that are not a tar, or a write torn down, become a problem in the delta.
 */
export function layerTarSink(
  name: string,
  limits: SbomLimits,
): { sink: Writable; result: Promise<LayerDelta> } {
  const scan = new LayerScan(limits);
  let failure: string | undefined;
  let settle!: (delta: LayerDelta) => void;
  const result = new Promise<LayerDelta>((resolve) => {
    settle = resolve;
  });
  const fail = (message: string) => {
    failure ??= message;
    scan.delta.problems.push(`layer ${name} could not be read: ${message}`);
    settle(scan.delta);
  };
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      if (failure === undefined) {
        try {
          scan.push(chunk);
        } catch (error) {
          fail((error as Error).message);
        }
      }
      callback();
    },
    final(callback) {
      if (failure === undefined) {
        try {
          settle(scan.end());
        } catch (error) {
          fail((error as Error).message);
        }
      }
      callback();
    },
    destroy(error, callback) {
      if (failure === undefined && error) fail(error.message);
      else if (failure === undefined && !sink.writableFinished) fail('the layer ended early');
      callback(null);
    },
  });
  return { sink, result };
}
