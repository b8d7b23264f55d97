/**
 * Cuts a byte stream into protocol messages (type byte, then a length counting itself). Written
 * here because pg-gateway's MessageBuffer reads lengths from the chunk's underlying ArrayBuffer
 * without its byteOffset, which is wrong for the pooled slices Node hands out.
 */
export class ProtocolFramer {
  private held: Buffer = Buffer.alloc(0);
  /** Bytes still to pass of a message not read (a DataRow, CopyData): never buffered. */
  private skipping = 0;

  /**
   * `wanted`: the message types read; the others are only counted past (all when not given).
   * `maxHeld`: a wanted message longer than this is yielded cut to its first `maxHeld` bytes (its
   * length field still says the whole) and the rest passed, never buffered.
   */
  constructor(
    private readonly wanted?: Set<number>,
    private readonly maxHeld = Number.POSITIVE_INFINITY,
  ) {}

  *messages(chunk: Uint8Array): Generator<Buffer> {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.skipping) {
      const passed = Math.min(this.skipping, data.length);
      this.skipping -= passed;
      data = data.subarray(passed);
    }
    if (this.held.length) data = Buffer.concat([this.held, data]);
    while (data.length >= 5) {
      const size = 1 + data.readUInt32BE(1);
      if (this.wanted && !this.wanted.has(data[0]!)) {
        const passed = Math.min(size, data.length);
        this.skipping = size - passed;
        data = data.subarray(passed);
        continue;
      }
      if (size > this.maxHeld && data.length >= this.maxHeld) {
        yield data.subarray(0, this.maxHeld);
        const passed = Math.min(size, data.length);
        this.skipping = size - passed;
        data = data.subarray(passed);
        continue;
      }
      if (data.length < size) break;
      yield data.subarray(0, size);
      data = data.subarray(size);
    }
    // What is left is copied: the chunk it lies in is the relay's, and may be reused.
    this.held = Buffer.from(data);
  }
}
