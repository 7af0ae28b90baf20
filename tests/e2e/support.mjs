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
    },
    async stop() {
      if (!this.proc) return;
      const p = this.proc;
      this.proc = null;
      const exited = new Promise((ok) => p.once('exit', ok));
      p.kill('SIGKILL');
      await exited;
    },
    async api(path, init) {
      const r = await fetch(`${url}${path}`, init);
      return { status: r.status, body: await r.json() };
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

/** Page object for the sell screen. */
export class RegisterPage {
  constructor(page, server) {
    this.page = page;
    this.server = server;
  }
  async open(query = '') {
    await this.page.goto(`${this.server.url}/${query}`);
    await this.ready();
    return this;
  }
  async ready() {
    await this.page.locator('.sell[data-ready="true"]').waitFor({ timeout: 60_000 });
  }
  /**
   * A keyboard-wedge scanner: the code's keys then Enter as one burst of real (trusted) key events,
   * wherever focus is. All events are queued at once through the DevTools protocol, as a scanner's
   * USB reports arrive, so a busy test machine cannot spread them out like slow typing.
   */
  async scan(code) {
    this.cdp ??= await this.page.context().newCDPSession(this.page);
    const key = (type, k, extra = {}) => this.cdp.send('Input.dispatchKeyEvent', { type, key: k, ...extra });
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

/** Introduces a device to the server (`POST /devices`, idempotent): `{ id, number }`. */
export async function introduce(server, id = 'e2e-device') {
  const r = await server.api('/api/v1/devices', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: id }) });
  if (r.status !== 200) throw new Error(`hello ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** `POST /sync/push` of `sales` from `device` as a register does it: `{ status, body }`. */
export async function push(server, device, sales) {
  return server.api('/api/v1/sync/push', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
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
export function oneUnitSale(product, { device, seq, id = `e2e-sale-${seq}`, kind = 'card', customer, serial }) {
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
