import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { configWith } from '../../src/config/env.js';
import type { EvaluationResponse, LiveResponse } from '../../src/contract/mod.js';
import { simulate, type Transport } from '../../src/simulation/mod.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

/**
 * GET /dashboard in Debian's chromium (CONTRACT §4): the page must draw what /evaluation answers, reach
 * no host but the service, and log no console error, over a simulated run and in its empty states.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '../../test-results');
const POLICIES = { ACTIVE_POLICY: 'egreedy_v1', SHADOW_POLICIES: 'linucb_v1,egreedy_v2' };
const DAY_MS = 86_400_000;
const TZ = 'Asia/Kolkata';
const TZ_OFFSET_MS = 5.5 * 3_600_000;

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

interface Visit {
  readonly page: Page;
  /** Every URL the page requested. */
  readonly requests: string[];
  /** Console errors and uncaught exceptions. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Opens /dashboard of `base` in a fresh context and waits until it has drawn (or said why not). */
async function visit(base: string): Promise<Visit> {
  // A zone off UTC by a half hour: the custom window's local times must be converted, not taken as UTC.
  const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, timezoneId: TZ });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  // Anything for another host is refused, so a stray request fails fast and is still recorded.
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="empty"], body[data-state="error"]');
  await page.waitForSelector('#live[data-backend]', { state: 'attached' });
  return { page, requests, errors, close: () => context.close() };
}

function expectOnlyLocal(v: Visit, base: string): void {
  const foreign = v.requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'));
  expect(foreign).toEqual([]);
}

async function pageWindow(page: Page): Promise<URLSearchParams> {
  const attr = async (name: string) => (await page.getAttribute('#window-form', `data-${name}`)) ?? '';
  return new URLSearchParams({
    from: await attr('from'),
    to: await attr('to'),
    bucket: await attr('bucket'),
  });
}

const text = async (page: Page, sel: string) => ((await page.textContent(sel)) ?? '').trim();
const visible = (page: Page, sel: string) => page.isVisible(sel);

/** The simulator's decisions spread over the last days: the service's clock follows its rounds. */
async function simulateInto(stateDir: string, rounds: number, spanMs: number): Promise<void> {
  const start = Date.now() - spanMs;
  let now = start;
  const config = configWith({ LOG_LEVEL: 'silent', EGREEDY_SEED: '3', STATE_DIR: stateDir, ...POLICIES });
  const app = await buildApp(config, { clock: () => now });
  try {
    await simulate({
      transport: inject(app),
      rounds,
      users: 12,
      k: 5,
      seed: 5,
      onRound: (done) => {
        now = start + Math.round((done / rounds) * spanMs);
      },
    });
  } finally {
    await app.close();
  }
}

function inject(app: FastifyInstance): Transport {
  return async (method, url, payload) => {
    const res = await app.inject({ method, url, payload: payload as object | undefined });
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * Scores and rewards for the live figures (/score is not logged as a decision, so /evaluation stays
 * as the simulator left it), then into the next second: the live figures count whole seconds only.
 */
async function liveTraffic(base: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const user = `live${i % 7}`;
    const scored = (await post(`${base}/score`, scoreBody(user))) as {
      event_id: string;
      chosen: { id: string };
    };
    await post(`${base}/reward`, {
      user_id: user,
      reward: i % 2,
      event_id: scored.event_id,
      candidate_id: scored.chosen.id,
    });
  }
  await new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
}

/** Every number of the page's table against /evaluation for the page's own window; returns that answer. */
async function expectTableMatches(page: Page, base: string): Promise<EvaluationResponse> {
  const query = await pageWindow(page);
  const ev = (await (await fetch(`${base}/evaluation?${query}`)).json()) as EvaluationResponse;
  for (const p of ev.policies) {
    const cell = async (field: string) => {
      const sel = `#estimates td[data-policy="${p.policy}"][data-field="${field}"]`;
      return {
        value: JSON.parse((await page.getAttribute(sel, 'data-value'))!),
        text: await text(page, sel),
      };
    };
    expect(await cell('n')).toEqual({ value: p.n, text: String(p.n) });
    for (const f of ['ips', 'snips', 'dr'] as const) {
      expect(await cell(f)).toEqual({ value: p[f], text: fixed(p[f], 3) });
    }
    expect(await cell('ci95')).toEqual({
      value: p.ci95,
      text: `${fixed(p.ci95![0], 3)} – ${fixed(p.ci95![1], 3)}`,
    });
    expect(await cell('ess')).toEqual({ value: p.ess, text: fixed(p.ess, 1) });
    expect(await cell('agreement')).toEqual({
      value: p.agreement,
      text: p.agreement === null ? '—' : `${(p.agreement * 100).toFixed(1)}%`,
    });
  }
  expect(await text(page, '#counts')).toContain(
    `${ev.decisions} decision(s) counted, ${ev.rewarded} with a reward`,
  );
  return ev;
}

const fixed = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits));

