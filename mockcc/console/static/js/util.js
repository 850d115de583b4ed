// Small helpers shared by every panel: DOM building (text only, never HTML from data), the
// control-plane client (JSON bodies, so the mock's content-type/Origin guard applies), formatting.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** An error the mock answered with: LivePerson's envelope plus the mockcc explanation. */
export class MockError extends Error {
  constructor(status, body) {
    const explanation = body && body.mockcc ? body.mockcc.explanation : null;
    super(explanation || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { raw: text }; }
  if (!response.ok) throw new MockError(response.status, data);
  return { data, headers: response.headers };
}

export const get = async (path) => (await api("GET", path)).data;
export const post = async (path, body = {}) => (await api("POST", path, body)).data;

/** The mock's explanation of a refusal, as a block: explanation, path, rule, expected, envelope. */
export function explain(error) {
  if (!(error instanceof MockError)) return h("div", { class: "error" }, h("b", { text: "Error: " }), String(error.message || error));
  const m = (error.body && error.body.mockcc) || {};
  const envelope = { ...(error.body || {}) };
  delete envelope.mockcc;
  return h("div", { class: "error", role: "alert" },
    h("div", { class: "error-title" }, `${error.status} — `, m.explanation || "refused"),
    h("dl", {},
      m.path ? [h("dt", { text: "path" }), h("dd", {}, h("code", { text: m.path }))] : null,
      m.rule ? [h("dt", { text: "rule" }), h("dd", {}, h("code", { text: m.rule }))] : null,
      m.expected !== undefined ? [h("dt", { text: "expected" }), h("dd", {}, h("code", { text: JSON.stringify(m.expected) }))] : null,
      [h("dt", { text: "envelope" }), h("dd", {}, h("code", { text: JSON.stringify(envelope) }))]),
  );
}

export function time(ms) {
  if (ms === null || ms === undefined || ms < 0) return "";
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

export function ago(ms, nowMs) {
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export const short = (id, n = 8) => (id ? String(id).slice(0, n) : "");

export function pretty(text) {
  if (typeof text !== "string") return JSON.stringify(text, null, 2);
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

let toastTimer = 0;
export function toast(message, kind = "ok") {
  const el = $("#toast");
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 3500);
}

/** Run ``fn`` at most once per animation frame however often it is asked for. */
export function batched(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fn(); });
  };
}

/** Run ``fn`` at most once per ``ms`` however often it is asked for; the last ask is never lost. */
export function throttled(fn, ms) {
  let last = 0;
  let timer = 0;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = 0; last = Date.now(); fn(); }, Math.max(0, last + ms - Date.now()));
  };
}

/** Replace an element's children, skipping null/false (``replaceChildren`` would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}
