import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReports } from '../../../src/report';
import { describeWithBinaries } from '../../helpers/integration';
import { syntheticEvaluation } from '../../unit/report/fixture';

// Evaluated inside the page by Playwright; the project compiles without the DOM lib, so declare the one
// browser global these tests use.
declare const getComputedStyle: (element: unknown) => { readonly fill: string };

const CHART_IDS = ['chart-overview', 'chart-roc', 'chart-threshold', 'chart-confusion'] as const;
const SCREENSHOT = '/tmp/anomalyd-report.png';

jest.setTimeout(60_000);

describeWithBinaries(['chromium'])('report.html in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let htmlPath: string;
  const problems: string[] = [];
  const requests: string[] = [];
  const { result, points } = syntheticEvaluation({ dataset: 'prod/cpu <node-1> & "db"' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'anomalyd-report-'));
    htmlPath = (await writeReports(dir, result, points, { title: 'anomalyd evaluation: prod/cpu' })).html;
    // launch() runs Chromium on a fresh temporary profile (user data dir) that Playwright deletes on close.
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning')
        problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) =>
      problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`),
    );
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('wrote the three report files', async () => {
    const dirFiles = await Promise.all(
      ['evaluation_report.txt', 'evaluation_report.json', 'report.html'].map((f) =>
        readFile(join(dir, f), 'utf8'),
      ),
    );
    expect(dirFiles.every((content) => content.length > 0)).toBe(true);
  });

  it('shows the escaped dataset name as text, not as markup', async () => {
    expect(await page.locator('header .subtitle strong').textContent()).toBe('prod/cpu <node-1> & "db"');
    expect(await page.locator('node-1').count()).toBe(0);
  });

  it('renders the four charts with a non-zero size', async () => {
    for (const id of CHART_IDS) {
      const svg = page.locator(`svg#${id}`);
      expect(await svg.count()).toBe(1);
      expect(await svg.getAttribute('role')).toBe('img');
      expect((await svg.locator('title').first().textContent())?.length).toBeGreaterThan(0);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(100);
    }
  });

  it('draws the prediction band as a visible, styled area in the overview', async () => {
    const band = page.locator('#chart-overview path.band');
    expect(await band.count()).toBe(1);
    const box = await band.boundingBox();
    expect(box?.width).toBeGreaterThan(500);
    expect(box?.height).toBeGreaterThan(50);
    // The inline stylesheet applied: the band is light blue, not the default black fill.
    expect(await band.evaluate((el) => getComputedStyle(el).fill)).toBe('rgb(147, 197, 253)');
  });

  it('draws a visible marker for every flagged point and a ring for every labelled one', async () => {
    const flagged = points.isAnomaly.reduce((a, v) => a + v, 0);
    const labelled = (points.label ?? new Uint8Array(0)).reduce((a, v) => a + v, 0);
    const markers = page.locator('#chart-overview g.flags circle.flag');
    expect(await markers.count()).toBe(flagged);
    expect(await page.locator('#chart-overview g.labels circle.label-ring').count()).toBe(labelled);
    const box = await markers.first().boundingBox();
    expect(box?.width).toBeGreaterThan(4);
    const fills = await markers.evaluateAll((els) => [
      ...new Set(els.map((el) => getComputedStyle(el).fill)),
    ]);
    expect(fills.length).toBeGreaterThanOrEqual(2);
  });

  it('loads with no console errors or warnings and makes no request beyond the file itself', async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(htmlPath).href]);
  });
});
