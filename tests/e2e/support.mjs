// Shared fixtures for the end-to-end tests: the real server binary on a free port with its own SQLite
// file, and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = process.env.COMPTOIR_BIN || join(ROOT, 'target', 'debug', 'comptoir');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** The demo shop's accounts (the server prints them at start). */
export const ADMIN = { email: 'admin@demo.comptoir', password: 'demo-admin-2026', id: 'admin', pin: '9999' };
export const MANAGER = { email: 'gerante@demo.comptoir', password: 'demo-gerante-2026', id: 'gerante-mtl', pin: '8888' };
export const JULIE = { id: 'julie', name: 'Julie', pin: '1111' };
export const MARC = { id: 'marc', name: 'Marc', pin: '2222' };
export const SOPHIE = { id: 'sophie', name: 'Sophie', pin: '3333' };
/** Who switches in by default at each demo register (Sherbrooke has no cashier: the admin works everywhere). */
const CASHIER_AT = { 'montreal-1': JULIE, 'laval-1': MARC, 'sherbrooke-1': ADMIN };

export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The real `comptoir` server on a fresh SQLite file; `stop()` and `start()` keep port and file. */
export async function startServer(extraEnv = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    dbPath: join(dir, 'shop.sqlite'),
    proc: null,
    async start() {
      this.proc = spawn(BIN, [], {
        cwd: ROOT,
        env: {
          ...process.env,
          COMPTOIR_ADDR: `127.0.0.1:${port}`,
          DATABASE_URL: `sqlite://${this.dbPath}`,
          COMPTOIR_DIST: join(ROOT, 'dist'),
          RUST_LOG: 'warn',
          ...extraEnv,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      await eventually(async () => {
        const r = await fetch(`${url}/api/v1/health`);
        if (!r.ok) throw new Error(`health ${r.status}`);
      }, { timeout: 120_000, interval: 100 });
      // The tests' own API calls act as the admin (sessions live in the database: kept across restarts).
      this.token ??= (await signInByApi(this, ADMIN)).token;
    },
    async stop() {
      if (!this.proc) return;
      const p = this.proc;
      this.proc = null;
      const exited = new Promise((ok) => p.once('exit', ok));
      p.kill('SIGKILL');
      await exited;
    },
    /** A request as the admin's API client, unless `init.headers` names its own `authorization` (or `null` for none). */
    async api(path, init = {}) {
      const headers = { authorization: `Bearer ${this.token}`, ...(init.headers || {}) };
      if (headers.authorization === null) delete headers.authorization;
      const r = await fetch(`${url}${path}`, { ...init, headers });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
  };
  await server.start();
  return server;
}

/**
 * A test suite's usual fixture: the real server on a fresh database, Debian's Chromium, and the demo
 * catalog by product id. Registers its own `before`/`after` hooks (they run before the suite's own
 * hooks) and hands the parts to `use` once started.
 */
export function useShop(use) {
  const shop = {};
  before(async () => {
    shop.server = await startServer();
    shop.browser = await launchBrowser();
    shop.products = await catalog(shop.server);
    use(shop);
  });
  after(async () => {
    await shop.browser?.close();
    await shop.server?.stop();
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Retries `fn` until it stops throwing, or rethrows its last error after `timeout` ms. */
export async function eventually(fn, { timeout = 15_000, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/** `POST /auth/token`: a bearer session for API calls (`{ token, staff, … }`). */
export async function signInByApi(server, who) {
  const r = await fetch(`${server.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  if (r.status !== 200) throw new Error(`token ${r.status} ${await r.text()}`);
  return r.json();
}

/** A one-time enrolment code for `registerId`, made by the admin through the API. */
export async function enrolmentCode(server, registerId = 'montreal-1') {
  const r = await server.api('/api/v1/devices/codes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ register_id: registerId }),
  });
  if (r.status !== 200) throw new Error(`code ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.code;
}

/** Signs `who` in on the `/connexion` page, as a manager does. */
export async function signIn(page, server, who = ADMIN) {
  await page.goto(`${server.url}/connexion`);
  await page.getByTestId('email').fill(who.email);
  await page.getByTestId('password').fill(who.password);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('signed-in').waitFor();
}

/** Page object for the sell screen. */
export class RegisterPage {
  constructor(page, server) {
    this.page = page;
    this.server = server;
  }
  /**
   * Opens the sell screen. A fresh browser profile is enrolled, through the screen, to the register
   * `?register=` names (default Montréal's) with a code made through the API; then the register's
   * usual cashier (or `cashier`) switches in on the PIN pad.
   */
  async open(query = '', { cashier } = {}) {
    this.register = new URLSearchParams(query).get('register') || this.register;
    await this.page.goto(`${this.server.url}/${query}`);
    await this.ready({ cashier });
    return this;
  }
  /** Waits for the sell screen to take scans, enrolling and switching in on the way when asked to. */
  async ready({ cashier } = {}) {
    const sell = this.page.locator('.sell[data-ready="true"]');
    const enrol = this.page.getByTestId('enrol');
    const who = this.page.getByTestId('switch-in');
    for (let i = 0; i < 4; i++) {
      await sell.or(enrol).or(who).first().waitFor({ timeout: 60_000 });
      if (await sell.isVisible()) return this;
      if (await enrol.isVisible()) {
        await this.enrol();
      } else if (await who.isVisible()) {
        await this.switchIn(cashier || CASHIER_AT[this.register] || await this.usualCashier());
      }
    }
    await sell.waitFor({ timeout: 60_000 });
    return this;
  }
  /** A page opened on a device enrolled elsewhere: the cashier of whichever register it is. */
  async usualCashier() {
    await this.page.locator('button.staff').first().waitFor({ timeout: 30_000 });
    for (const who of [JULIE, MARC]) if (await this.page.getByTestId(`staff-${who.id}`).count()) return who;
    return ADMIN;
  }
  /** Types a fresh code for this page's register on the enrolment screen. */
  async enrol(registerId = this.register || 'montreal-1') {
    this.register = registerId;
    const code = await enrolmentCode(this.server, registerId);
    await this.page.getByTestId('enrol-code').fill(code);
    await this.page.getByTestId('enrol-submit').click();
    await this.page.getByTestId('enrol').waitFor({ state: 'detached', timeout: 30_000 });
  }
  /** Touches the cashier's name, then their PIN on the pad, then OK. */
  async switchIn(who = JULIE) {
    await this.page.getByTestId(`staff-${who.id}`).click();
    for (const d of who.pin) await this.page.getByTestId(`pin-key-${d}`).click();
    await this.page.getByTestId('pin-ok').click();
    await this.page.getByTestId('switch-in').waitFor({ state: 'detached', timeout: 30_000 });
  }
  /**
   * A keyboard-wedge scanner: the code's keys then Enter as one burst of real (trusted) key events,
   * wherever focus is. All events are queued at once through the DevTools protocol, as a scanner's
   * USB reports arrive, so a busy test machine cannot spread them out like slow typing.
   */
  async scan(code) {
    this.cdp ??= await this.page.context().newCDPSession(this.page);
    // Each key carries its own time, 2 ms apart as a scanner types: the register tells a scan from a
    // person by the gaps between `event.timeStamp`s, which a loaded machine would otherwise stretch
    // past the burst limit (a digit lost, a flaky test).
    const start = Date.now() / 1000;
    let n = 0;
    const key = (type, k, extra = {}) => this.cdp.send('Input.dispatchKeyEvent', { type, key: k, timestamp: start + 0.002 * n++, ...extra });
    const sent = [];
    for (const ch of code) {
      sent.push(key('keyDown', ch, { text: ch, unmodifiedText: ch }), key('keyUp', ch));
    }
    const enter = { code: 'Enter', windowsVirtualKeyCode: 13 };
    sent.push(key('keyDown', 'Enter', { ...enter, text: '\r', unmodifiedText: '\r' }), key('keyUp', 'Enter', enter));
    await Promise.all(sent);
  }
  lines() {
    return this.page.locator('tr.line');
  }
  async lineTexts() {
    return (await this.lines().allInnerTexts()).map(clean);
  }
  async text(testid) {
    return clean(await this.page.getByTestId(testid).innerText());
  }
  async pay(tendered) {
    await this.page.getByTestId('pay').click();
    const input = this.page.getByTestId('tendered');
    await input.fill(tendered);
    await this.page.getByTestId('confirm-pay').click();
    await this.page.getByTestId('sale-completed').waitFor();
    return this.text('receipt-number');
  }
  async status() {
    return this.text('sync-status');
  }
}

/** Spaces as a person reads them (fr-CA money uses no-break and narrow no-break spaces). */
export function clean(s) {
  return s.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
}

export async function catalog(server) {
  const { body } = await server.api('/api/v1/catalog?limit=5000');
  const byId = Object.fromEntries(body.products.map((p) => [p.id, p]));
  return byId;
}

/** Half-up to the cent of `cents × ppm / 1 000 000`: the shared rule for one tax. */
function tax(cents, ppm) {
  return Math.floor((cents * ppm + 500_000) / 1_000_000);
}

/**
 * Enrols a device through the API (a code made by the admin, then `POST /devices/enrol`; again with
 * the same id keeps its number): `{ id, number, credential, register_id, outlet_id }`.
 */
export async function introduce(server, id = 'e2e-device', registerId = 'montreal-1') {
  const code = await enrolmentCode(server, registerId);
  const r = await server.api('/api/v1/devices/enrol', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: null },
    body: JSON.stringify({ device_id: id, code }),
  });
  if (r.status !== 200) throw new Error(`enrol ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body.device, credential: r.body.credential, register_id: r.body.register_id, outlet_id: r.body.outlet_id };
}

/** The device a browser profile holds (its IndexedDB record): `{ id, number, credential }`. */
export async function browserDevice(page) {
  return page.evaluate(() => new Promise((ok, fail) => {
    const open = indexedDB.open('comptoir');
    open.onerror = () => fail(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('meta').objectStore('meta').get('device');
      get.onerror = () => fail(get.error);
      get.onsuccess = () => {
        const d = JSON.parse(get.result);
        open.result.close();
        ok({ id: d.id, number: d.number, credential: d.enrolment?.credential });
      };
    };
  }));
}

/** The headers an enrolled device sends (with the cashier switched in, if any). */
export function deviceHeaders(device, cashier) {
  return {
    'content-type': 'application/json',
    authorization: `Device ${device.credential}`,
    ...(cashier ? { 'x-comptoir-cashier': cashier } : {}),
  };
}

/** `POST /sync/push` of `sales` from `device` as a register does it: `{ status, body }`. */
export async function push(server, device, sales) {
  return server.api('/api/v1/sync/push', {
    method: 'POST',
    headers: deviceHeaders(device),
    body: JSON.stringify({ device_id: device.id, sales }),
  });
}

/** The receipt number `shared::sale::receipt_number` prints: `MTL1-3-000042`. */
export function receiptNumber(code, deviceNumber, seq) {
  return `${code}-${deviceNumber}-${String(seq).padStart(6, '0')}`;
}

/**
 * A paid sale of one unit of a taxable `product` at Montréal's register, as `device` (from
 * `introduce`) pushes it: for tests that put data on the server without going through the sell screen.
 */
export function oneUnitSale(product, { device, seq, id = `e2e-sale-${seq}`, kind = 'card', customer, serial, cashier = 'julie' }) {
  const price = product.price;
  const gst = tax(price, 50_000);
  const qst = tax(price, 99_750);
  const total = price + gst + qst;
  return {
    id,
    device_id: device.id,
    register_id: 'montreal-1',
    outlet_id: 'montreal',
    seq,
    receipt: receiptNumber('MTL1', device.number, seq),
    created_at_ms: Date.now(),
    cashier_id: cashier,
    lines: [{
      product_id: product.id, sku: product.sku, name: product.name, qty: 1,
      unit_price: price, tax_class: product.tax_class, loyalty_points: product.loyalty_points,
      ...(serial ? { serials: [serial] } : {}),
    }],
    totals: {
      subtotal: price,
      discount: 0,
      taxes: [{ code: 'gst', base: price, amount: gst }, { code: 'qst', base: price, amount: qst }],
      total,
    },
    tenders: [{ kind, amount: total, tendered: total, change: 0 }],
    ...(customer ? { customer_id: customer } : {}),
  };
}

/** Each value's number of occurrences. */
export function counts(list) {
  return list.reduce((m, r) => m.set(r, (m.get(r) || 0) + 1), new Map());
}

/** Every receipt the server stores, as many times as stored. */
export async function serverReceipts(server) {
  const { body } = await server.api('/api/v1/sales?limit=1000');
  return body.map((s) => s.receipt);
}
