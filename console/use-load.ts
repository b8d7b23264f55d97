import { useCallback, useEffect, useState } from 'preact/hooks';
import { GatewayError } from './api.js';

export type Loaded<T> = { data?: T; error?: string; loading: boolean; reload: () => void };

/** Runs `load` when `deps` change; a failure keeps the gateway's message. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: messageOf(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { ...state, reload };
}

export const messageOf = (error: unknown) => (error instanceof GatewayError || error instanceof Error ? error.message : String(error));