describe('GET /dashboard in chromium', () => {
  it('draws a simulated run with the numbers of /evaluation, from this host only, without console errors', async () => {
    const stateDir = tempDir();
    await simulateInto(stateDir, 1400, 6.5 * DAY_MS);
    const server = await spawnServer({ STATE_DIR: stateDir, ...POLICIES });
    await liveTraffic(server.url, 150);
    const v = await visit(server.url);
    try {
      const { page } = v;
      expect(await page.getAttribute('body', 'data-state')).toBe('ready');

      const query = await pageWindow(page);
      expect(query.get('bucket')).toBe('day');
      const ev = await expectTableMatches(page, server.url);
      expect(ev.decisions).toBe(1400);
      expect(ev.policies.map((p) => p.policy)).toEqual(['egreedy_v1', 'linucb_v1', 'egreedy_v2']);

      // Every chart drew marks: points and interval rules per policy and estimator, a line per policy
      // over the days, a bar per shadow.
      const marks = (chart: string, sel: string) => page.locator(`#${chart} svg ${sel}`).count();
      expect(await marks('chart-estimates', 'g.mark-symbol.role-mark path')).toBe(9);
      expect(await marks('chart-estimates', 'g.mark-rule.role-mark line')).toBe(9);
      const days = new Set(ev.series.map((s) => s.start)).size;
      expect(days).toBeGreaterThanOrEqual(7);
      expect(await marks('chart-series', 'g.mark-line.role-mark path')).toBe(3);
      expect(await marks('chart-series', 'g.mark-area.role-mark path')).toBe(3);
      expect(await marks('chart-agreement', 'g.mark-rect.role-mark path')).toBe(2);
      // The legend names every policy.
      for (const p of ev.policies) expect(await text(page, '#chart-estimates')).toContain(p.policy);

      // One plain sentence per shadow, naming it and the verdict.
      const outcome = await text(page, '#outcome');
      for (const s of ['linucb_v1', 'egreedy_v2']) expect(outcome).toContain(s);
      expect(outcome).toMatch(/intervals apart|not distinguishable/);

      const live = (await (await fetch(`${server.url}/metrics/live`)).json()) as LiveResponse;
      expect(await text(page, '#live-backend')).toContain(live.scorer.backend);
      expect(Number(await text(page, '#live-scores'))).toBeGreaterThan(0);
      expect(Number(await text(page, '#live-rewards'))).toBeGreaterThan(0);
      expect(await text(page, '#live-p99')).toMatch(/^\d+\.\d\d ms$/);

      await page.screenshot({ path: join(SHOTS, 'dashboard-simulated.png'), fullPage: true });

      // The last day: drawn per hour, over its own decisions.
      await page.selectOption('#range', String(DAY_MS));
      await page.waitForFunction(
        "document.querySelector('#window-form').dataset.bucket === 'hour' && document.body.dataset.state === 'ready'",
      );
      expect(await text(page, '#series-title')).toBe('DR estimate per hour (UTC)');
      const lastDay = await expectTableMatches(page, server.url);
      expect(lastDay.decisions).toBeGreaterThan(100);
      expect(lastDay.decisions).toBeLessThan(400);

      // From … to …, typed in the browser's local time (UTC+05:30): two whole days before the last one.
      const toMs = Math.floor((Date.now() - 1.5 * DAY_MS) / 60_000) * 60_000;
      const fromMs = toMs - 2 * DAY_MS;
      const local = (ms: number) => new Date(ms + TZ_OFFSET_MS).toISOString().slice(0, 16);
      await page.selectOption('#range', 'custom');
      await page.fill('#from', local(fromMs));
      await page.fill('#to', local(toMs));
      await page.click('#window-form button[type="submit"]');
      const iso = new Date(fromMs).toISOString();
      await page.waitForFunction(
        `document.querySelector('#window-form').dataset.from === '${iso}' && document.body.dataset.state === 'ready'`,
      );
      expect((await pageWindow(page)).get('to')).toBe(new Date(toMs).toISOString());
      const custom = await expectTableMatches(page, server.url);
      expect(custom.decisions).toBeGreaterThan(300);
      expect(custom.decisions).toBeLessThan(600);
      expectOnlyLocal(v, server.url);
      expect(v.errors).toEqual([]);
    } finally {
      await v.close();
    }
  }, 180_000);

  async function listening(app: FastifyInstance): Promise<string> {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    return `http://127.0.0.1:${addr.port}`;
  }

  async function recommend(base: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await post(`${base}/recommend`, scoreBody(`u${i}`));
  }

  async function expectEmpty(base: string, shot: string, words: RegExp): Promise<void> {
    const v = await visit(base);
    try {
      expect(await v.page.getAttribute('body', 'data-state')).toBe('empty');
      expect(await text(v.page, '#empty')).toMatch(words);
      expect(await visible(v.page, '#results')).toBe(false);
      expect(await v.page.locator('svg').count()).toBe(0);
      await v.page.screenshot({ path: join(SHOTS, shot), fullPage: true });
      expectOnlyLocal(v, base);
      expect(v.errors).toEqual([]);
    } finally {
      await v.close();
    }
  }

  it('says so when no decision was made yet', async () => {
    const { app } = await testApp(POLICIES);
    await expectEmpty(await listening(app), 'dashboard-no-decisions.png', /No decisions in this window/);
  });

  it('says so when decisions wait for their reward', async () => {
    const { app } = await testApp(POLICIES);
    const base = await listening(app);
    await recommend(base, 3);
    await expectEmpty(
      base,
      'dashboard-awaiting.png',
      /3 decision\(s\) of this window are waiting for their reward/,
    );
  });

  it('says so when the decision log is off', async () => {
    const { app } = await testApp({ ...POLICIES, DECISION_LOG: '0' });
    const base = await listening(app);
    await recommend(base, 2);
    await expectEmpty(base, 'dashboard-log-off.png', /decision log is off \(DECISION_LOG=0\)/);
  });

  it('says so when no reward arrived in the window, and still draws the zero estimates', async () => {
    // The service's clock runs two days ahead after the decisions: their reward window (a day) is over.
    let offset = 0;
    const { app } = await testApp(POLICIES, { clock: () => Date.now() + offset });
    const base = await listening(app);
    await recommend(base, 4);
    offset = 2 * DAY_MS;
    const v = await visit(base);
    try {
      expect(await v.page.getAttribute('body', 'data-state')).toBe('ready');
      expect(await text(v.page, '#outcome')).toContain('No rewards arrived in this window');
      expect(await text(v.page, '#counts')).toContain('4 decision(s) counted, 0 with a reward');
      expect(await v.page.getAttribute('td[data-policy="egreedy_v1"][data-field="dr"]', 'data-value')).toBe(
        '0',
      );
      await v.page.screenshot({ path: join(SHOTS, 'dashboard-no-rewards.png'), fullPage: true });
      expectOnlyLocal(v, base);
      expect(v.errors).toEqual([]);
    } finally {
      await v.close();
    }
  });
});
