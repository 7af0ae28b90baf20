// Online orders in the browser (issue 11, seed 001): a WooCommerce store connected on /boutiques; orders
// arrive as signed webhooks posted from here; a floor tablet (an enrolled device at Montréal, scanner
// mode) picks and packs them; a remote manager (a staff session in another browser context) watches the
// orders page live and ships or hands them over. The fake WooCommerce is a real HTTP server in this
// process recording the status calls Comptoir makes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { ADMIN, RegisterPage, clean, eventually, launchBrowser, signIn, startServer, catalog } from './support.mjs';

const SECRET = 'whsec-e2e-secret';
// The platform worker retries with back-off: give status calls time.
const PLATFORM = { timeout: 60_000, interval: 200 };
const LIVE = { timeout: 20_000, interval: 20 };

/** The fake WooCommerce: answers every call, records them. */
async function fakeWoo() {
  const calls = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      let json = null;
      try { json = body ? JSON.parse(body) : null; } catch { json = body; }
      calls.push({ method: req.method, url: req.url, body: json });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET') {
        res.setHeader('x-wp-total', '0');
        res.setHeader('x-wp-totalpages', '1');
        res.end('[]');
        return;
      }
      const id = Number((req.url.match(/\/orders\/(\d+)/) || [])[1] || 0);
      res.end(JSON.stringify({ id, ...(json && typeof json === 'object' ? json : {}) }));
    });
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    calls,
    /** The statuses Comptoir sent for WooCommerce order `id`. */
    statuses(id) {
      return calls.filter((c) => c.method === 'PUT' && c.url.includes(`/orders/${id}`) && c.body?.status).map((c) => c.body.status);
    },
    close: () => new Promise((ok) => srv.close(ok)),
  };
}

const cents = (x) => (x / 100).toFixed(2);
/** Québec taxes on a subtotal in cents, per rate, half up (TPS 5 %, TVQ 9,975 %). */
function taxes(sub) {
  return Math.round(sub * 0.05) + Math.round((sub * 9975) / 100000);
}

let nextId = 900;
/** A WooCommerce order as the REST API (and so the webhook) gives it. */
function wooOrder(lines, { pickup = false, paid = true, name = 'Léa Roy', email = 'lea.roy@example.com', note = '' } = {}) {
  const id = nextId++;
  const now = new Date().toISOString().slice(0, 19);
  const sub = lines.reduce((s, l) => s + l.product.price * l.qty, 0);
  const [first_name, ...last] = name.split(' ');
  return {
    id,
    parent_id: 0,
    number: String(id),
    status: 'processing',
    currency: 'CAD',
    date_created: now, date_created_gmt: now, date_modified: now, date_modified_gmt: now,
    total: cents(sub + taxes(sub)),
    total_tax: cents(taxes(sub)),
    customer_note: note,
    billing: { first_name, last_name: last.join(' '), email, phone: '514-555-0101', address_1: '123 rue Saint-Denis', city: 'Montréal', postcode: 'H2X 1K1', country: 'CA' },
    shipping: { first_name, last_name: last.join(' '), address_1: '123 rue Saint-Denis', city: 'Montréal', postcode: 'H2X 1K1', country: 'CA' },
    payment_method: paid ? 'stripe' : 'cod',
    payment_method_title: paid ? 'Stripe' : 'Paiement à la livraison',
    transaction_id: paid ? `ch_${id}` : '',
    date_paid: paid ? now : null,
    date_paid_gmt: paid ? now : null,
    line_items: lines.map((l, i) => ({
      id: id * 10 + i, name: l.product.name, product_id: 5000 + i, variation_id: 0, quantity: l.qty,
      subtotal: cents(l.product.price * l.qty), total: cents(l.product.price * l.qty), sku: l.product.sku, price: l.product.price / 100, meta_data: [],
    })),
    shipping_lines: [pickup
      ? { id: id * 10 + 9, method_title: 'Ramassage en magasin', method_id: 'local_pickup', total: '0.00', total_tax: '0.00', meta_data: [] }
      : { id: id * 10 + 9, method_title: 'Livraison', method_id: 'flat_rate', total: '0.00', total_tax: '0.00', meta_data: [] }],
  };
}

/**
 * A keyboard-wedge scanner on `page`: the code's keys then Enter, each key event stamped 5 ms after the
 * one before, as the scanner's USB reports are stamped when they arrive. The wedge detector tells a scan
 * from typing by those times, so a loaded test machine dispatching the events late cannot split a burst
 * (without a stamp, Chromium stamps each event when it gets to it).
 */
