// Catalogue › Produits and CSV import/export (issue 12 items 1 and 8) in a real browser against the real
// server: a manager creates a product (a wrong GTIN check digit refused beside the field, nothing sent,
// then fixed), saving once however fast it is clicked; edits its price and a register in another
// browser context shows the new price after sync; the search finds it while typing and an older answer
// never replaces a newer one; a CSV file with a wrong row is previewed with the row's error and
// importing it changes nothing, a valid file imports; the export downloads the catalog; a cashier
// opening /produits is refused, by the page and by the server.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGER, RegisterPage, browserDevice, clean, deviceHeaders, eventually, signIn, useShop } from './support.mjs';

/** `digits` (12 of them) with its GTIN-13 check digit: `shared::barcode`'s mod-10 rule. */
function gtin13(digits) {
  const sum = [...digits].reduce((s, d, i) => s + Number(d) * (i % 2 ? 3 : 1), 0);
  return digits + ((10 - (sum % 10)) % 10);
}
/** The same code with a wrong check digit. */
function wrongCheckDigit(code) {
  return code.slice(0, -1) + ((Number(code.at(-1)) + 1) % 10);
}

const SKU = 'TASSE-E2E';
const BARCODE = gtin13('077123400001');

describe('Catalogue › Produits and CSV import', () => {
  let server, browser, manager, reg, device;
  useShop((s) => ({ server, browser } = s));

  /** Products the server has with this SKU (search by the start of a SKU). */
  async function bySku(sku) {
    const { status, body } = await server.api(`/api/v1/products?q=${encodeURIComponent(sku)}`);
    assert.equal(status, 200);
    return body.filter((p) => p.sku === sku);
  }

  before(async () => {
    manager = await (await browser.newContext()).newPage();
    await signIn(manager, server, MANAGER);
    reg = new RegisterPage(await (await browser.newContext()).newPage(), server);
    await reg.open();
    device = await browserDevice(reg.page);
  });

  test('a cashier opening /produits is refused, and so is the server asked directly', async () => {
    await reg.page.goto(`${server.url}/produits`);
    await reg.page.getByTestId('managers-only').waitFor({ timeout: 60_000 });
    assert.equal(clean(await reg.page.getByTestId('managers-only').innerText()).startsWith('Cette page est réservée aux gérants'), true);
    assert.equal(await reg.page.getByTestId('products').count(), 0);
    const asCashier = await server.api('/api/v1/products', { headers: deviceHeaders(device, 'julie') });
    assert.equal(asCashier.status, 401);
    await reg.page.goto(`${server.url}/import`);
    await reg.page.getByTestId('managers-only').waitFor();
    await reg.open();
  });

  test('a wrong GTIN check digit is refused beside its field with nothing sent, then the fixed product saves once', async () => {
    let posts = 0;
    manager.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/products')) posts++; });
    await manager.goto(`${server.url}/produits`);
    await manager.getByTestId('new-product').click();
    await manager.getByTestId('product-form').waitFor();
    await manager.getByTestId('field-name').fill('Tasse Comptoir');
    await manager.getByTestId('field-sku').fill(SKU);
    await manager.getByTestId('field-barcode').fill(wrongCheckDigit(BARCODE));
    await manager.getByTestId('field-price').fill('12,34');
    await manager.getByTestId('field-quick_key').check();
    await manager.getByTestId('save-product').click();
    assert.equal(clean(await manager.getByTestId('error-barcode').innerText()), 'Chiffre de contrôle erroné : vérifiez le code-barres.');
    assert.equal(clean(await manager.getByTestId('product-notice').innerText()), 'Corrigez les champs signalés.');
    assert.equal(posts, 0, 'the shared rule refused it before anything was sent');
    assert.deepEqual(await bySku(SKU), []);

    await manager.getByTestId('field-barcode').fill(BARCODE);
    // Two clicks as fast as the browser can: one product.
    await manager.getByTestId('save-product').dblclick();
    await eventually(async () => assert.equal(clean(await manager.getByTestId('product-notice').innerText()), 'Produit enregistré.'));
    assert.equal(await manager.getByTestId('error-barcode').count(), 0);
    const saved = await bySku(SKU);
    assert.equal(saved.length, 1);
    assert.equal(posts, 1);
    assert.deepEqual(
      { barcode: saved[0].barcode, price: saved[0].price, quick_key: saved[0].quick_key, name: saved[0].name },
      { barcode: BARCODE, price: 1234, quick_key: true, name: 'Tasse Comptoir' },
    );
    assert.equal(new URL(manager.url()).pathname, `/produits/${saved[0].id}`);
  });

  test("a price edit reaches the register's quick key and its next scan through sync", async () => {
    const [product] = await bySku(SKU);
    const key = reg.page.locator(`.quick-key[data-product="${product.id}"] .qk-price`);
    await eventually(async () => assert.equal(clean(await key.innerText()), '12,34 $'), { timeout: 60_000 });

    await manager.goto(`${server.url}/produits/${product.id}`);
    await manager.getByTestId('product-form').waitFor();
    assert.equal(await manager.getByTestId('field-price').inputValue(), '12,34');
    await manager.getByTestId('field-price').fill('15.00'); // typed the English way: the same parser
    await manager.getByTestId('field-quick_key_position').fill('1'); // with the first keys of the pad
    await manager.getByTestId('save-product').click();
    await eventually(async () => assert.equal(clean(await manager.getByTestId('product-notice').innerText()), 'Produit enregistré.'));
    assert.deepEqual(((p) => [p.price, p.quick_key_position])((await bySku(SKU))[0]), [1500, 1]);

    await eventually(async () => assert.equal(clean(await key.innerText()), '15,00 $'), { timeout: 60_000 });
    // Placed at 1: the pad's placed keys come first, by place then by name (Chemise is the demo's 1,
    // Chapeau its 2), so it moves from after them to between those two.
    const pad = async () => (await reg.page.locator('.quick-key').evaluateAll((keys) => keys.map((k) => k.dataset.product))).slice(0, 3);
    await eventually(async () => assert.deepEqual(await pad(), ['shirt', product.id, 'hat']));
    await reg.scan(BARCODE);
    await eventually(async () => assert.match((await reg.lineTexts()).join(' | '), /Tasse Comptoir.*15,00 \$/));
  });

  test('turning serial numbers off says the recorded serials are kept', async () => {
    const [product] = await bySku(SKU);
    await manager.goto(`${server.url}/produits/${product.id}`);
    await manager.getByTestId('field-tracks_serials').check();
    assert.equal(await manager.getByTestId('serials-kept').count(), 0, 'not while it was off');
    await manager.getByTestId('save-product').click();
    await eventually(async () => assert.equal((await bySku(SKU))[0].tracks_serials, true));
    await manager.getByTestId('field-tracks_serials').uncheck();
    assert.match(clean(await manager.getByTestId('serials-kept').innerText()), /sont conservés/);
  });

  test('the search finds the product while typing; an older answer never replaces a newer one', async () => {
    await manager.goto(`${server.url}/produits`);
    await manager.getByTestId('products').waitFor();
    // The answer to the first search is held until the second has been shown.
    let release, seen;
    const held = new Promise((ok) => { release = ok; });
    const sent = new Promise((ok) => { seen = ok; });
    await manager.route('**/api/v1/products?*q=zzz*', async (route) => {
      seen();
      await held;
      await route.continue();
    });
    const search = manager.getByTestId('product-search');
    await search.fill('zzz');
    await sent;
    await search.fill('tasse comptoir');
    const rows = manager.locator('tr.product-row');
    await eventually(async () => assert.deepEqual(await rows.locator('[data-testid="sku"]').allInnerTexts(), [SKU]));
    const oldAnswer = manager.waitForResponse((r) => r.url().includes('q=zzz'));
    release();
    await (await oldAnswer).finished();
    // Two frames: the page has read the old answer (and dropped it) and drawn whatever it would.
    await manager.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    assert.deepEqual(await rows.locator('[data-testid="sku"]').allInnerTexts(), [SKU]);
    assert.equal(clean(await rows.getByTestId('price').innerText()), '15,00 $');
    await manager.unroute('**/api/v1/products?*q=zzz*');

    // By whole barcode, and filtered.
    await search.fill(BARCODE);
    await eventually(async () => assert.deepEqual(await rows.locator('[data-testid="sku"]').allInnerTexts(), [SKU]));
    await search.fill('');
    await manager.getByTestId('filter-serials').selectOption('yes');
    await eventually(async () => {
      const flags = await rows.getByTestId('serials').allInnerTexts();
      assert.ok(flags.length > 0);
      assert.deepEqual([...new Set(flags)], ['Oui']);
    });
  });

  test('a CSV file with a wrong row is previewed with its error and importing it changes nothing; a valid file imports', async () => {
    const good = gtin13('077123400002');
    const file = (barcode) => ({
      name: 'produits.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`id,sku,name,price,barcode\n,CSV-E2E-1,Bol Comptoir,8.50,${good}\n,CSV-E2E-2,Assiette Comptoir,"9,75",${barcode}\n`),
    });
    await manager.goto(`${server.url}/import`);
    await manager.getByTestId('import-file').setInputFiles(file(wrongCheckDigit(gtin13('077123400003'))));
    await manager.getByTestId('import-preview').click();
    await manager.getByTestId('import-report').waitFor();
    assert.equal(await manager.getByTestId('count-errors').innerText(), '1');
    assert.equal(await manager.getByTestId('count-creates').innerText(), '1');
    const error = manager.locator('tr.import-error');
    assert.equal(await error.count(), 1);
    assert.equal(await error.getAttribute('data-row'), '3');
    assert.match(clean(await error.innerText()), /^3 Code-barres Chiffre de contrôle erroné/);

    await manager.getByTestId('import-apply').click();
    await eventually(async () => assert.equal(await manager.getByTestId('import-report').getAttribute('data-applied'), 'false'));
    await manager.getByTestId('import-errors-notice').waitFor();
    assert.deepEqual(await bySku('CSV-E2E-1'), [], 'all or nothing: the good row was not written either');

    await manager.getByTestId('import-file').setInputFiles(file(gtin13('077123400003')));
    await manager.getByTestId('import-preview').click();
    await eventually(async () => assert.equal(await manager.getByTestId('count-creates').innerText(), '2'));
    assert.equal(await manager.getByTestId('count-errors').innerText(), '0');
    await manager.getByTestId('import-apply').click();
    await eventually(async () =>
      assert.equal(clean(await manager.getByTestId('import-done').innerText()), 'Importation terminée : 2 créés, 0 modifiés, 0 inchangés.'));
    assert.equal((await bySku('CSV-E2E-1'))[0].price, 850);
    assert.equal((await bySku('CSV-E2E-2'))[0].price, 975);
  });

  test('the export downloads every product as CSV', async () => {
    await manager.goto(`${server.url}/import`);
    const [download] = await Promise.all([manager.waitForEvent('download'), manager.getByTestId('export-products').click()]);
    const text = (await (await download.createReadStream()).toArray()).join('');
    const lines = text.trim().split('\n');
    assert.equal(lines[0], 'id,sku,barcode,name,price,tax_class,tracks_serials,low_stock_threshold,quick_key,quick_key_position,loyalty_points');
    assert.ok(lines.some((l) => l.includes(`,${SKU},${BARCODE},Tasse Comptoir,15.00,`)), 'the edited product, at its new price');
    assert.ok(lines.some((l) => l.includes(',CSV-E2E-2,')));
  });
});
