/** Loads a GET route into state, again whenever `key` changes or `reload` is called. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, messageOf } from './api.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string;
  readonly loading: boolean;
  reload(): void;
}

export function useLoad<T>(path: string | undefined): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return undefined;
    let live = true;
    setLoading(true);
    get<T>(path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError('');
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
