#!/usr/bin/env node
// Trunk's post_build hook (Trunk.toml): writes /sw.js into the build from frontend/sw.js, with its
// precache list: every file Trunk emitted (index.html, the hashed .js, .wasm and .css, the manifest,
// the icons) and the SHA-256 of each one's content. Its version is a hash of that list and of the
// worker's code, so a new build — any changed byte — is a new sw.js, hence a new cache.
// The register only: the back office's build (dist/gestion/) is never precached, and the worker gets
// the back office's paths (shared/src/apps.rs, `BACK_OFFICE_PATHS` and `BACK_OFFICE_DIR`) so that it
// leaves those pages and files to the network.
//
// Trunk runs it with TRUNK_STAGING_DIR (the build before it moves to dist/); by hand:
// `node scripts/pwa-precache.mjs DIR` (the e2e tests make a "new version" of a copy of dist/ this way).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const dir = resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist');
const template = readFileSync(resolve(import.meta.dirname, '..', 'frontend', 'sw.js'), 'utf8');
const apps = readFileSync(resolve(import.meta.dirname, '..', 'shared', 'src', 'apps.rs'), 'utf8');
const backOfficePaths = [...(apps.match(/BACK_OFFICE_PATHS: \[&str; \d+\] = \[([^\]]*)\]/)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
const backOfficeDir = apps.match(/BACK_OFFICE_DIR: &str = "([^"]+)"/)?.[1];
if (!backOfficePaths.length || !backOfficeDir) throw new Error('shared/src/apps.rs: BACK_OFFICE_PATHS or BACK_OFFICE_DIR not found');
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function walk(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.')) return [];
    const p = join(d, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

const entries = walk(dir)
  .map((f) => '/' + relative(dir, f).split(sep).join('/'))
  // sw.js is the worker itself; .gz files are other encodings of listed files; the back office's build
  // is another app's.
  .filter((url) => url !== '/sw.js' && !url.endsWith('.gz') && !url.startsWith(`/${backOfficeDir}/`))
  .sort()
  .map((url) => [url, sha256(readFileSync(join(dir, url)))]);
if (!entries.some(([url]) => url === '/index.html')) throw new Error(`no index.html in ${dir}`);

const version = sha256(JSON.stringify(entries) + JSON.stringify(backOfficePaths) + template).slice(0, 16);
const sw = template
  .replace(/\/\*@version\*\/ '[^']*'/, `'${version}'`)
  .replace(/\/\*@precache\*\/ \[\]/, JSON.stringify(entries, null, 0).replace(/\],\[/g, '],\n  ['))
  .replace(/\/\*@backoffice\*\/ \[\]/, JSON.stringify(backOfficePaths))
  .replace(/\/\*@backofficedir\*\/ '[^']*'/, `'/${backOfficeDir}/'`);
if (!sw.includes(`'${version}'`) || /\/\*@(precache|backoffice|backofficedir)\*\//.test(sw)) throw new Error('frontend/sw.js: markers not found');
writeFileSync(join(dir, 'sw.js'), sw);
console.log(`sw.js: ${entries.length} files precached, version ${version}`);
