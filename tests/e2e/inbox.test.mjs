// The back office's held sales and conflicts inbox (/a-traiter) and end-of-day Z report (/rapport-z) in
// a real browser against the real server. Trouble is made through the real sync path: two devices of
// Montréal's register push sales of the same serial (a conflict), a sale under the catalog price without
// an override (held), hats sold beyond the shelf (stock below zero), and a Laval device its own held
// sale. The manager of Montréal sees Montréal's items only, resolves them (a double press records one
// resolution), finds them under « Résolus » with who and when; a cashier gets the refusal page. The Z
// report of a day of known sales shows its totals, taxes and tenders and the counted cash's over/short.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MANAGER, clean, eventually, introduce, oneUnitSale, push, receiptNumber, signIn, signInByApi, useShop,
} from './support.mjs';

const json = { 'content-type': 'application/json' };

/** A cash sale as the register makes it: the total rounded to 0,05 $ (`shared::sale::round_cash`). */
function cashSale(product, opts) {
  const sale = oneUnitSale(product, { ...opts, kind: 'cash' });
  const due = roundCash(sale.totals.total);
  sale.tenders = [{ kind: 'cash', amount: due, tendered: due, change: 0 }];
  return sale;
}

/** Half-up rounding to 0,05 $ as the shared rule does (1–2 ¢ down, 3–4 ¢ up). */
function roundCash(cents) {
  const r = ((cents % 5) + 5) % 5;
  return r <= 2 ? cents - r : cents + (5 - r);
}

