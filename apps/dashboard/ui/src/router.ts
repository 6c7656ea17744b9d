// Hash routing: #/campaigns, #/campaigns/:id, #/trial?campaign=&id=, #/performance, #/live.
import { useEffect, useState } from 'react';

export interface Route {
  /** Path segments after '#/', decoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const links = {
  campaigns: () => '#/campaigns',
  campaign: (id: string | number) => `#/campaigns/${encodeURIComponent(String(id))}`,
  trial: (campaign: string | number, id: string) =>
    `#/trial?${new URLSearchParams({ campaign: String(campaign), id }).toString()}`,
  performance: () => '#/performance',
  live: () => '#/live',
};
