/**
 * Opens report.html in a real headless Chromium (Debian's /usr/bin/chromium
 * driven by playwright-core) and reports what a person would see: console
 * errors, page errors, any network request besides the file itself, what
 * every chart was given and drew (window.pqbenchReport) and the pixels of
 * each run's and each series' colour on each chart's canvas.
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
  /** line, points or bars (bars: x is a category, from zero). */
  style: string;
  /** A category axis's labels, else null. */
  categories: string[] | null;
  /** Series labels the chart drew (the legend's text), their tooltips and colours (#rrggbb). */
  series: string[];
  titles: (string | null)[];
  colours: string[];
  /** Non-null values per series. */
  points: number[];
  /** The y scale's lower end as drawn. */
  yMin: number | null;
  /** Epoch marks, threshold lines (their y) and error bars drawn. */
  marks: number;
  thresholds: number[];
  errorBars: number;
  /** Everything the legend says. */
  legendText: string;
  /** Per run colour (by index), canvas pixels of that colour. */
  colourPixels: number[];
  /** Per series, canvas pixels of its own colour. */
  seriesPixels: number[];
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
      type Drawn = Omit<ChartSeen, 'colourPixels' | 'seriesPixels'>;
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
        // No named helpers in here: the page runs this function's text, without the bundler's helpers.
        const targets = [
          ...colours,
          ...chart.colours.map((hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16))),
        ];
        const counts = targets.map(([r, g, b]) => {
          let n = 0;
          for (let i = 0; pixels && i < pixels.length; i += 4) {
            const near =
              Math.abs((pixels[i] as number) - (r as number)) < 24 &&
              Math.abs((pixels[i + 1] as number) - (g as number)) < 24 &&
              Math.abs((pixels[i + 2] as number) - (b as number)) < 24 &&
              (pixels[i + 3] as number) > 200;
            if (near) n++;
          }
          return n;
        });
        return {
          ...chart,
          colourPixels: counts.slice(0, colours.length),
          seriesPixels: counts.slice(colours.length),
        };
      });
    }, RUN_RGB);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  } finally {
    await page.close();
  }
  return seen;
}

export interface ScreenshotOptions {
  /** Only these charts are shown (the others are hidden), in page order. */
  charts?: string[];
  /** Sections (by CSS selector) hidden from the picture. */
  hide?: string[];
  width?: number;
}

/** A screenshot of a report for docs/: the whole page, optionally with only some charts and sections. */
export async function screenshotReport(
  browser: Browser,
  file: string,
  out: string,
  options: ScreenshotOptions = {},
): Promise<void> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 } });
  try {
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.waitForFunction(() => 'pqbenchReport' in globalThis, undefined, { timeout: 10_000 });
    const hidden = [
      ...(options.hide ?? []),
      ...(options.charts
        ? [`.chart${options.charts.map((id) => `:not([data-chart="${id}"])`).join('')}`]
        : []),
    ];
    if (hidden.length > 0) await page.addStyleTag({ content: `${hidden.join(',')}{display:none!important}` });
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await page.close();
  }
}