/** fr-CA money as the page prints it: `1 234,56 $`. */
function fr(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${units},${String(abs % 100).padStart(2, '0')} $`;
}

describe('the inbox of held sales and conflicts', () => {
  let server, browser, products, context, page, heldSale, laval;
  useShop((s) => ({ server, browser, products } = s));

  before(async () => {
    const a = await introduce(server, 'e2e-inbox-a');
    const b = await introduce(server, 'e2e-inbox-b');
    const serial = await server.api('/api/v1/serials', {
      method: 'POST', headers: json, body: JSON.stringify({ product_id: 'drill', outlet_id: 'montreal', serials: 'A1' }),
    });
    assert.equal(serial.status, 201, JSON.stringify(serial.body));
    // Two registers offline sold the same drill: both sales arrive; the second is a conflict.
    let r = await push(server, a, [oneUnitSale(products.drill, { device: a, seq: 1, id: 'e2e-inbox-drill-a', serial: 'A1' })]);
    assert.equal(r.body.results[0].status, 'stored', JSON.stringify(r.body));
    r = await push(server, b, [oneUnitSale(products.drill, { device: b, seq: 1, id: 'e2e-inbox-drill-b', serial: 'A1' })]);
    assert.equal(r.body.results[0].status, 'stored', JSON.stringify(r.body));
    // Shoes sold at 10,00 $ with no price override: held for review.
    heldSale = oneUnitSale({ ...products.shoes, price: 1000 }, { device: a, seq: 2, id: 'e2e-inbox-held' });
    r = await push(server, a, [heldSale]);
    assert.equal(r.body.results[0].status, 'held', JSON.stringify(r.body));
    // Four hats where Montréal had three.
    const hats = [3, 4, 5, 6].map((seq) => oneUnitSale(products.hat, { device: a, seq, id: `e2e-inbox-hat-${seq}` }));
    r = await push(server, a, hats);
    assert.deepEqual(r.body.results.map((x) => x.status), ['stored', 'stored', 'stored', 'stored']);
    // Laval's own held sale.
    const l = await introduce(server, 'e2e-inbox-laval', 'laval-1');
    laval = {
      ...oneUnitSale({ ...products.shirt, price: 500 }, { device: l, seq: 1, id: 'e2e-inbox-laval', cashier: 'marc' }),
      register_id: 'laval-1', outlet_id: 'laval', receipt: receiptNumber('LAV1', l.number, 1),
    };
    r = await push(server, l, [laval]);
    assert.equal(r.body.results[0].status, 'held', JSON.stringify(r.body));

    context = await browser.newContext();
    page = await context.newPage();
    await signIn(page, server, MANAGER);
    await page.goto(`${server.url}/a-traiter`);
  });

  const item = (kind) => page.locator(`[data-testid="inbox-item"][data-kind="${kind}"]`);
  const text = async (locator) => clean(await locator.innerText());

  test("the manager sees each of her outlet's items with what happened and the suggested resolution, none of Laval's", async () => {
    await item('held_sale').waitFor({ timeout: 60_000 });
    assert.equal(clean(await page.locator('h1').innerText()), 'À traiter');
    const held = item('held_sale');
    assert.equal(await held.count(), 1, 'not the Laval sale');
    assert.equal(
      await text(held.getByTestId('item-what')),
      `Vente ${heldSale.receipt} retenue pour révision : shoes vendu 10,00 $ au lieu de ${fr(products.shoes.price)} (prix du catalogue), sans dérogation de prix.`,
    );
    assert.match(await text(held.getByTestId('item-suggestion')), /^Suggestion : Accepter la vente — Accepter la vente : votre dérogation de prix est enregistrée/);
    assert.equal(await held.getByTestId('sale-link').getAttribute('href'), `/ventes/${heldSale.id}`);

    const conflict = item('conflict');
    assert.equal(await conflict.count(), 1);
    assert.match(await text(conflict.getByTestId('item-what')), /^Numéro de série vendu deux fois : A1 \(Perceuse sans fil\), vendu de nouveau par la vente MTL1-\d+-000001\.$/);
    assert.match(await text(conflict.getByTestId('item-suggestion')), /Marquer comme réglé — Retrouvez l'unité/);

    const stock = item('stock_below_zero');
    assert.equal(await stock.count(), 1);
    assert.equal(await text(stock.getByTestId('item-what')), 'Stock sous zéro : hat à montreal (-1).');

    const everywhere = await page.locator('[data-testid="inbox-item"] .where').allInnerTexts();
    assert.ok(everywhere.length >= 3 && everywhere.every((w) => clean(w) === 'Montréal'), everywhere.join(', '));
    assert.doesNotMatch(await text(page.getByTestId('inbox-list')), new RegExp(laval.receipt));
    assert.equal(await page.getByTestId('inbox-outlet').count(), 0, 'one outlet: no outlet filter');

    // The kind filter.
    await page.getByTestId('inbox-kind').selectOption('conflict');
    await eventually(async () => assert.equal(await page.getByTestId('inbox-item').count(), 1));
    await page.getByTestId('inbox-kind').selectOption('');
    await eventually(async () => assert.ok(await page.getByTestId('inbox-item').count() >= 3));
  });

  test('accepting the held sale, pressed twice, records one resolution and the sale once; it leaves the open list', async () => {
    const held = item('held_sale');
    await held.getByTestId('item-note').fill('prix de la circulaire');
    await held.getByTestId('action-accept_with_override').dblclick();
    await eventually(async () => assert.equal(await item('held_sale').count(), 0), { timeout: 30_000 });
    assert.match(await text(page.getByTestId('inbox-notice')), /^Résolution enregistrée/);

    const resolved = await server.api('/api/v1/inbox?state=resolved');
    assert.equal(resolved.body.length, 1, JSON.stringify(resolved.body));
    assert.equal(resolved.body[0].resolution.staff_id, 'gerante-mtl');
    const sale = await server.api(`/api/v1/sales/${heldSale.id}`);
    assert.equal(sale.status, 200, 'stored');
    assert.equal(sale.body.overrides[0].reason, 'prix de la circulaire');
    const { body: all } = await server.api('/api/v1/sales?limit=1000');
    assert.equal(all.filter((s) => s.id === heldSale.id).length, 1, 'stored once');
  });

  test('a conflict needs a note: the refusal is shown and the item stays; with a note it is resolved', async () => {
    const conflict = item('conflict');
    await conflict.getByTestId('action-acknowledge').click();
    await eventually(async () => assert.equal(await text(conflict.getByTestId('item-message')), 'Une note est requise.'));
    assert.equal(await item('conflict').count(), 1);
    await conflict.getByTestId('item-note').fill('unité retrouvée, reçu corrigé');
    await conflict.getByTestId('action-acknowledge').click();
    await eventually(async () => assert.equal(await item('conflict').count(), 0));
  });

  test("the server's refusal to accept (409 still_held) is shown and the item stays open", async () => {
    // A held sale whose acceptance the server refuses because storing it would hold it again: after it
    // was held, the same device's sequence number went to another sale (a device restored from a
    // backup reuses its numbers), so accepting it now would take a key already on file.
    const c = await introduce(server, 'e2e-inbox-c');
    const again = oneUnitSale({ ...products.shirt, price: 700 }, { device: c, seq: 1, id: 'e2e-inbox-held-2' });
    const r = await push(server, c, [again]);
    assert.equal(r.body.results[0].status, 'held', JSON.stringify(r.body));
    const other = oneUnitSale(products.shirt, { device: c, seq: 1, id: 'e2e-inbox-same-key' });
    const stored = await push(server, c, [other]);
    assert.equal(stored.body.results[0].status, 'stored', JSON.stringify(stored.body));
    await page.reload();
    const held = item('held_sale');
    await held.waitFor({ timeout: 30_000 });
    await held.getByTestId('item-note').fill('accord du client');
    await held.getByTestId('action-accept_with_override').click();
    await eventually(async () => assert.match(await text(held.getByTestId('item-message')), /^Toujours retenue : l'accepter la retiendrait de nouveau\. L'élément reste à traiter\. \(accepting it would hold it again: .*\(key_taken\)\)$/));
    assert.equal(await item('held_sale').count(), 1);
    const open = await server.api('/api/v1/inbox?kind=held_sale');
    assert.equal(open.body.filter((i) => i.outlet_id === 'montreal').length, 1, 'still open on the server');
    const { body: all } = await server.api('/api/v1/sales?limit=1000');
    assert.equal(all.filter((s) => s.id === again.id).length, 0, 'not stored');
    assert.equal(all.filter((s) => s.id === other.id).length, 1, 'the sale that took the key is untouched');
  });

  test('a stock level below zero is corrected to the units counted', async () => {
    const stock = item('stock_below_zero');
    await stock.getByTestId('item-counted').fill('2');
    await stock.getByTestId('action-stock_correction').click();
    await eventually(async () => assert.equal(await item('stock_below_zero').count(), 0));
    const resolved = await server.api('/api/v1/inbox?state=resolved&kind=stock_below_zero');
    assert.deepEqual(resolved.body[0].resolution.outcome, { delta: 3, level: 2 }, JSON.stringify(resolved.body));
  });

  test('« Résolus » lists the resolved items with who and when, and the accepted sale links to its page', async () => {
    await page.getByTestId('tab-resolved').click();
    await eventually(async () => assert.equal(await page.locator('[data-testid="inbox-item"][data-state="resolved"]').count(), 3));
    const accepted = item('held_sale');
    assert.equal(await text(accepted.getByTestId('resolved-by')), 'Gérante Montréal');
    assert.match(await text(accepted.getByTestId('item-resolution')), /Résolu par Gérante Montréal — \d{4}-\d{2}-\d{2} .* — Accepter la vente : prix de la circulaire/);
    assert.equal(await accepted.getByTestId('sale-link').getAttribute('href'), `/ventes/${heldSale.id}`);
    assert.equal(await accepted.getByTestId('action-accept_with_override').count(), 0, 'no actions on a resolved item');
  });

  test('an admin sees every outlet and may filter by outlet', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await signIn(p, server);
    await p.goto(`${server.url}/a-traiter`);
    await p.getByTestId('inbox-outlet').waitFor({ timeout: 60_000 });
    await p.getByTestId('inbox-outlet').selectOption('laval');
    await eventually(async () => {
      const items = await p.locator('[data-testid="inbox-item"] [data-testid="item-what"]').allInnerTexts();
      assert.equal(items.length, 1);
      assert.match(clean(items[0]), new RegExp(`Vente ${laval.receipt} retenue`));
    });
    await other.close();
  });

  test('a cashier gets the refusal page, and so does the server', async () => {
    const made = await server.api('/api/v1/staff', {
      method: 'POST', headers: json,
      body: JSON.stringify({ name: 'Caissière', email: 'caisse@demo.comptoir', role: 'cashier', outlets: ['montreal'], password: 'caisse-mtl-2026' }),
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const cashier = { email: 'caisse@demo.comptoir', password: 'caisse-mtl-2026' };
    const other = await browser.newContext();
    const p = await other.newPage();
    await signIn(p, server, cashier);
    for (const path of ['/a-traiter', '/rapport-z']) {
      await p.goto(`${server.url}${path}`);
      await p.getByTestId('refused').waitFor({ timeout: 60_000 });
      assert.match(clean(await p.getByTestId('refused').innerText()), /réservée aux gérants et aux administrateurs/);
      assert.equal(await p.getByTestId('inbox-item').count(), 0);
    }
    const { token } = await signInByApi(server, cashier);
    const r = await server.api('/api/v1/inbox', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 403);
    await other.close();
  });

  after(async () => context?.close());
});

describe('the end-of-day (Z) report', () => {
  let server, browser, products, context, page, shoes, hat;
  useShop((s) => ({ server, browser, products } = s));

  before(async () => {
    const d = await introduce(server, 'e2e-z');
    shoes = cashSale(products.shoes, { device: d, seq: 1, id: 'e2e-z-1' });
    hat = oneUnitSale(products.hat, { device: d, seq: 2, id: 'e2e-z-2', kind: 'card' });
    const r = await push(server, d, [shoes, hat]);
    assert.deepEqual(r.body.results.map((x) => x.status), ['stored', 'stored'], JSON.stringify(r.body));
    context = await browser.newContext({ timezoneId: 'America/Montreal' });
    page = await context.newPage();
    await signIn(page, server, MANAGER);
  });

  test("today's report at Montréal: sales, each tax, tenders, cash rounding and expected cash; the counted cash's over/short", async () => {
    await page.goto(`${server.url}/rapport-z`);
    const z = (id) => page.getByTestId(id);
    await z('z-report').waitFor({ timeout: 60_000 });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(new Date());
    assert.equal(await z('z-date').inputValue(), today, 'today in the outlet’s zone');
    const cash = shoes.tenders[0].amount;
    const tax = (code) => shoes.totals.taxes.find((t) => t.code === code).amount + hat.totals.taxes.find((t) => t.code === code).amount;
    await z('z-float').fill('200');
    await z('z-float').dispatchEvent('change');
    await eventually(async () => assert.equal(clean(await z('z-opening-float').innerText()), '200,00 $'));
    assert.equal(clean(await z('z-sale-count').innerText()), '2');
    assert.equal(clean(await z('z-gross').innerText()), fr(products.shoes.price + products.hat.price));
    assert.equal(clean(await z('z-tax-gst').innerText()), fr(tax('gst')));
    assert.equal(clean(await z('z-tax-qst').innerText()), fr(tax('qst')));
    assert.equal(clean(await z('z-total').innerText()), fr(shoes.totals.total + hat.totals.total));
    assert.equal(clean(await z('z-tender-cash').innerText()), fr(cash));
    assert.equal(clean(await z('z-tender-card').innerText()), fr(hat.totals.total));
    assert.equal(clean(await z('z-cash-rounding').innerText()), fr(cash - shoes.totals.total));
    assert.equal(clean(await z('z-expected-cash').innerText()), fr(20_000 + cash));

    await z('z-counted').fill(((20_000 + cash + 200) / 100).toFixed(2).replace('.', ','));
    await eventually(async () => assert.equal(clean(await z('cash-difference').innerText()), 'Excédent 2,00 $'));
    await z('z-counted').fill(((20_000 + cash - 5) / 100).toFixed(2).replace('.', ','));
    await eventually(async () => assert.equal(clean(await z('cash-difference').innerText()), 'Manque 0,05 $'));

    // Recorded, once however fast the button is pressed: the count is kept with what the report
    // expected, by whom, and shows on the report read again.
    await z('z-record-count').dblclick();
    await eventually(async () => assert.equal(await page.getByTestId('z-recorded-count').count(), 1));
    const recorded = page.getByTestId('z-recorded-count').first();
    assert.equal(clean(await recorded.getByTestId('z-recorded-outcome').innerText()), 'Manque 0,05 $');
    assert.match(clean(await recorded.innerText()), /Gérante Montréal/);
    const { body: audit } = await server.api('/api/v1/audit?action=cash_counted');
    assert.equal(audit.length, 1, JSON.stringify(audit));

    // The register's report and another day.
    await z('z-scope').selectOption('register:montreal-1');
    await eventually(async () => assert.equal(clean(await z('z-scope-name').innerText()), 'Caisse 1 — Montréal'));
    await eventually(async () => assert.equal(clean(await z('z-sale-count').innerText()), '2'));
    await z('z-date').fill('2020-01-02');
    await z('z-date').dispatchEvent('change');
    await eventually(async () => assert.equal(clean(await z('z-sale-count').innerText()), '0'));
    assert.equal(clean(await z('z-expected-cash').innerText()), '200,00 $');
  });

  test('printable: on 80 mm paper by default, on letter paper when chosen', async () => {
    await page.emulateMedia({ media: 'print' });
    const width = async () => page.getByTestId('z-report').evaluate((e) => e.closest('.zreport').getBoundingClientRect().width);
    const narrow = await width();
    assert.ok(narrow > 200 && narrow < 300, `72 mm ≈ 272 px, got ${narrow}`);
    assert.equal(await page.getByTestId('z-counted').isVisible(), false, 'no inputs on paper');
    await page.emulateMedia({ media: 'screen' });
    await page.getByTestId('z-paper-letter').check();
    await page.emulateMedia({ media: 'print' });
    assert.ok(await width() > narrow * 2, 'letter is wider');
    await page.emulateMedia({ media: 'screen' });
    // English, like every page.
    await page.getByTestId('lang-switch').click();
    await eventually(async () => assert.equal(clean(await page.locator('h1').innerText()), 'End-of-day (Z) report'));
    await page.getByTestId('lang-switch').click();
  });

  after(async () => context?.close());
});
