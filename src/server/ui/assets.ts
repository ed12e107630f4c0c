/**
 * The dashboard's bundle (app.js, app.css): read from dist/dashboard when Concord runs built
 * (`npm run build` writes it; `npm ci` runs the build through `prepare`), or bundled in memory
 * with esbuild on first use when it runs from source through tsx (tests, development), so the
 * source is always what is served there and no stale build can hide a change.
 */
import { readFile } from 'node:fs/promises';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

const packageRoot = new URL('../../../', import.meta.url);
const runningFromSource = import.meta.url.endsWith('.ts');
const assetNames = ['app.js', 'app.css'] as const;
const contentTypes: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

let loading: Promise<ReadonlyMap<string, Asset>> | undefined;

/** The bundle's files by name; rejects if the bundle is missing or does not build. */
export function dashboardAssets(): Promise<ReadonlyMap<string, Asset>> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined; // try again on the next request (a fixed file, a finished build)
    throw error;
  });
  return loading;
}

async function load(): Promise<ReadonlyMap<string, Asset>> {
  const files = new Map<string, Asset>();
  if (runningFromSource) {
    const script = new URL('scripts/build-dashboard.mjs', packageRoot).href;
    const { buildDashboard } = (await import(script)) as {
      buildDashboard(): Promise<Record<string, Uint8Array>>;
    };
    const built = await buildDashboard();
    for (const name of assetNames) {
      const contents = built[name];
      if (contents !== undefined) {
        files.set(name, { body: Buffer.from(contents), contentType: contentTypes[name] ?? '' });
      }
    }
  } else {
    for (const name of assetNames) {
      const body = await readFile(new URL(`dist/dashboard/${name}`, packageRoot));
      files.set(name, { body, contentType: contentTypes[name] ?? '' });
    }
  }
  return files;
}
