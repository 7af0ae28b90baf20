// Scanners in a real browser against the real server: a WebHID scanner (HID POS and keyboard emulation)
// and a Web Serial scanner, faked at the browser API boundary (`navigator.hid`, `navigator.serial`: no
// device here), paired on the Lecteurs screen, remembered across a reload, and their scans routed —
// to the cart, to the serial-number prompt, or held while the pay dialog is open.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterPage, clean, eventually, useShop } from './support.mjs';

/**
 * Runs in the page before the app: fake `navigator.hid` and `navigator.serial` that offer the device
 * the test puts in `__fakeHid.offer` / `__fakeSerial.offer`, remember what was granted (as the browser
 * does, here in the page's localStorage) and let the test send input reports or serial bytes.
 */
function installFakeDevices() {
  const load = (k) => JSON.parse(localStorage.getItem(k) || '[]');
  const save = (k, v) => localStorage.setItem(k, JSON.stringify(v));
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  class FakeHidDevice extends EventTarget {
    constructor(spec) {
      super();
      this.spec = spec;
      this.vendorId = spec.vendorId;
      this.productId = spec.productId;
      this.productName = spec.productName;
      this.collections = spec.collections;
      this.opened = false;
    }
    async open() { this.opened = true; }
    async close() { this.opened = false; }
    async forget() {
      this.opened = false;
      save('__fakeHidGranted', load('__fakeHidGranted').filter((s) => !same(s, this.spec)));
    }
    report(bytes, reportId = 0) {
      const ev = new Event('inputreport');
      const data = new DataView(new Uint8Array(bytes).buffer);
      Object.defineProperties(ev, { device: { value: this }, reportId: { value: reportId }, data: { value: data } });
      this.dispatchEvent(ev);
    }
  }
  const hidDevices = [];
  const hidDevice = (spec) => {
    let d = hidDevices.find((x) => same(x.spec, spec));
    if (!d) hidDevices.push((d = new FakeHidDevice(spec)));
    return d;
  };
  const hid = Object.assign(new EventTarget(), {
    offer: null,
    async getDevices() { return load('__fakeHidGranted').map(hidDevice); },
    async requestDevice({ filters }) {
      if (!hid.offer || !Array.isArray(filters) || !filters.length) return [];
      const granted = load('__fakeHidGranted');
      if (!granted.some((s) => same(s, hid.offer))) save('__fakeHidGranted', [...granted, hid.offer]);
      return [hidDevice(hid.offer)];
    },
    /** The device the app opened. */
    opened() { return hidDevices.find((d) => d.opened); },
  });

  class FakeSerialPort extends EventTarget {
    constructor(spec) {
      super();
      this.spec = spec;
      this.readable = null;
      this.controller = null;
    }
    getInfo() { return { usbVendorId: this.spec.usbVendorId, usbProductId: this.spec.usbProductId }; }
    async open(options) {
      if (this.readable) throw new DOMException('The port is already open.', 'InvalidStateError');
      serial.opens.push(options.baudRate);
      this.readable = new ReadableStream({ start: (c) => { this.controller = c; } });
      // What the app writes (a receipt printer's ESC/POS commands), byte by byte.
      this.written = [];
      this.writable = new WritableStream({ write: (chunk) => { this.written.push(...chunk); } });
    }
    async close() {
      if (this.readable?.locked) throw new TypeError('Cannot close a locked stream');
      this.readable = null;
      this.writable = null;
      this.controller = null;
    }
    async forget() { save('__fakeSerialGranted', load('__fakeSerialGranted').filter((s) => !same(s, this.spec))); }
    feed(bytes) { this.controller.enqueue(new Uint8Array(bytes)); }
  }
  const ports = [];
  const port = (spec) => {
    let p = ports.find((x) => same(x.spec, spec));
    if (!p) ports.push((p = new FakeSerialPort(spec)));
    return p;
  };
  const serial = Object.assign(new EventTarget(), {
    offer: null,
    /** Each `open()`'s baud rate, in order. */
    opens: [],
    async getPorts() { return load('__fakeSerialGranted').map(port); },
    async requestPort() {
      if (!serial.offer) throw new DOMException('No port selected by the user.', 'NotFoundError');
      const granted = load('__fakeSerialGranted');
      if (!granted.some((s) => same(s, serial.offer))) save('__fakeSerialGranted', [...granted, serial.offer]);
      return port(serial.offer);
    },
    opened() { return ports.find((p) => p.readable && !same(p.spec, serial.printer || {})); },
    /** The port with this spec, opened or not. */
    portOf(spec) { return ports.find((p) => same(p.spec, spec)); },
  });

  Object.defineProperty(navigator, 'hid', { value: hid, configurable: true });
  Object.defineProperty(navigator, 'serial', { value: serial, configurable: true });
  window.__fakeHid = hid;
  window.__fakeSerial = serial;
}

