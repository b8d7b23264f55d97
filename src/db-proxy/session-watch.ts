import { ProtocolFramer as Framer } from '../data-plane/protocol-framer.js';

/** One statement a proxied session ran, as its query log records it. */
export type ProxiedStatement = { text: string; success: boolean; durationMs: number; rows: number; error: string | null };

type Pending = {
  text: string;
  startedAt: number;
  rows: number;
  error: string | null;
  /** A simple Query: its statements end at ReadyForQuery. An Execute ends at its own completion. */
  simple: boolean;
};

const decoder = new TextDecoder();

/** The zero-terminated string at `offset` of a message, and where the next field starts. */
function cstring(message: Uint8Array, offset: number): [string, number] {
  const end = message.indexOf(0, offset);
  const stop = end === -1 ? message.length : end;
  return [decoder.decode(message.subarray(offset, stop)), stop + 1];
}

/** Named statements and portals followed at most (a client that never closes them is forgotten, not followed). */
const maxNamed = 1_000;
/** Statements of one transaction followed for `committed` at most. */
const maxUncommitted = 10_000;
/** Bytes of a Query, Parse or Bind kept (its start: the text the log keeps is shorter still). */
const maxKept = 64 * 1024;

/** The rows a CommandComplete tag counts (`SELECT 3`, `INSERT 0 2`, `UPDATE 1`): its last number, 0 for none. */
const taggedRows = (tag: string) => Number(/(\d+)$/.exec(tag)?.[1] ?? 0);

/** An ErrorResponse's message field (`M`). */
function errorMessage(message: Uint8Array): string {
  for (let offset = 5; offset < message.length && message[offset] !== 0; ) {
    const field = message[offset]!;
    const [value, next] = cstring(message, offset + 1);
    if (field === 0x4d) return value;
    offset = next;
  }
  return 'error';
}

/**
 * Follows a proxied session's messages without holding them up (the proxy relays the bytes
 * first): which statement runs, when it started, how it ended. It reads only the few it needs (Query, Parse, Bind, Execute;
 * CommandComplete, ErrorResponse, ReadyForQuery). `busy` says a statement is running: the
 * proxy's deadline runs while it is.
 */
export class SessionWatch {
  // Query, Parse, Bind, Execute; CommandComplete, PortalSuspended, EmptyQueryResponse, ErrorResponse, ReadyForQuery.
  private readonly frontend = new Framer(new Set([0x51, 0x50, 0x42, 0x45]), maxKept);
  private readonly backend = new Framer(new Set([0x43, 0x73, 0x49, 0x45, 0x5a]));
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, string>();
  private readonly pending: Pending[] = [];
  /** Texts of statements that succeeded since the session was last idle outside a transaction. */
  private uncommitted: string[] = [];
  private failedSinceIdle = false;
  /** A savepoint was rolled back to: which statements it undid is not followed, so nothing of the transaction is reported. */
  private partlyRolledBack = false;
  private lastTag = '';

  constructor(
    private readonly ended: (statement: ProxiedStatement) => void,
    /** Statements whose transaction committed, in order, once the session is idle again (a rolled-back one's never). */
    private readonly committed: ((texts: string[]) => void) | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Since when the session has had a statement running (null: it is idle). */
  get busySince(): number | null {
    return this.pending[0]?.startedAt ?? null;
  }

  sent(chunk: Uint8Array): void {
    for (const message of this.frontend.messages(chunk)) this.fromClient(message);
  }

  received(chunk: Uint8Array): void {
    for (const message of this.backend.messages(chunk)) this.fromServer(message);
  }

  private fromClient(message: Uint8Array): void {
    switch (message[0]) {
      case 0x51: // Q: Query
        this.pending.push({ text: cstring(message, 5)[0], startedAt: this.now(), rows: 0, error: null, simple: true });
        break;
      case 0x50: {
        // P: Parse (statement name, text)
        const [name, next] = cstring(message, 5);
        if (this.statements.size >= maxNamed) this.statements.clear();
        this.statements.set(name, cstring(message, next)[0]);
        break;
      }
      case 0x42: {
        // B: Bind (portal, statement)
        const [portal, next] = cstring(message, 5);
        if (this.portals.size >= maxNamed) this.portals.clear();
        this.portals.set(portal, this.statements.get(cstring(message, next)[0]) ?? '');
        break;
      }
      case 0x45: // E: Execute (portal)
        this.pending.push({ text: this.portals.get(cstring(message, 5)[0]) ?? '', startedAt: this.now(), rows: 0, error: null, simple: false });
        break;
    }
  }

  private fromServer(message: Uint8Array): void {
    const head = this.pending[0];
    switch (message[0]) {
      case 0x43: {
        // C: CommandComplete
        // A ROLLBACK the transaction goes on after was to a savepoint.
        if (this.lastTag === 'ROLLBACK') this.partlyRolledBack = true;
        this.lastTag = cstring(message, 5)[0];
        if (!head) return;
        head.rows += taggedRows(this.lastTag);
        if (!head.simple) this.finish();
        break;
      }
      case 0x73: // s: PortalSuspended
      case 0x49: // I: EmptyQueryResponse
        if (head && !head.simple) this.finish();
        break;
      case 0x45: // E: ErrorResponse
        this.failedSinceIdle = true;
        if (!head) return;
        head.error = errorMessage(message);
        if (!head.simple) this.finish();
        break;
      case 0x5a: // Z: ReadyForQuery: a simple Query's end; Executes after an error were skipped
        if (head?.simple) this.finish();
        while (this.pending[0] && !this.pending[0].simple) this.pending.shift();
        if (message[5] !== 0x49 && this.lastTag === 'ROLLBACK') this.partlyRolledBack = true;
        // Idle outside a transaction: what ran since committed, unless it ended in a rollback or an error.
        if (message[5] === 0x49) {
          const texts = this.uncommitted;
          this.uncommitted = [];
          if (texts.length && !this.failedSinceIdle && !this.partlyRolledBack && this.lastTag !== 'ROLLBACK') this.committed?.(texts);
          this.failedSinceIdle = false;
          this.partlyRolledBack = false;
          this.lastTag = '';
        }
        break;
    }
  }

  /**
   * The session ended (either side closed it): statements still pending are reported as they
   * stand. One whose error already came is logged with it (a client may close as soon as it reads
   * the ErrorResponse, before the ReadyForQuery behind it is relayed); one with no answer is
   * logged as cut off. Nothing more is reported after this.
   */
  close(): void {
    while (this.pending.length) {
      const head = this.pending[0]!;
      if (head.error === null) head.error = 'the session ended before the statement did';
      this.finish();
    }
    this.uncommitted = [];
  }

  private finish(): void {
    const done = this.pending.shift();
    if (!done?.text) return;
    if (done.error === null && this.committed && this.uncommitted.length < maxUncommitted) this.uncommitted.push(done.text);
    else if (done.error === null && this.committed) this.failedSinceIdle = true; // too many to follow: reported as not committed
    this.ended({
      text: done.text,
      success: done.error === null,
      durationMs: Math.round((this.now() - done.startedAt) * 1000) / 1000,
      rows: done.rows,
      error: done.error,
    });
  }
}