async function wedgeScan(page, code) {
  page.__cdp ??= await page.context().newCDPSession(page);
  const t0 = Date.now() / 1000;
  let i = 0;
  const key = (type, k, extra = {}) => page.__cdp.send('Input.dispatchKeyEvent', { type, key: k, timestamp: t0 + 0.005 * i++, ...extra });
  const sent = [];
  for (const ch of code) sent.push(key('keyDown', ch, { text: ch, unmodifiedText: ch }), key('keyUp', ch));
  const enter = { code: 'Enter', windowsVirtualKeyCode: 13 };
  sent.push(key('keyDown', 'Enter', { ...enter, text: '\r', unmodifiedText: '\r' }), key('keyUp', 'Enter', enter));
  await Promise.all(sent);
}

/** Posts `order` to Comptoir as WooCommerce does: the exact body, signed with the webhook secret. */
async function deliver(server, hookUrl, order, { event = 'created', secret = SECRET } = {}) {
  const body = JSON.stringify(order);
  const signature = createHmac('sha256', secret).update(body).digest('base64');
  const r = await fetch(hookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-wc-webhook-source': 'https://boutique.example/',
      'x-wc-webhook-topic': `order.${event}`,
      'x-wc-webhook-resource': 'order',
      'x-wc-webhook-event': event,
      'x-wc-webhook-signature': signature,
      'x-wc-webhook-id': '17',
      'x-wc-webhook-delivery-id': randomUUID(),
    },
    body,
  });
  return r.status;
}

