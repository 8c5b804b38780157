/**
 * Opens report.html in a real headless Chromium (Debian's /usr/bin/chromium
 * driven by playwright-core) and reports what a person would see: console
 * errors, page errors, any network request besides the file itself, what
 * every chart was given (window.pqbenchReport) and the pixels of each run's
 * colour on each chart's canvas.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.PQBENCH_CHROMIUM ?? '/usr/bin/chromium';

/** `skip` option: a reason when no Chromium is installed (CI installs it: .ci/run). */
export function chromiumSkip(): string | false {
  return existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ChartSeen {
  id: string;
  /** Series labels the chart drew. */
  series: string[];
  /** Non-null values per series. */
  points: number[];
  /** Per run colour (by index), canvas pixels of that colour. */
  colourPixels: number[];
}

export interface PageSeen {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests for anything but the report file itself (none expected: the page is offline). */
  requests: string[];
  charts: ChartSeen[];
}

/** Colours of runs 0 and 1 in report.html (src/report/html.ts RUN_COLOURS). */
const RUN_RGB: [number, number, number][] = [
  [0x00, 0x72, 0xb2],
  [0xd5, 0x5e, 0x00],
];

export async function openReport(browser: Browser, file: string, screenshot?: string): Promise<PageSeen> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seen: PageSeen = { consoleErrors: [], pageErrors: [], requests: [], charts: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') seen.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => seen.pageErrors.push(e.message));
  const url = `file://${file}`;
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    seen.requests.push(route.request().url());
    return route.abort();
  });
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => 'pqbenchReport' in globalThis, undefined, { timeout: 10_000 });
    seen.charts = await page.evaluate((colours) => {
      // The page's globals, typed here (this project compiles without the DOM library).
      type Drawn = { id: string; series: string[]; points: number[] };
      type Canvas = {
        width: number;
        height: number;
        getContext(
          kind: '2d',
        ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
      };
      const page = globalThis as unknown as {
        pqbenchReport: { charts: Drawn[] };
        document: { querySelector(selector: string): Canvas | null };
      };
      return page.pqbenchReport.charts.map((chart) => {
        const canvas = page.document.querySelector(`.chart[data-chart="${chart.id}"] canvas`);
        const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
        const colourPixels = colours.map(([r, g, b]) => {
          let n = 0;
          for (let i = 0; pixels && i < pixels.length; i += 4) {
            const near =
              Math.abs((pixels[i] as number) - r) < 24 &&
              Math.abs((pixels[i + 1] as number) - g) < 24 &&
              Math.abs((pixels[i + 2] as number) - b) < 24 &&
              (pixels[i + 3] as number) > 200;
            if (near) n++;
          }
          return n;
        });
        return { ...chart, colourPixels };
      });
    }, RUN_RGB);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  } finally {
    await page.close();
  }
  return seen;
}