const POS_SCANNER = {
  vendorId: 0x0c2e, productId: 0x0b61, productName: 'Lecteur POS test',
  collections: [{ usagePage: 0x8c, usage: 0x02 }],
};
const KEYBOARD_SCANNER = {
  vendorId: 0x05e0, productId: 0x1200, productName: 'Lecteur clavier test',
  collections: [{ usagePage: 0x01, usage: 0x06 }],
};
const SERIAL_SCANNER = { usbVendorId: 0x0403, usbProductId: 0x6001 };
const PRINTER = { usbVendorId: 0x0519, usbProductId: 0x0001 };
const DRAWER_KICK = [0x1b, 0x70, 0x00, 0x19, 0xfa];
const FEED_AND_CUT = [0x1d, 0x56, 0x42, 0x00];

/** A HID POS Scanned Data Report: length, AIM symbology `]E0`, the code, zero padding (63 bytes). */
function posReport(code) {
  const bytes = new Array(63).fill(0);
  bytes[0] = code.length;
  [...']E0'].forEach((c, i) => { bytes[1 + i] = c.charCodeAt(0); });
  [...code].forEach((c, i) => { bytes[4 + i] = c.charCodeAt(0); });
  return bytes;
}

/** Boot-keyboard reports for `code` then Enter, as a keyboard-emulation scanner sends them (digits and capitals). */
function keyReports(code) {
  const usage = (c) => {
    if (c >= '1' && c <= '9') return [0, 0x1e + c.charCodeAt(0) - 49];
    if (c === '0') return [0, 0x27];
    if (c >= 'A' && c <= 'Z') return [0x02, 0x04 + c.charCodeAt(0) - 65];
    if (c >= 'a' && c <= 'z') return [0, 0x04 + c.charCodeAt(0) - 97];
    if (c === '-') return [0, 0x2d];
    throw new Error(`no key for ${c}`);
  };
  const reports = [];
  for (const c of code) {
    const [mods, key] = usage(c);
    reports.push([mods, 0, key, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]);
  }
  reports.push([0, 0, 0x28, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]);
  return reports;
}

const bytesOf = (text) => [...text].map((c) => c.charCodeAt(0));

