// Comptoir's service worker: the register reloads with no network at all.
//
// scripts/pwa-precache.mjs (Trunk's post_build hook) copies this file into the build as /sw.js with the
// two values below filled in: every file of that build (index.html, the hashed .js/.wasm/.css, the
// manifest, the icons) with the SHA-256 of its content, and a version that is a hash of that list. A
// new build is therefore a new sw.js, which the browser installs beside the running one; it then WAITS
// (no skipWaiting at install): the page shows "Nouvelle version prête" and sends `skip-waiting` only
// between sales (index.html), then reloads. The outbox is in IndexedDB, which a reload keeps.
//
// Requests: a navigation to a register page (/, /connexion, any path of the register's) gets the cached
// index.html; the build's files come from the cache; /api/ is never cached (network only, not even
// touched here). The back office is another app that loads from the server: a navigation to one of its
// pages (BACK_OFFICE, copied from shared/src/apps.rs) and its files under /gestion/ go to the network,
// never answered with the register's index.html (offline, the browser says so: the page needs the server).
const VERSION = /*@version*/ 'dev';
const PRECACHE = /*@precache*/ [];
const BACK_OFFICE = /*@backoffice*/ [];
const BACK_OFFICE_FILES = /*@backofficedir*/ '/gestion/';
const CACHE = `comptoir-${VERSION}`;

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

self.addEventListener('install', (event) => {
  // /api/ straight to the network without starting this worker (static routing, Chromium 123+);
  // the fetch handler below leaves it alone too where this is not supported.
  if (event.addRoutes && self.URLPattern) {
    event.waitUntil(event.addRoutes({ condition: { urlPattern: new URLPattern({ pathname: '/api/*' }) }, source: 'network' })
      .catch((e) => console.warn('service worker routes', e)));
  }
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Each file is fetched past the HTTP cache and checked against its hash: a server that changed
    // under us (a deployment during the install) fails the install, retried at the next update check,
    // so a cache never mixes two builds.
    await Promise.all(PRECACHE.map(async ([url, sha]) => {
      const res = await fetch(url, { cache: 'reload' });
      if (!res.ok) throw new Error(`precache ${url}: ${res.status}`);
      const got = hex(await crypto.subtle.digest('SHA-256', await res.clone().arrayBuffer()));
      if (got !== sha) throw new Error(`precache ${url}: content is not this build's`);
      await cache.put(url, res);
    }));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('comptoir-') && name !== CACHE) await caches.delete(name);
    }
    // First install: control the page that registered us, so it reloads offline from now on. (An
    // update only activates when a page asked for it, and that page reloads.)
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return; // network only
  if (url.pathname.startsWith(BACK_OFFICE_FILES)) return; // the back office's build: network only
  if (req.mode === 'navigate' && BACK_OFFICE.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return;
  const key = req.mode === 'navigate' ? '/index.html' : url.pathname;
  event.respondWith((async () => {
    const hit = await caches.match(key, { cacheName: CACHE });
    return hit || fetch(req);
  })());
});
