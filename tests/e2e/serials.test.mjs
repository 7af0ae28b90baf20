// The serial numbers page (seed 000) in a real browser against the real server: add a comma list,
// duplicates refused by name with nothing added, the trash icon behind its confirmation, "Vendu le"
// linking to the sale, the filters sent to the server a page at a time, and a serial's history.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGER, clean, eventually, introduce, oneUnitSale, push, signIn, useShop } from './support.mjs';

describe('the serial numbers page', () => {
  let server, browser, context, page, products;
  useShop((s) => ({ server, browser, products } = s));
  before(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    // Deleting a serial number needs a manager's session.
    await signIn(page, server, MANAGER);
  });

  const rows = () => page.locator('tr.serial-row');
  const serialsShown = async () => (await page.locator('tr.serial-row td.serial').allInnerTexts()).map(clean);
  const notice = async () => clean(await page.getByTestId('serial-notice').innerText());

  /** Picks a product in a picker (`serial-product` or `filter-product`) by searching part of its name. */
  async function pickProduct(testid, typed, name) {
    await page.getByTestId(testid).fill(typed);
    await page.getByTestId(`${testid}-option`).filter({ hasText: name }).click();
    assert.equal(await page.getByTestId(testid).inputValue(), name);
  }

  async function addSerials(list) {
    await pickProduct('serial-product', 'perceuse', 'Perceuse sans fil');
    await page.getByTestId('serial-outlet').selectOption({ label: 'Montréal' });
    await page.getByTestId('serial-list').fill(list);
    await page.getByTestId('add-serials').click();
  }

  test('a comma list adds one row per serial, trimmed, empty entries ignored', async () => {
    await page.goto(`${server.url}/numeros-de-serie`);
    assert.equal(clean(await page.locator('h1').innerText()), 'Numéros de série');
    // The catalog is loaded once the form offers its product with serial numbers.
    await eventually(async () => assert.equal(await page.getByTestId('serial-product').inputValue(), 'Perceuse sans fil'), { timeout: 60_000 });
    await addSerials('SN-1, SN-2 , ,SN-3');
    await eventually(async () => assert.deepEqual(await serialsShown(), ['SN-1', 'SN-2', 'SN-3']));
    assert.equal(await notice(), '3 numéros de série ajoutés');
    assert.equal(await page.getByTestId('serial-list').inputValue(), '', 'the field is emptied');
    const first = (await rows().first().allInnerTexts()).map(clean)[0];
    assert.match(first, /Perceuse sans fil\s+SN-1\s+Montréal\s+En stock/);
  });

  test('a list with a serial already on file is refused naming it, and nothing is added', async () => {
    await addSerials('SN-3, SN-9');
    await eventually(async () => assert.match(await notice(), /en double.*SN-3/));
    assert.doesNotMatch(await notice(), /SN-9/);
    assert.deepEqual(await serialsShown(), ['SN-1', 'SN-2', 'SN-3']);
    const { body } = await server.api('/api/v1/serials?product_id=drill');
    assert.deepEqual(body.map((s) => s.serial), ['SN-1', 'SN-2', 'SN-3'], 'SN-9 was not added');
  });

  test('the trash icon asks first: Non (or Escape) deletes nothing', async () => {
    const row = page.locator('tr.serial-row[data-serial="SN-2"]');
    await row.getByRole('button', { name: 'Supprimer SN-2' }).click();
    assert.equal(clean(await row.getByTestId('serial-confirm').innerText()), 'Supprimer ce numéro ? Oui Non');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'serial-confirm-no', 'the keyboard is on the safe answer');
    await row.getByRole('button', { name: 'Non' }).click();
    assert.equal(await row.getByTestId('serial-confirm').count(), 0);
    // By keyboard: Enter on the trash icon, Escape.
    await row.getByRole('button', { name: 'Supprimer SN-2' }).focus();
    await page.keyboard.press('Enter');
    await row.getByTestId('serial-confirm').waitFor();
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await row.getByTestId('serial-confirm').count(), 0));
    assert.deepEqual(await serialsShown(), ['SN-1', 'SN-2', 'SN-3']);
    const { body } = await server.api('/api/v1/serials?product_id=drill');
    assert.deepEqual(body.map((s) => s.serial), ['SN-1', 'SN-2', 'SN-3'], 'nothing deleted');
  });

  test('Oui deletes the serial with one request, however fast it is pressed', async () => {
    const deletes = [];
    const count = (r) => r.method() === 'DELETE' && r.url().includes('/api/v1/serials/') && deletes.push(r.url());
    page.on('request', count);
    const row = page.locator('tr.serial-row[data-serial="SN-2"]');
    await row.getByRole('button', { name: 'Supprimer SN-2' }).click();
    await row.getByRole('button', { name: 'Oui' }).dblclick();
    await eventually(async () => assert.deepEqual(await serialsShown(), ['SN-1', 'SN-3']));
    page.off('request', count);
    assert.deepEqual(deletes, [`${server.url}/api/v1/serials/drill/SN-2`]);
    assert.equal(await page.getByTestId('serial-notice').count(), 0, 'no error');
    const { body } = await server.api('/api/v1/serials?product_id=drill');
    assert.deepEqual(body.map((s) => s.serial), ['SN-1', 'SN-3']);
  });

  test('a synced sale of a serial shows "Vendu le" with the date, time and a link to the sale', async () => {
    const device = await introduce(server, 'e2e-serials');
    const sale = oneUnitSale(products.drill, { device, seq: 900, id: 'e2e-serial-sale-900', serial: 'SN-1' });
    const pushed = await push(server, device, [sale]);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(pushed.body.results[0].status, 'stored');

    await page.reload();
    const link = page.locator('tr.serial-row[data-serial="SN-1"] [data-testid="sold-on"]');
    await link.waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('th').allInnerTexts()).map(clean).includes('Vendu le'));
    assert.equal(await link.getAttribute('href'), `/ventes/${sale.id}`);
    assert.match(clean(await link.innerText()), /\d{4}-\d{2}-\d{2}.*\d{1,2}\s*h?\s*[:]?\s*\d{2}/, 'date and time');
    assert.equal(await page.locator('tr.serial-row[data-serial="SN-3"] [data-testid="sold-on"]').count(), 0);

    // The link opens the sale's own page in sales history, whatever its age.
    await link.click();
    await eventually(async () => assert.equal(new URL(page.url()).pathname, `/ventes/${sale.id}`));
    await eventually(async () => assert.equal(clean(await page.getByTestId('details-receipt').innerText()), sale.receipt), { timeout: 30_000 });
    assert.match(clean(await page.getByTestId('details-serials').innerText()), /SN-1/);
  });

  test('the filters ask the server, a page of 100 at a time, and "Charger plus" brings the next', async () => {
    for (const [product, serials] of [['shirt', 'CH-1, ch-2'], ['hat', Array.from({ length: 120 }, (_, i) => `HAT-${String(i).padStart(3, '0')}`).join(', ')]]) {
      const added = await server.api('/api/v1/serials', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ product_id: product, outlet_id: 'montreal', serials }),
      });
      assert.equal(added.status, 201, JSON.stringify(added.body));
    }
    const asked = [];
    const listed = (r) => r.url().includes('/api/v1/serials?') && asked.push(new URL(r.url()).searchParams);
    page.on('request', listed);
    await page.goto(`${server.url}/numeros-de-serie`);
    // By product then serial: the drill's, the hat's first 98 — a page of 100.
    await eventually(async () => assert.equal((await serialsShown()).length, 100), { timeout: 30_000 });
    assert.deepEqual((await serialsShown()).slice(0, 3), ['SN-1', 'SN-3', 'HAT-000']);
    assert.equal(asked.at(-1).get('limit'), '100');
    await page.getByTestId('load-more').click();
    await eventually(async () => assert.equal((await serialsShown()).length, 124));
    assert.deepEqual((await serialsShown()).slice(-3), ['HAT-119', 'CH-1', 'ch-2']);
    assert.equal(await page.getByTestId('load-more').count(), 0, 'nothing more');

    await page.getByTestId('filter-sold').selectOption('true');
    await eventually(async () => assert.deepEqual(await serialsShown(), ['SN-1']));
    assert.equal(asked.at(-1).get('sold'), 'true');
    await page.getByTestId('filter-sold').selectOption('false');
    await eventually(async () => assert.equal((await serialsShown())[0], 'SN-3'));
    await page.getByTestId('serial-search').fill('CH');
    await eventually(async () => assert.deepEqual(await serialsShown(), ['CH-1', 'ch-2']), { timeout: 5_000 });
    assert.equal(asked.at(-1).get('q'), 'CH');
    await page.getByTestId('serial-search').fill('');
    await page.getByTestId('filter-sold').selectOption('');
    await pickProduct('filter-product', 'chem', 'Chemise');
    await eventually(async () => assert.deepEqual(await serialsShown(), ['CH-1', 'ch-2']));
    assert.equal(asked.at(-1).get('product_id'), 'shirt');
    await page.getByTestId('serial-search').fill('2');
    await eventually(async () => assert.deepEqual(await serialsShown(), ['ch-2']));
    await page.getByTestId('serial-search').fill('zz');
    await eventually(async () => assert.equal(clean(await page.getByTestId('serials-empty').innerText()), 'Aucun numéro de série ne correspond à ces filtres.'));
    await page.getByTestId('serial-search').fill('');
    await page.getByTestId('serial-filters').getByRole('button', { name: 'Effacer le produit' }).click();
    await eventually(async () => assert.equal((await serialsShown()).length, 100));
    assert.equal(asked.at(-1).get('product_id'), null);
    assert.ok(asked.every((q) => q.get('limit') === '100'), 'never the whole file at once');
    page.off('request', listed);
  });

  test('"Historique" shows a serial\'s history: received, then sold with a link to the sale', async () => {
    const row = page.locator('tr.serial-row[data-serial="SN-1"]');
    const toggle = row.getByRole('button', { name: 'Historique SN-1' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const history = page.getByTestId('serial-history');
    await history.locator('tr.serial-event').nth(1).waitFor();
    const events = (await history.locator('tr.serial-event').allInnerTexts()).map(clean);
    assert.equal(events.length, 2, events.join(' | '));
    assert.match(events[0], /^Entré en stock\s+Montréal\s+\d{4}-\d{2}-\d{2}/);
    assert.match(events[1], /^Vendu\s+Montréal\s+\d{4}-\d{2}-\d{2}.*e2e-serial-sale-900$/);
    assert.equal(await history.getByTestId('event-sale').getAttribute('href'), '/ventes/e2e-serial-sale-900');
    await toggle.click();
    assert.equal(await page.getByTestId('serial-history').count(), 0);

    // A deleted serial keeps its history on the server.
    const { status, body } = await server.api('/api/v1/serials/drill/SN-2/history');
    assert.equal(status, 200);
    assert.deepEqual(body.map((e) => e.kind), ['received', 'deleted']);
  });

  test('without the server the page says so', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await p.route('**/api/v1/serials*', (route) => route.abort('connectionrefused'));
    await p.goto(`${server.url}/numeros-de-serie`);
    await eventually(async () => assert.match(clean(await p.locator('.serials-page').innerText()), /Serveur injoignable/));
    await other.close();
  });
});