describe('scanners', () => {
  let server, browser, products, context, reg;
  useShop((s) => ({ server, browser, products } = s));
  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext();
    await context.addInitScript(installFakeDevices);
    reg = await new RegisterPage(await context.newPage(), server).open();
  });

  const page = () => reg.page;
  async function toSettings() {
    await page().locator('a[href="/reglages-lecteur"]').click();
    await page().getByTestId('hid-status').waitFor();
  }
  async function toSell() {
    await page().locator('nav a[href="/"]').click();
    await reg.ready();
  }
  async function pairHid(spec) {
    await page().evaluate((s) => { window.__fakeHid.offer = s; }, spec);
    await page().getByTestId('hid-pair').click();
    await eventually(async () => assert.match(await reg.text('hid-status'), new RegExp(`Connecté : ${spec.productName}`)));
  }
  const hidSend = (reports) => page().evaluate(async (rs) => {
    const device = window.__fakeHid.opened();
    if (!device) throw new Error('no HID device opened');
    for (const r of rs) device.report(r);
  }, reports);
  const serialFeed = (bytes) => page().evaluate((b) => {
    const port = window.__fakeSerial.opened();
    if (!port) throw new Error('no serial port opened');
    port.feed(b);
  }, bytes);
  const lineNames = async () => (await reg.lineTexts()).map((l) => l.split(' ')[0]);

  test('a HID POS scanner paired on the Lecteurs screen shows its scan there, then adds the product on the sell screen', async () => {
    await toSettings();
    assert.equal(clean(await page().locator('h1').innerText()), 'Lecteurs de codes-barres');
    assert.equal(await reg.text('hid-status'), 'Aucun lecteur jumelé');
    await pairHid(POS_SCANNER);
    assert.equal(await reg.text('hid-status'), 'Connecté : Lecteur POS test (HID POS)');

    await hidSend([posReport(products.shirt.barcode)]);
    await eventually(async () => assert.equal(await reg.text('hid-last'), `Dernière lecture : ${products.shirt.barcode}`));

    await toSell();
    assert.equal(await reg.lines().count(), 0, 'the test scan sold nothing');
    await hidSend([posReport(products.hat.barcode)]);
    await eventually(async () => assert.deepEqual(await lineNames(), ['Chapeau']));
  });

  test('a HID scanner in keyboard emulation adds the product, capitals and all', async () => {
    await toSettings();
    await pairHid(KEYBOARD_SCANNER);
    assert.equal(await reg.text('hid-status'), 'Connecté : Lecteur clavier test (Émulation clavier)');
    await toSell();
    await hidSend(keyReports(products.shoes.barcode));
    await eventually(async () => assert.equal(await reg.lines().count(), 1));
    assert.match((await reg.lineTexts())[0], /Souliers|Chaussures/);
    // A SKU typed with Shift held for its capitals finds the product too.
    await hidSend(keyReports(products.hat.sku.toUpperCase()));
    await eventually(async () => assert.equal(await reg.lines().count(), 2));
  });

  test('a serial scanner at the chosen baud rate with a CR suffix adds the product; a new baud rate reopens the port', async () => {
    await toSettings();
    await page().getByTestId('serial-baud').selectOption('19200');
    await page().getByTestId('serial-suffix').selectOption('cr');
    await page().evaluate((s) => { window.__fakeSerial.offer = s; }, SERIAL_SCANNER);
    await page().getByTestId('serial-pair').click();
    await eventually(async () => assert.equal(await reg.text('serial-status'), 'Connecté (19200 bauds)'));
    assert.deepEqual(await page().evaluate(() => window.__fakeSerial.opens), [19200]);

    // A code split over two reads, its CR in the second.
    await serialFeed(bytesOf(products.shirt.barcode.slice(0, 5)));
    await serialFeed(bytesOf(`${products.shirt.barcode.slice(5)}\r`));
    await eventually(async () => assert.equal(await reg.text('serial-last'), `Dernière lecture : ${products.shirt.barcode}`));

    await page().getByTestId('serial-baud').selectOption('9600');
    await eventually(async () => assert.equal(await reg.text('serial-status'), 'Connecté (9600 bauds)'));
    await eventually(async () => assert.deepEqual(await page().evaluate(() => window.__fakeSerial.opens), [19200, 9600]));
    await page().getByTestId('serial-baud').selectOption('19200');
    await eventually(async () => assert.deepEqual(await page().evaluate(() => window.__fakeSerial.opens), [19200, 9600, 19200]));

    await toSell();
    await serialFeed(bytesOf(`${products.hat.barcode}\r${products.shirt.barcode}\r`));
    await eventually(async () => assert.deepEqual(await lineNames(), ['Chapeau', 'Chemise']));
  });

  test('paired scanners are remembered after a reload: reopened at their settings, their scans add products', async () => {
    await toSettings();
    await pairHid(POS_SCANNER);
    await page().getByTestId('serial-baud').selectOption('38400');
    await page().evaluate((s) => { window.__fakeSerial.offer = s; }, SERIAL_SCANNER);
    await page().getByTestId('serial-pair').click();
    await eventually(async () => assert.equal(await reg.text('serial-status'), 'Connecté (38400 bauds)'));
    await toSell();

    await page().reload();
    await reg.ready();
    await eventually(async () => assert.ok(await page().evaluate(() => !!window.__fakeHid.opened() && !!window.__fakeSerial.opened())));
    assert.deepEqual(await page().evaluate(() => window.__fakeSerial.opens), [38400], 'reopened at the saved baud rate');
    await hidSend([posReport(products.hat.barcode)]);
    await eventually(async () => assert.deepEqual(await lineNames(), ['Chapeau']));
    await serialFeed(bytesOf(`${products.shirt.barcode}\r`));
    await eventually(async () => assert.deepEqual(await lineNames(), ['Chapeau', 'Chemise']));

    await toSettings();
    assert.equal(await reg.text('hid-status'), 'Connecté : Lecteur POS test (HID POS)');
    assert.equal(await reg.text('serial-status'), 'Connecté (38400 bauds)');
    await page().getByTestId('hid-forget').click();
    await eventually(async () => assert.equal(await reg.text('hid-status'), 'Aucun lecteur jumelé'));
    await page().reload();
    await page().getByTestId('hid-status').waitFor();
    await eventually(async () => assert.equal(await reg.text('serial-status'), 'Connecté (38400 bauds)'));
    assert.equal(await reg.text('hid-status'), 'Aucun lecteur jumelé', 'a forgotten scanner stays forgotten');
  });

  test('a scan while the serial-number prompt is open fills the prompt, whatever the scanner, and adds nothing to the cart', async () => {
    await toSettings();
    await pairHid(POS_SCANNER);
    await page().evaluate((s) => { window.__fakeSerial.offer = s; }, SERIAL_SCANNER);
    await page().getByTestId('serial-pair').click();
    await eventually(async () => assert.match(await reg.text('serial-status'), /Connecté/));
    await toSell();

    await reg.scan(products.drill.barcode);
    await eventually(async () => assert.equal(await reg.lines().count(), 1));
    await page().getByTestId('pay').click();
    await page().getByTestId('serial-dialog').waitFor();

    await hidSend([posReport('PSF-HID-1')]);
    await eventually(async () => assert.equal(await page().getByTestId('serial-input').inputValue(), 'PSF-HID-1'));
    assert.match(await reg.text('serial-error'), /n'est pas enregistré/);

    await serialFeed(bytesOf('PSF-SER-2\r'));
    await eventually(async () => assert.equal(await page().getByTestId('serial-input').inputValue(), 'PSF-SER-2'));
    // Even a product's barcode is a serial here.
    await hidSend([posReport(products.hat.barcode)]);
    await eventually(async () => assert.equal(await page().getByTestId('serial-input').inputValue(), products.hat.barcode));
    assert.equal(await reg.lines().count(), 1, 'nothing was added to the cart');
  });

  test('a scan while the pay dialog is open is never typed into its amount: it is held, shown, and added when the dialog closes', async () => {
    await toSettings();
    await pairHid(POS_SCANNER);
    await toSell();
    await reg.scan(products.shirt.barcode);
    await eventually(async () => assert.equal(await reg.lines().count(), 1));
    await page().getByTestId('pay').click();
    const tendered = page().getByTestId('tendered');
    await tendered.fill('12');
    await tendered.focus();

    await reg.scan(products.hat.barcode); // a keyboard-wedge burst into the focused amount
    await hidSend([posReport(products.shoes.barcode)]);
    await eventually(async () => assert.match(await reg.text('held-scans'),
      new RegExp(`Lecture en attente : ${products.hat.barcode}, ${products.shoes.barcode}`)));
    assert.equal(await tendered.inputValue(), '12', 'nothing typed into the amount');
    assert.equal(await reg.lines().count(), 1, 'nothing added while paying');

    await tendered.press('Escape');
    await page().getByTestId('pay-dialog').waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await reg.lines().count(), 3));
    assert.equal(await page().getByTestId('held-scans').count(), 0);
  });

  test('a receipt printer on Web Serial opens the drawer for a cash sale only and cuts after the receipt prints; the scanner never takes its port', async () => {
    await toSettings();
    await page().getByTestId('printer-baud').selectOption('19200');
    await page().evaluate((s) => { window.__fakeSerial.offer = s; window.__fakeSerial.printer = s; }, PRINTER);
    await page().getByTestId('printer-pair').click();
    await eventually(async () => assert.equal(await reg.text('printer-status'), 'Connecté (19200 bauds)'));
    const written = () => page().evaluate((s) => window.__fakeSerial.portOf(s).written, PRINTER);
    await page().getByTestId('printer-test').click();
    await eventually(async () => assert.deepEqual(await written(), [...DRAWER_KICK, ...FEED_AND_CUT]));

    // Reloaded: the printer is reopened at its rate, and the serial scanner does not open its port.
    await toSell();
    await page().reload();
    await reg.ready();
    await eventually(async () => assert.deepEqual(await page().evaluate(() => window.__fakeSerial.opens), [19200]));
    await page().evaluate((s) => { window.__fakeSerial.printer = s; }, PRINTER);
    assert.deepEqual(await written(), [], 'a fresh page: nothing sent yet');

    // A card sale: the drawer stays shut; a cash sale: it opens, once.
    await reg.scan(products.hat.barcode);
    await page().getByTestId('pay').click();
    await page().getByTestId('pay-card').click();
    await page().getByTestId('sale-completed').waitFor();
    assert.deepEqual(await written(), []);
    await reg.scan(products.hat.barcode);
    await reg.pay('100');
    await eventually(async () => assert.deepEqual(await written(), DRAWER_KICK));
    // The browser says the receipt has printed: the paper is cut.
    await page().evaluate(() => window.dispatchEvent(new Event('afterprint')));
    await eventually(async () => assert.deepEqual(await written(), [...DRAWER_KICK, ...FEED_AND_CUT]));
  });
});
