import type { Duplex } from 'node:stream';

/** DataRow, in the PostgreSQL protocol's backend messages. */
const dataRow = 0x44;

/**
 * Watches what a connection receives, message by message, and counts the bytes of the rows
 * (DataRow messages) of the statement being read. A row or rows past `limit` cut the connection
 * at the first bytes of the message that crosses it, before the driver gathers it: a statement
 * that returns one value of 500 MB costs the gateway a socket buffer, not 500 MB.
 *
 * The driver (node-postgres) parses whole messages only once they have arrived, so the guard
 * reads just the framing (a type byte and a length) from the same stream, beside it.
 */
export class RowBytesGuard {
  private header = Buffer.alloc(5);
  private headerFilled = 0;
  private bodyLeft = 0;
  private limit = Number.POSITIVE_INFINITY;
  /** Bytes of each row received since `watch`, in order. */
  rowSizes: number[] = [];
  counted = 0;
  tripped = false;
  /** Told when the guard cuts the connection: the driver may never call back a read whose end it already parsed. */
  onTrip: (() => void) | null = null;

  /** Starts following `stream` at a message boundary: an idle connection, between transactions. */
  constructor(private readonly stream: Duplex) {
    stream.prependListener('data', (chunk: Buffer) => this.read(chunk));
  }

  /** Counts the rows of the next statement, cutting the connection past `limit` bytes. */
  watch(limit: number): void {
    this.limit = limit;
    this.rowSizes = [];
    this.counted = 0;
    this.tripped = false;
  }

  /** Stops counting (the gateway's own statements). */
  unwatch(): void {
    this.limit = Number.POSITIVE_INFINITY;
  }

  private read(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.tripped) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - offset);
        this.bodyLeft -= skipped;
        offset += skipped;
        continue;
      }
      const taken = Math.min(5 - this.headerFilled, chunk.length - offset);
      chunk.copy(this.header, this.headerFilled, offset, offset + taken);
      this.headerFilled += taken;
      offset += taken;
      if (this.headerFilled < 5) return;
      this.headerFilled = 0;
      const length = this.header.readUInt32BE(1);
      this.bodyLeft = length - 4;
      if (this.header[0] !== dataRow || this.limit === Number.POSITIVE_INFINITY) continue;
      this.counted += length + 1;
      this.rowSizes.push(length + 1);
      if (this.counted > this.limit) {
        this.tripped = true;
        this.stream.destroy();
        this.onTrip?.();
      }
    }
  }
}
