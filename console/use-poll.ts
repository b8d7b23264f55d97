import { useEffect, useState } from 'preact/hooks';
import { messageOf } from './use-load.js';

/**
 * Reads `id` now and again each second while `again` says the work goes on (a job, a deployment);
 * stops when the id or the key changes or the panel goes, and forgets what it read for the id before.
 * A failure keeps the gateway's message.
 */
export function usePoll<T>(
  apiKey: string,
  id: string | undefined,
  read: (id: string) => Promise<T>,
  again: (value: T) => boolean,
): { value?: T; error?: string } {
  const [state, setState] = useState<{ value?: T; error?: string }>({});
  useEffect(() => {
    // What was read for another id (the last restore's job) is not this one's: until the first read, nothing is known.
    setState((known) => (known.value === undefined && known.error === undefined ? known : {}));
    if (!id) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const value = await read(id);
        if (stopped) return;
        setState({ value });
        if (again(value)) timer = setTimeout(poll, 1000);
      } catch (failure) {
        if (!stopped) setState({ error: messageOf(failure) });
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [apiKey, id]);
  return state;
}
