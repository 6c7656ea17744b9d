// The built UI (ui/dist): files by path, index.html for any other page path (the UI routes in
// the browser), and a small page saying how to build it when it is not there.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export const UI_NOT_BUILT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nooks Lab dashboard</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Nooks Lab dashboard</h1>
<p>The UI is not built. Run <code>pnpm --filter @nooks/dashboard build</code> (or <code>pnpm build</code>) and reload.</p>
<p>The JSON API is up: try <a href="/api/health">/api/health</a> and <a href="/api/campaigns">/api/campaigns</a>.</p>
</body></html>
`;

export interface StaticFile {
  readonly body: Uint8Array;
  readonly type: string;
  readonly immutable: boolean;
}

export class StaticUi {
  constructor(readonly dir: string) {}

  get built(): boolean {
    return existsSync(join(this.dir, 'index.html'));
  }

  /** The file for a URL path, index.html for a page path, or undefined (404). */
  file(urlPath: string): StaticFile | undefined {
    if (!this.built) return undefined;
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    const path = normalize(join(this.dir, rel));
    if (path !== this.dir && !path.startsWith(this.dir.endsWith(sep) ? this.dir : this.dir + sep)) return undefined;
    if (existsSync(path) && statSync(path).isFile()) {
      return { body: readFileSync(path), type: TYPES[extname(path)] ?? 'application/octet-stream', immutable: rel.startsWith('/assets/') };
    }
    // A path without an extension is a page of the single-page UI.
    if (extname(rel) === '') return { body: readFileSync(join(this.dir, 'index.html')), type: TYPES['.html']!, immutable: false };
    return undefined;
  }
}
