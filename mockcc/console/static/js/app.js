// The console's shell: tabs, account, clock, and the one event stream every panel listens to.
// On ``hello`` and ``resync`` each panel reloads from the control plane; other events patch it.
import { $, get, h, post, explain, toast } from "./util.js";
import { Conversations } from "./conversations.js";
import { Webhooks } from "./webhooks.js";
import { Journal } from "./journal.js";
import { Faults } from "./faults.js";
import { Agents } from "./agents.js";

const state = {
  account: null,
  accounts: [],
  clock: { now: Date.now() / 1000, offset: 0, frozen: false, seenAt: performance.now() },
};

/** The mock's current time in ms, extrapolated between clock events when it follows the wall. */
export function mockNowMs() {
  const c = state.clock;
  const elapsed = c.frozen ? 0 : (performance.now() - c.seenAt) / 1000;
  return (c.now + elapsed) * 1000;
}

const ctx = { state, mockNowMs };
const panels = {
  conversations: new Conversations(ctx),
  webhooks: new Webhooks(ctx),
  journal: new Journal(ctx),
  faults: new Faults(ctx),
  agents: new Agents(ctx),
};
ctx.panels = panels;

function setClock(clock) {
  state.clock = { ...clock, seenAt: performance.now() };
  renderClock();
}

function renderClock() {
  const now = new Date(mockNowMs());
  const text = now.toLocaleTimeString([], { hour12: false });
  $("#clock").textContent = `${text}${state.clock.frozen ? " frozen" : ""}`;
  $("#clock").title = `the mock's clock: ${now.toISOString()}${state.clock.frozen ? " (frozen)" : ""}, ` +
    `moved ${state.clock.offset}s ahead`;
  panels.faults.renderClock(now);
}

function setAccounts(accounts) {
  state.accounts = accounts;
  const select = $("#account");
  const keep = accounts.includes(state.account) ? state.account : accounts[0] || null;
  select.replaceChildren(...accounts.map((a) => h("option", { value: a, text: a })));
  if (keep) select.value = keep;
  state.account = keep;
}

async function reloadAll() {
  const health = await get("/_mockcc/health");
  setAccounts(health.accounts);
  setClock(await get("/_mockcc/clock"));
  await Promise.all(Object.values(panels).map((p) => p.reload().catch((e) => console.warn(e))));
}

let lastResync = 0;
let resyncTimer = 0;
let resyncAll = false;
const resyncPanels = new Set();
/** Reload the panels the stream names (all of them when it names none: a reset, a new stream), at most
 * every 2 s however often it asks; asks in between are merged into that one reload. */
function resync(names) {
  if (names && names.length) for (const name of names) resyncPanels.add(name); else resyncAll = true;
  clearTimeout(resyncTimer);
  const wait = Math.max(0, lastResync + 2000 - Date.now());
  resyncTimer = setTimeout(() => {
    lastResync = Date.now();
    const all = resyncAll;
    const names = [...resyncPanels].filter((name) => panels[name]);
    resyncAll = false;
    resyncPanels.clear();
    if (all) reloadAll();
    else Promise.all(names.map((name) => panels[name].reload().catch((e) => console.warn(e))));
  }, wait);
}

function setLive(text, cls) {
  const el = $("#live");
  el.textContent = text;
  el.className = `live ${cls}`;
}

function connect() {
  const source = new EventSource("/_mockcc/events");
  const on = (kind, fn) => source.addEventListener(kind, (e) => fn(JSON.parse(e.data)));
  on("hello", (data) => { setLive("live", "ok"); setClock(data.clock); resync(); });
  on("resync", (data) => {
    setLive(data.panels ? `resyncing ${data.panels.join(", ")}` : "resyncing", "warn");
    resync(data.panels);
    setTimeout(() => setLive("live", "ok"), 1500);
  });
  on("clock", (data) => { setClock(data); panels.conversations.tick(); });
  on("conversation", (data) => { panels.conversations.onConversation(data); panels.agents.touch(); });
  on("event", (data) => panels.conversations.onEvent(data));
  on("delivery", (data) => panels.webhooks.onDelivery(data));
  on("webhooks", () => panels.webhooks.reloadStatus());
  on("journal", (data) => { panels.journal.onCall(data); if (data.service === "agentsocket") panels.agents.touch(); });
  on("faults", (data) => panels.faults.onFaults(data));
  source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? "offline" : "reconnecting", "bad");
}

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.tab === name);
  for (const panel of document.querySelectorAll(".panel")) panel.classList.toggle("active", panel.id === `tab-${name}`);
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

/** Advance the mock's clock (used by the faults tab and exported for others). */
export async function advance(seconds) {
  try {
    setClock(await post("/_mockcc/clock/advance", { seconds }));
    toast(`clock moved ${seconds}s ahead`);
  } catch (error) {
    toast(explain(error).textContent, "bad");
  }
}
ctx.advance = advance;

/** Back to the seed, after a confirmation; the stream's ``resync`` then reloads every panel. */
async function reset() {
  if (!window.confirm("Reset the mock to its seed? Every conversation, webhook delivery, journal call and armed fault is dropped (the clock stays).")) return;
  try {
    const answer = await post("/_mockcc/reset", {});
    toast(`reset: back to the seed (${answer.accounts.length} account${answer.accounts.length === 1 ? "" : "s"})`);
  } catch (error) {
    toast(explain(error).textContent, "bad");
  }
}
$("#reset").addEventListener("click", reset);

for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
$("#account").addEventListener("change", (e) => {
  state.account = e.target.value;
  panels.conversations.reload();
  panels.agents.reload();
});
showTab((location.hash || "#conversations").slice(1).replace(/[^a-z]/g, "") || "conversations");
setInterval(() => { renderClock(); panels.conversations.tick(); }, 1000);
connect();
