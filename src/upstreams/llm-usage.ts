import { createParser } from 'eventsource-parser';

/** The largest JSON answer whose `usage` is read (larger ones pass through unmetered for tokens). */
const maxJsonBytes = 8 * 1024 * 1024;

type Usage = { total?: number; input?: number; output?: number };

/** The token counts of one `usage` object: OpenAI's (prompt/completion/total_tokens) or Anthropic's (input/output_tokens). */
function countsOf(usage: unknown): Usage {
  if (!usage || typeof usage !== 'object') return {};
  const value = usage as Record<string, unknown>;
  const number = (...names: string[]) => names.map((name) => value[name]).find((entry): entry is number => typeof entry === 'number' && entry >= 0);
  return { total: number('total_tokens'), input: number('prompt_tokens', 'input_tokens'), output: number('completion_tokens', 'output_tokens') };
}

/**
 * Reads the tokens an OpenAI-compatible answer reports as it streams past: a JSON body's
 * `usage`, or in a server-sent event stream the `usage` of its events (OpenAI sends it in the
 * last chunk; Anthropic's `message_start` and `message_delta` carry input and output counts,
 * the latter cumulative). `tokens()` is `total_tokens` when given, else input + output; null
 * when the answer reported none.
 */
export function llmUsageReader(contentType: string | null) {
  const sse = /^text\/event-stream\b/i.test(contentType ?? '');
  // Only a JSON body is kept to be read (audio, images and the like are not buffered).
  const json = !sse && /\bjson\b/i.test(contentType ?? '');
  const seen: Usage = {};
  const note = (usage: unknown) => {
    const counts = countsOf(usage);
    for (const key of ['total', 'input', 'output'] as const) {
      if (counts[key] !== undefined) seen[key] = Math.max(seen[key] ?? 0, counts[key]!);
    }
  };
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      try {
        const data = JSON.parse(event.data) as { usage?: unknown; message?: { usage?: unknown } };
        note(data.usage);
        note(data.message?.usage);
      } catch {
        // Not JSON: an event without usage.
      }
    },
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  let read = false;
  return {
    /** Whether usage is known as the answer streams (an event stream), not only at its end. */
    streaming: sse,
    push(chunk: Uint8Array): void {
      if (sse) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      } else if (!json || !Number.isFinite(size)) {
        return;
      } else if (size + chunk.byteLength <= maxJsonBytes) {
        chunks.push(chunk);
        size += chunk.byteLength;
      } else {
        size = Number.POSITIVE_INFINITY;
        chunks.length = 0;
      }
    },
    /** The tokens reported so far (a JSON body is read once, when asked after its end). */
    tokens(): number | null {
      if (json && !read && Number.isFinite(size) && size > 0) {
        read = true;
        try {
          note((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { usage?: unknown }).usage);
        } catch {
          // Not JSON: no usage.
        }
        chunks.length = 0;
      }
      if (seen.total !== undefined) return seen.total;
      if (seen.input === undefined && seen.output === undefined) return null;
      return (seen.input ?? 0) + (seen.output ?? 0);
    },
  };
}
