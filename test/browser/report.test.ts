import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { NUMERIC_FEATURE_NAMES } from '../../lambdas/core/features/catalogue.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/files.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('artifacts');
const MAX_REPORT_BYTES = 2 * 1024 * 1024;

describe('the HTML report in headless Chromium', () => {
  it('renders every chart with data, marks the day-4 alert, loads nothing from the network and logs no error', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH)`,
      );
    }
    await withTempDir(async (dir) => {
      // Prepare: the demo scenario, smaller than `npm run demo`
      const run = await runCli([
        'demo',
        '--out',
        path.join(dir, 'demo'),
        '--per-day',
        '40',
        '--reference',
        '60',
        '--json',
      ]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout).report as string;
      expect((await stat(report)).size).toBeLessThan(MAX_REPORT_BYTES);

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
        const network: string[] = [];
        const errors: string[] = [];
        await page.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('file://') && url.endsWith('index.html')) return route.continue();
          network.push(url);
          return route.abort();
        });
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(error.message));

        // Act
        await page.goto(`file://${report}`);

        // Assess: the charts, each with data marks
        const charts = await page.$$eval('figure.chart', (figures) =>
          figures.map((f) => ({
            kind: f.getAttribute('data-chart'),
            marks: f.querySelectorAll('svg path, svg rect').length,
          })),
        );
        const count = (kind: string) => charts.filter((c) => c.kind === kind).length;
        expect(count('timeseries')).toBe(NUMERIC_FEATURE_NAMES.length);
        expect(count('counts')).toBe(1);
        expect(count('performance')).toBe(1);
        expect(count('confusion')).toBe(7);
        expect(count('distribution')).toBeGreaterThan(0);
        for (const chart of charts) expect(chart.marks).toBeGreaterThan(5);
        // The day-4 alert is marked, and no earlier day is
        const alertDays = (await page.getAttribute('body', 'data-alert-days'))?.split(',') ?? [];
        expect(alertDays).toContain('day_4');
        expect(alertDays.some((d) => ['day_1', 'day_2', 'day_3'].includes(d))).toBe(false);
        expect(
          await page.locator('figure[data-chart="counts"]').getAttribute('data-alert-days'),
        ).toContain('day_4');
        expect(network).toEqual([]);
        expect(errors).toEqual([]);

        // A screenshot that is not blank, kept as an artifact
        await mkdir(ARTIFACTS, { recursive: true });
        const png = await page.screenshot({ fullPage: false });
        await writeFile(path.join(ARTIFACTS, 'report.png'), png);
        const { channels } = await sharp(png).stats();
        expect(Math.max(...channels.map((c) => c.stdev))).toBeGreaterThan(20);
      } finally {
        await browser.close();
      }
    });
  });
});
