import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';
import { WEB_DIST_DIR, buildWebApp, type WebManifest } from './build.js';

/** A file ready to send: raw and gzipped bodies, type and a strong ETag. */
export interface ServedFile {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

export interface LoadedWebApp {
  manifest: WebManifest;
  index: ServedFile;
  /** Hashed assets by path under the dist folder (`assets/app-….js`); nothing else is served. */
  assets: Map<string, ServedFile>;
}

/** How long a request waits for a build started at server start. */
export const WEB_BUILD_WAIT_MS = 60_000;

function served(body: Buffer, type: string): ServedFile {
  return { body, gzip: gzipSync(body, { level: 9 }), type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * The built web app, held in memory (it is small) and reloaded when a new build replaces
 * the folder. When no build exists, the server builds it once on first start; if that is
 * impossible, `problem` says why and how to fix it.
 */
export class WebAppFiles {
  private loaded: LoadedWebApp | undefined;
  private loadedStamp = -1;
  private building: Promise<void> | undefined;
  /** Why the app cannot be served, for the page that says so. */
  problem: string | undefined;

  constructor(
    private readonly dir: string = WEB_DIST_DIR,
    private readonly logger?: Logger,
  ) {}

  private manifestPath(): string {
    return path.join(this.dir, 'manifest.json');
  }

  /** Starts a build when none exists (once per process). */
  ensureBuilt(): Promise<void> {
    if (existsSync(this.manifestPath())) return Promise.resolve();
    this.building ??= (async () => {
      const started = performance.now();
      this.logger?.info({ dir: this.dir }, 'web app not built yet: building it now');
      try {
        const manifest = await buildWebApp({ outDir: this.dir });
        this.logger?.info({ ms: Math.round(performance.now() - started), gzipBytes: manifest.totals.gzipBytes }, 'web app built');
      } catch (err) {
        this.problem = formatError(err);
        this.logger?.warn({ err: this.problem }, 'could not build the web app; the API still works');
      }
    })();
    return this.building;
  }

  /** The current build, or undefined when there is none (see `problem`). */
  async get(): Promise<LoadedWebApp | undefined> {
    if (this.building) await Promise.race([this.building, new Promise((r) => setTimeout(r, WEB_BUILD_WAIT_MS).unref())]);
    let stamp: number;
    try {
      stamp = statSync(this.manifestPath()).mtimeMs;
    } catch {
      this.problem ??= `The web app has not been built (no ${path.relative(process.cwd(), this.manifestPath()) || this.manifestPath()}).`;
      return undefined;
    }
    if (this.loaded && stamp === this.loadedStamp) return this.loaded;
    try {
      const manifest = JSON.parse(readFileSync(this.manifestPath(), 'utf8')) as WebManifest;
      const assets = new Map<string, ServedFile>();
      let index: ServedFile | undefined;
      for (const file of manifest.files) {
        const body = readFileSync(path.join(this.dir, file.name));
        if (file.name === 'index.html') index = served(body, file.type);
        else assets.set(file.name, served(body, file.type));
      }
      if (!index) throw new Error('the build has no index.html');
      this.loaded = { manifest, index, assets };
      this.loadedStamp = stamp;
      this.problem = undefined;
      return this.loaded;
    } catch (err) {
      // A build being swapped in right now: keep serving the previous one if there is one.
      if (this.loaded) return this.loaded;
      this.problem = `The web app's build folder is unreadable: ${formatError(err)}`;
      return undefined;
    }
  }
}