describe('online orders: orders page, scanner mode, a store connected', () => {
  let server, browser, woo, products, hookUrl;
  let manager, tablet, reg;

  before(async () => {
    server = await startServer();
    woo = await fakeWoo();
    browser = await launchBrowser();
    products = await catalog(server);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await woo?.close();
  });

  /** The orders page's row of an order (by its customer's name, unique per test). */
  const row = (page, customer) => page.locator('[data-testid="order-row"]', { has: page.locator(`[data-testid="row-customer"]:text-is("${customer}")`) });

  test('a manager connects a WooCommerce store: credentials write-only, outlets by priority, the webhook URL to paste', async () => {
    const context = await browser.newContext();
    manager = await context.newPage();
    await signIn(manager, server, ADMIN);
    await manager.goto(`${server.url}/boutiques`);
    await manager.getByTestId('connect-form').waitFor();
    await manager.getByTestId('store-platform').selectOption('woocommerce');
    await manager.getByTestId('store-name').fill('Boutique en ligne');
    await manager.getByTestId('store-url').fill(woo.url);
    await manager.getByTestId('cred-consumer_key').fill('ck_e2e');
    await manager.getByTestId('cred-consumer_secret').fill('cs_e2e');
    await manager.getByTestId('cred-webhook_secret').fill(SECRET);
    await manager.getByTestId('store-register').selectOption('montreal-1');
    // Montréal (the orders register's outlet) is ticked by default; Laval joins as second.
    assert.equal(await manager.getByTestId('outlet-montreal').isChecked(), true);
    // Ticking re-orders the list (chosen outlets first, by priority): the box is drawn anew.
    await manager.getByTestId('outlet-laval').click();
    await eventually(async () => assert.equal(await manager.getByTestId('outlet-laval').isChecked(), true));
    await manager.getByTestId('store-save').click();
    await eventually(async () => assert.equal(await manager.getByTestId('connection').count(), 1));
    hookUrl = clean(await manager.getByTestId('webhook-url').innerText());
    assert.match(hookUrl, /\/api\/v1\/webhooks\/[^/]+$/);
    // Never shown back: the page holds no secret.
    const html = await manager.content();
    assert.ok(!html.includes(SECRET) && !html.includes('cs_e2e'), 'no secret in the page');
    // Nor does the API answer carry one.
    const list = await server.api('/api/v1/connections');
    assert.ok(!JSON.stringify(list.body).includes(SECRET));
    // A delivery signed with another secret is refused and stores nothing.
    assert.equal(await deliver(server, hookUrl, wooOrder([{ product: products.p011, qty: 1 }], { name: 'Faux Client' }), { secret: 'wrong' }), 401);

    // The remote manager keeps the orders page open; the floor tablet is an enrolled Montréal device.
    await manager.goto(`${server.url}/commandes`);
    await manager.getByTestId('orders-page').waitFor();
    await manager.getByTestId('orders-outlet').selectOption('montreal');
    const tabletContext = await browser.newContext();
    reg = await new RegisterPage(await tabletContext.newPage(), server).open('?register=montreal-1');
    tablet = reg.page;
    await tablet.locator('a[href="/commandes"]').click();
    await tablet.getByTestId('orders-page').waitFor();
  });

  test('delivery: the order arrives live, the tablet picks it (a wrong item beeps, quantity capped), packs it; the manager ships it; WooCommerce hears completed', async () => {
    const item = products.p010;
    const order = wooOrder([{ product: item, qty: 2 }], { name: 'Léa Roy', note: 'Laisser à la porte' });
    const sent = Date.now();
    assert.equal(await deliver(server, hookUrl, order), 200);
    await row(manager, 'Léa Roy').waitFor(LIVE);
    console.log(`orders live latency: ${Date.now() - sent} ms (webhook to the manager's page, no reload)`);
    // A repeated delivery is one order.
    assert.equal(await deliver(server, hookUrl, order), 200);
    const mrow = row(manager, 'Léa Roy');
    assert.equal(clean(await mrow.getByTestId('row-status').innerText()), 'Nouveau');
    assert.equal(clean(await mrow.getByTestId('row-type').innerText()), 'Livraison');
    assert.match(clean(await mrow.innerText()), /Laisser à la porte/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await row(manager, 'Léa Roy').count(), 1, 'one row for two deliveries');

    // Floor tablet, scanner mode: choose the order, take it, scan.
    await tablet.getByTestId('open-scanner').click();
    await tablet.locator(`[data-testid="scanner-choose"]`, { hasText: 'Léa Roy' }).click();
    await tablet.getByTestId('assign-me').click();
    await tablet.getByTestId('scanner-assigned').waitFor();
    const beeps = () => tablet.evaluate(() => window.__comptoirBeeps || 0);
    const qty = async () => clean(await tablet.getByTestId('scanner-qty').innerText());
    // Each scan is applied (a count moves, or a refusal beeps) before the next one.
    await wedgeScan(tablet, products.p012.barcode);
    await eventually(async () => assert.equal(await beeps(), 1));
    assert.match(clean(await tablet.getByTestId('scan-refused').innerText()), /Article absent de cette commande/);
    await wedgeScan(tablet, item.barcode);
    await eventually(async () => assert.equal(await qty(), '1 / 2 prélevé'));
    // The partial pick shows on the manager's page, live.
    const pickSent = Date.now();
    await eventually(async () => assert.equal(clean(await mrow.getByTestId('row-qty').innerText()), '1 / 2 prélevé'), LIVE);
    console.log(`orders live latency (a pick on the tablet to the manager's page): ${Date.now() - pickSent} ms`);
    assert.equal(clean(await mrow.getByTestId('row-status').innerText()), 'En cours');
    // The assigned user by name, not by id.
    assert.equal(clean(await mrow.getByTestId('row-assigned').innerText()), 'Julie');
    // Pushed and pulled back meanwhile: still one unit picked, at the tablet too.
    assert.equal(await qty(), '1 / 2 prélevé');
    await wedgeScan(tablet, item.barcode);
    await eventually(async () => assert.equal(await qty(), '2 / 2 prélevé'));
    assert.equal(await beeps(), 1, 'the second unit is taken, not refused');
    await wedgeScan(tablet, item.barcode);
    await eventually(async () => assert.equal(await beeps(), 2));
    assert.match(clean(await tablet.getByTestId('scan-refused').innerText()), /Quantité commandée déjà prélevée/);
    assert.equal(await qty(), '2 / 2 prélevé', 'capped at what was ordered');
    // An order note, only here.
    await tablet.getByTestId('note-damaged').click();
    await tablet.getByTestId('scanner-packed').click();
    await eventually(async () => assert.equal(clean(await tablet.getByTestId('scanner-status').innerText()), 'Emballé'));

    await eventually(async () => assert.equal(clean(await mrow.getByTestId('row-status').innerText()), 'Emballé'), LIVE);
    assert.match(clean(await mrow.getByTestId('row-notes').innerText()), /Endommagé/);
    // Packed is not completion at WooCommerce (seed 001: only BigCommerce hears of it).
    await mrow.click();
    await manager.getByTestId('order-detail').waitFor();
    assert.match(clean(await manager.getByTestId('detail-explanation').innerText()), /.+/);
    await manager.getByTestId('tracking').fill('Postes Canada 1234 5678 9012');
    await manager.getByTestId('add-tracking').click();
    await eventually(async () => assert.match(clean(await manager.getByTestId('detail-sale-note').innerText()), /Postes Canada 1234 5678 9012/), LIVE);
    assert.deepEqual(woo.statuses(order.id), []);
    await manager.getByTestId('mark-shipped').click();
    // Finished orders leave the page and stay in sales history.
    await row(manager, 'Léa Roy').waitFor({ state: 'detached', ...LIVE });
    await eventually(async () => assert.deepEqual(woo.statuses(order.id), ['completed']), PLATFORM);
  });

  test('pickup: packed at the tablet, picked up from the manager page; WooCommerce hears completed', async () => {
    const item = products.p013;
    const order = wooOrder([{ product: item, qty: 1 }], { pickup: true, name: 'Paul Côté', email: 'paul.cote@example.com' });
    assert.equal(await deliver(server, hookUrl, order), 200);
    const mrow = row(manager, 'Paul Côté');
    await mrow.waitFor(LIVE);
    assert.equal(clean(await mrow.getByTestId('row-type').innerText()), 'Ramassage');
    // The last order left the page once shipped: the tablet is back at its list (else go back to it).
    if (await tablet.getByTestId('scanner-back').count()) await tablet.getByTestId('scanner-back').click();
    await tablet.locator(`[data-testid="scanner-choose"]`, { hasText: 'Paul Côté' }).click();
    await tablet.getByTestId('assign-me').click();
    await wedgeScan(tablet, item.barcode);
    await eventually(async () => assert.equal(clean(await tablet.getByTestId('scanner-qty').innerText()), '1 / 1 prélevé'));
    await tablet.getByTestId('scanner-packed').click();
    await eventually(async () => assert.equal(clean(await mrow.getByTestId('row-status').innerText()), 'Emballé'), LIVE);
    await mrow.click();
    // The pickup receipt is ready to print on 80 mm paper.
    assert.equal(await manager.getByTestId('packing-slip').getAttribute('data-kind'), 'pickup');
    assert.match(clean(await manager.getByTestId('packing-slip').textContent()), /Reçu de ramassage/);
    await manager.getByTestId('mark-picked-up').click();
    await mrow.waitFor({ state: 'detached', ...LIVE });
    await eventually(async () => assert.deepEqual(woo.statuses(order.id), ['completed']), PLATFORM);
  });

  test('unpaid (cash on delivery): shipping is refused with the due amount until a payment is recorded, which does not charge the customer', async () => {
    const item = products.p014;
    const order = wooOrder([{ product: item, qty: 1 }], { paid: false, name: 'Ana Silva', email: 'ana.silva@example.com' });
    assert.equal(await deliver(server, hookUrl, order), 200);
    const mrow = row(manager, 'Ana Silva');
    await mrow.waitFor(LIVE);
    await mrow.click();
    await manager.getByTestId('detail-unpaid').waitFor();
    await manager.getByTestId('mark-packed').click();
    await manager.getByTestId('mark-shipped').waitFor(LIVE);
    await manager.getByTestId('mark-shipped').click();
    const refusal = clean(await manager.getByTestId('unpaid-refusal').innerText());
    const due = `${order.total.replace('.', ',')} $`;
    assert.ok(refusal.startsWith('Commande non payée') && refusal.includes(due), refusal);
    assert.equal(clean(await manager.getByTestId('not-charged').innerText()), 'Ceci ne débite pas le client : encaissez le paiement hors de Comptoir.');
    // English too.
    await manager.getByTestId('lang-switch').click();
    assert.equal(clean(await manager.getByTestId('not-charged').innerText()), 'This does not charge the customer: collect the payment outside Comptoir.');
    await manager.getByTestId('lang-switch').click();
    assert.equal(await row(manager, 'Ana Silva').count(), 1, 'still on the page');

    await manager.getByTestId('record-payment').click();
    await manager.getByTestId('detail-paid').waitFor(LIVE);
    await manager.getByTestId('mark-shipped').click();
    await mrow.waitFor({ state: 'detached', ...LIVE });
    await eventually(async () => assert.deepEqual(woo.statuses(order.id), ['completed']), PLATFORM);
  });

  test('a split order: each outlet sees its part; WooCommerce hears completed only when both are done', async () => {
    // More shirts than any one outlet has: Montréal and Laval share it.
    const order = wooOrder([{ product: products.shirt, qty: 20 }], { name: 'Jeanne Split', email: 'jeanne.split@example.com' });
    assert.equal(await deliver(server, hookUrl, order), 200);
    const mtl = row(manager, 'Jeanne Split');
    await mtl.waitFor(LIVE);
    // The tablet at Montréal lists its part only.
    await tablet.getByTestId('leave-scanner').click();
    await eventually(async () => assert.equal(await row(tablet, 'Jeanne Split').count(), 1), LIVE);
    const mtlQty = clean(await mtl.getByTestId('row-qty').innerText());
    await mtl.click();
    await manager.getByTestId('detail-other-parts').waitFor();
    assert.match(clean(await manager.getByTestId('detail-other-parts').innerText()), /Laval : Nouveau/);
    await manager.getByTestId('mark-packed').click();
    await manager.getByTestId('mark-shipped').waitFor(LIVE);
    await manager.getByTestId('mark-shipped').click();
    await mtl.waitFor({ state: 'detached', ...LIVE });

    await manager.getByTestId('orders-outlet').selectOption('laval');
    const lav = row(manager, 'Jeanne Split');
    await lav.waitFor(LIVE);
    assert.notEqual(clean(await lav.getByTestId('row-qty').innerText()), '', mtlQty);
    // One part done is not the order done.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(woo.statuses(order.id), []);
    await lav.click();
    await manager.getByTestId('mark-packed').click();
    await manager.getByTestId('mark-shipped').waitFor(LIVE);
    await manager.getByTestId('mark-shipped').click();
    await lav.waitFor({ state: 'detached', ...LIVE });
    await eventually(async () => assert.deepEqual(woo.statuses(order.id), ['completed']), PLATFORM);
  });
  test('an online sale returned at the register goes back to its online payment, flagged « à faire chez le processeur »', async () => {
    // Léa Roy's delivery (paid with Stripe) is in her history at the register.
    await tablet.getByTestId('leave-scanner').count() && await tablet.getByTestId('leave-scanner').click();
    await tablet.locator('a[href="/"]').click();
    await reg.ready();
    await tablet.getByTestId('attach-customer').click();
    await tablet.getByTestId('customer-search').fill('Léa Roy');
    await tablet.getByRole('button', { name: 'Léa Roy' }).click();
    const history = tablet.getByTestId('customer-history');
    await history.locator('summary').click();
    await history.locator('li', { hasText: '-W-' }).getByTestId('return-sale').click();
    await tablet.getByTestId('pay').click();
    await tablet.getByTestId('refund-online').click();
    await tablet.getByTestId('sale-completed').waitFor();
    assert.match(clean(await tablet.getByTestId('receipt-processor-refund').innerText()), /^Remboursement à faire chez le processeur \(Stripe\) /);
    const refund = await reg.text('receipt-number');
    await eventually(async () => {
      const { body } = await server.api('/api/v1/sales?limit=1000');
      const back = body.find((x) => x.receipt === refund);
      assert.ok(back, 'the server stored the refund');
      assert.deepEqual(back.tenders.map((t) => [t.kind, t.processor]), [['online', 'Stripe']]);
    }, { timeout: 30_000 });
    await tablet.locator('a[href="/commandes"]').click();
    await tablet.getByTestId('orders-page').waitFor();
  });

  test("scanner mode offline: picks and notes wait in the tablet's outbox and reach the manager's page once the server is back", async () => {
    const item = products.p015;
    const order = wooOrder([{ product: item, qty: 2 }], { name: 'Hors Ligne', email: 'hors.ligne@example.com' });
    assert.equal(await deliver(server, hookUrl, order), 200);
    await manager.getByTestId('orders-outlet').selectOption('montreal');
    const mrow = row(manager, 'Hors Ligne');
    await mrow.waitFor(LIVE);
    await tablet.getByTestId('open-scanner').click();
    if (await tablet.getByTestId('scanner-back').count()) await tablet.getByTestId('scanner-back').click();
    const choice = tablet.locator(`[data-testid="scanner-choose"]`, { hasText: 'Hors Ligne' });
    await choice.waitFor(LIVE);

    await server.stop();
    await choice.click();
    await tablet.getByTestId('assign-me').click();
    await tablet.getByTestId('scanner-assigned').waitFor();
    await wedgeScan(tablet, item.barcode);
    await eventually(async () => assert.equal(clean(await tablet.getByTestId('scanner-qty').innerText()), '1 / 2 prélevé'));
    await tablet.getByTestId('note-unavailable').click();
    await eventually(async () => assert.match(clean(await tablet.getByTestId('scanner-notes').innerText()), /Indisponible/));
    assert.equal(clean(await tablet.getByTestId('scanner-progress').innerText()), 'Prélèvement partiel');

    await server.start();
    await eventually(async () => assert.equal(clean(await mrow.getByTestId('row-qty').innerText()), '1 / 2 prélevé'), { timeout: 60_000, interval: 200 });
    assert.match(clean(await mrow.getByTestId('row-notes').innerText()), /Indisponible/);
    assert.equal(clean(await mrow.getByTestId('row-assigned').innerText()), 'Julie');
    // The tablet's own page, from its pulled copy: the same row once its outbox is empty.
    await eventually(async () => assert.equal(clean(await tablet.getByTestId('scanner-qty').innerText()), '1 / 2 prélevé'), LIVE);
  });
  test('filters, search and finished orders hold alike on the pulled copy and on the server\'s list; a browser with no copy is live too', async () => {
    // A manager's browser whose pulls never succeed has no local copy: it reads GET /orders.
    const bare = await browser.newContext();
    await bare.route('**/api/v1/sync/changes**', (r) => r.abort());
    const remote = await bare.newPage();
    await signIn(remote, server, ADMIN);
    await remote.goto(`${server.url}/commandes`);
    await remote.getByTestId('orders-page').waitFor();
    await remote.getByTestId('orders-outlet').selectOption('montreal');
    await manager.getByTestId('orders-outlet').selectOption('montreal');

    const pickup = wooOrder([{ product: products.p016, qty: 1 }], { pickup: true, name: 'Filtre Ramassage', email: 'filtre.r@example.com' });
    const delivery = wooOrder([{ product: products.p017, qty: 1 }], { name: 'Filtre Livraison', email: 'filtre.l@example.com' });
    assert.equal(await deliver(server, hookUrl, pickup), 200);
    assert.equal(await deliver(server, hookUrl, delivery), 200);
    const names = async (page) => (await page.getByTestId('row-customer').allInnerTexts()).map(clean).sort();
    await row(manager, 'Filtre Ramassage').waitFor(LIVE);
    const receipt = await row(manager, 'Filtre Ramassage').getAttribute('data-receipt');
    for (const page of [manager, remote]) {
      await row(page, 'Filtre Ramassage').waitFor(LIVE);
      await row(page, 'Filtre Livraison').waitFor(LIVE);
      const everything = await names(page);
      assert.ok(everything.includes('Hors Ligne'), everything.join(', '));
      await page.getByTestId('orders-type').selectOption('pickup');
      await eventually(async () => assert.deepEqual(await names(page), ['Filtre Ramassage']));
      await page.getByTestId('orders-type').selectOption('');
      await page.getByTestId('orders-status').selectOption('in_progress');
      await eventually(async () => assert.deepEqual(await names(page), ['Hors Ligne']));
      await page.getByTestId('orders-status').selectOption('');
      await page.getByTestId('orders-search').fill('filtre liv');
      await eventually(async () => assert.deepEqual(await names(page), ['Filtre Livraison']));
      await page.getByTestId('orders-search').fill(receipt);
      await eventually(async () => assert.deepEqual(await names(page), ['Filtre Ramassage']));
      await page.getByTestId('orders-search').fill('');
      await eventually(async () => assert.deepEqual(await names(page), everything));
    }
    assert.equal(await remote.evaluate(() => window.__comptoirStreamConnections > 0), true, 'the bare browser listens to the stream');

    // Live without a copy: a new order, then a status change from the other manager.
    const late = wooOrder([{ product: products.p018, qty: 1 }], { name: 'Sans Copie', email: 'sans.copie@example.com' });
    const sent = Date.now();
    assert.equal(await deliver(server, hookUrl, late), 200);
    await row(remote, 'Sans Copie').waitFor(LIVE);
    console.log(`orders live latency without a local copy (GET /orders on each version): ${Date.now() - sent} ms`);
    await row(manager, 'Sans Copie').click();
    await manager.getByTestId('mark-packed').click();
    await eventually(async () => assert.equal(clean(await row(remote, 'Sans Copie').getByTestId('row-status').innerText()), 'Emballé'), LIVE);
    // Finished from the browser without a copy: it leaves both pages.
    await row(remote, 'Sans Copie').click();
    await remote.getByTestId('mark-shipped').click();
    await row(remote, 'Sans Copie').waitFor({ state: 'detached', ...LIVE });
    await row(manager, 'Sans Copie').waitFor({ state: 'detached', ...LIVE });
    await bare.close();
  });
});
