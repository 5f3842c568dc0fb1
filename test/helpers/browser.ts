/**
 * Headless Chromium for tests, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
 * messages separated by NUL bytes on fds 3 and 4), so no WebSocket client or browser-automation package is
 * needed. `openBrowser()` starts it (from test/services/chromium-install.sh); `checkPage` loads any HTML file or
 * URL, takes a screenshot and measures what a reader would see: the charts, and text cut off by its box.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { repoRoot } from './python.js';

export interface Browser {
  /** Opens `target` (a file path or a URL) in a fresh tab of `width` × `height` CSS pixels. */
  open(target: string, size?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export interface Page {
  /** Evaluates a JavaScript expression in the page and returns its (JSON) value; a thrown error rejects. */
  evaluate<T>(expression: string): Promise<T>;
  /** Waits until `expression` is truthy, polling; rejects with `what` after timeoutMs. */
  waitFor(expression: string, what: string, timeoutMs?: number): Promise<void>;
  /** A PNG of the whole page. */
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

/** Text that does not fit: an element whose box lies (partly) outside the box that contains it. */
export interface ClippedText {
  text: string;
  /** `svg` (outside its chart), `overflow` (cut by a box with hidden overflow), `page` (off the page's left or right). */
  where: 'svg' | 'overflow' | 'page';
}

export interface PageCheck {
  title: string;
  /** Charts on the page (`svg` elements with drawn marks): their rendered size and the text of their labels. */
  charts: { width: number; height: number; labels: string[] }[];
  clipped: ClippedText[];
  screenshot: Buffer;
}

/** The Chromium executable: FLTS_CHROMIUM, else what chromium-install.sh finds or installs (cached). */
export function chromiumExecutable(): string {
  if (process.env['FLTS_CHROMIUM']) return process.env['FLTS_CHROMIUM'];
  const script = join(repoRoot, 'test', 'services', 'chromium-install.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'flts-chromium-'));
  const child = spawn(
    chromiumExecutable(),
    [
      '--headless',
      '--remote-debugging-pipe',
      '--no-sandbox', // tests may run as root, where Chromium's sandbox refuses to start
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const cdp = new Cdp(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    await cdp.send('Target.setDiscoverTargets', { discover: false });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Chromium did not start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    open: async (target, size = { width: 1200, height: 900 }) => {
      const { targetId } = await cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      const send = <T>(method: string, params: object = {}) => cdp.send<T>(method, params, sessionId);
      await send('Emulation.setDeviceMetricsOverride', { ...size, deviceScaleFactor: 1, mobile: false });
      await send('Page.enable');
      await send('Runtime.enable');
      const loaded = cdp.once('Page.loadEventFired', sessionId);
      const url = /^[a-z]+:/i.test(target) ? target : pathToFileURL(target).href;
      const navigation = await send<{ errorText?: string }>('Page.navigate', { url });
      if (navigation.errorText) throw new Error(`Chromium could not open ${url}: ${navigation.errorText}`);
      await loaded;
      const page: Page = {
        evaluate: async <T>(expression: string) => {
          const reply = await send<{ result: { value?: T }; exceptionDetails?: { exception?: { description?: string }; text: string } }>('Runtime.evaluate', {
            expression,
            returnByValue: true,
            awaitPromise: true,
          });
          if (reply.exceptionDetails) throw new Error(`In ${url}: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
          return reply.result.value as T;
        },
        waitFor: async (expression, what, timeoutMs = 30_000) => {
          const deadline = Date.now() + timeoutMs;
          while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
            if (Date.now() > deadline) {
              const text = await page.evaluate<string>('document.body ? document.body.innerText.slice(0, 1500) : ""');
              throw new Error(`${url}: no ${what} after ${timeoutMs} ms. The page shows:\n${text}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        },
        screenshot: async () => {
          const { data } = await send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
          return Buffer.from(data, 'base64');
        },
        close: async () => {
          await cdp.send('Target.closeTarget', { targetId });
        },
      };
      return page;
    },
    close: async () => {
      await cdp.send('Browser.close').catch(() => undefined);
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens an HTML file (a report, the run summary) and checks it as a reader sees it: every chart's size and text
 * labels, and every text that is cut off — an SVG text outside its svg, text in a box with hidden overflow that
 * it overflows, or text off the page. The screenshot is written to `screenshotPath` when given.
 */
export async function checkPage(browser: Browser, file: string, screenshotPath?: string): Promise<PageCheck> {
  // KFP's HTML artifacts have no extension; Chromium would show them as text.
  let target = file;
  if (!/\.html?$/i.test(file)) {
    target = join(mkdtempSync(join(tmpdir(), 'flts-page-')), 'page.html');
    copyFileSync(file, target);
  }
  const page = await browser.open(target);
  try {
    await page.evaluate('document.fonts.ready.then(() => true)');
    const result = await page.evaluate<Omit<PageCheck, 'screenshot'>>(MEASURE);
    const screenshot = await page.screenshot();
    if (screenshotPath) writeFileSync(screenshotPath, screenshot);
    return { ...result, screenshot };
  } finally {
    await page.close();
  }
}

/** Runs in the page: plain JavaScript, as the page sees it (the DOM is not in this project's types). */
const MEASURE = `(() => {
  const slack = 0.5; // sub-pixel rounding
  const outside = (inner, outer) =>
    inner.left < outer.left - slack || inner.right > outer.right + slack || inner.top < outer.top - slack || inner.bottom > outer.bottom + slack;
  const clipped = [];
  const svgs = Array.from(document.querySelectorAll('svg'));
  const charts = svgs
    .filter((svg) => svg.querySelector('path, rect, line'))
    .map((svg) => {
      const box = svg.getBoundingClientRect();
      return { width: Math.round(box.width), height: Math.round(box.height), labels: Array.from(svg.querySelectorAll('text'), (text) => text.textContent) };
    });
  for (const svg of svgs) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      if (text.textContent.trim() && outside(text.getBoundingClientRect(), box)) clipped.push({ text: text.textContent, where: 'svg' });
    }
  }
  const pageWidth = document.documentElement.clientWidth;
  for (const element of document.body.querySelectorAll('*')) {
    if (element.closest('svg')) continue;
    const ownText = Array.from(element.childNodes).filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent).join('').trim();
    if (!ownText) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const style = getComputedStyle(element);
    if (['hidden', 'clip'].includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1) clipped.push({ text: ownText, where: 'overflow' });
    else if (box.left < -slack || box.right > pageWidth + slack) clipped.push({ text: ownText, where: 'page' });
  }
  return { title: document.title, charts, clipped };
})()`;

/** A DevTools protocol connection over Chromium's pipe. */
class Cdp {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void; method: string }>();
  readonly #listeners = new Set<(message: { method?: string; sessionId?: string; params?: unknown }) => void>();
  readonly #input: Writable;
  #buffer = '';
  #closed: Error | undefined;

  constructor(child: ChildProcess) {
    this.#input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    output.on('data', (chunk: Buffer) => this.#receive(chunk.toString('utf8')));
    child.once('exit', (code, signal) => {
      this.#closed = new Error(`Chromium exited (${signal ?? code})`);
      for (const pending of this.#pending.values()) pending.reject(this.#closed);
      this.#pending.clear();
    });
  }

  send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method });
      this.#input.write(`${JSON.stringify({ id, method, params, ...(sessionId && { sessionId }) })}\0`);
    });
  }

  /** Resolves on the next event `method` (of `sessionId`). */
  once(method: string, sessionId?: string): Promise<void> {
    return new Promise((resolve) => {
      const listener = (message: { method?: string; sessionId?: string }) => {
        if (message.method !== method || message.sessionId !== sessionId) return;
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
  }

  #receive(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end + 1);
      if (typeof message.id === 'number') {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(`${pending.method}: ${message.error.message}`));
        else pending?.resolve(message.result);
      } else {
        for (const listener of [...this.#listeners]) listener(message);
      }
    }
  }
}
