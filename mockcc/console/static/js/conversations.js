// Conversations: the live, paged list and one conversation's transcript with the agent's actions.
import { $, ago, api, batched, explain, fill, get, h, post, short, throttled, time, toast } from "./util.js";
import { content } from "./render.js";
import { EXAMPLES } from "./examples.js";

const PAGE = 50; // rows per page of the list
const FETCH_BUFFER = 2000; // pushes kept while a conversation or the list is fetched; past that it is fetched again
const REFRESH_MS = 1000; // page 1 reloads at most this often when a conversation not on it becomes active
const SHOWN = 300; // transcript events kept in the page (a busy transcript does not freeze it)
const TYPING_MS = 30000; // a COMPOSING with nothing after it stops showing after this long
const RECEIPT_RANK = { ACCEPT: 1, READ: 2, ACCESS: 2, ACTION: 3, NACK: -1 };

const details = (conv) => conv.conversationDetails || {};
const agentOf = (conv) => (details(conv).participants || []).find((p) => p.role === "ASSIGNED_AGENT");

export class Conversations {
  constructor(ctx) {
    this.ctx = ctx;
    this.rows = []; // the current page, latest activity first
    this.total = 0;
    this.offset = 0;
    this.newer = new Set(); // conversations active since this page (not page 1) was loaded
    this.refreshList = throttled(() => this.reloadList(), REFRESH_MS);
    this.selected = null; // {conv, events, receipts, typing}
    this.fetching = null; // {convId, changes, overflow} while a conversation is fetched
    this.listing = null; // {pushed, overflow} while the list's page is fetched
    this.redrawList = batched(() => this.renderList());
    this.redrawTranscript = batched(() => this.renderTranscript());
    $("#conv-state").addEventListener("change", () => { this.offset = 0; this.reload(); });
    $("#conv-prev").addEventListener("click", () => { this.offset = Math.max(0, this.offset - PAGE); this.reload(); });
    $("#conv-next").addEventListener("click", () => { this.offset += PAGE; this.reload(); });
    $("#conv-newer").addEventListener("click", () => { this.offset = 0; this.reload(); });
  }

  get account() { return this.ctx.state.account; }

  base() { return `/_mockcc/accounts/${encodeURIComponent(this.account)}/conversations`; }

  async reload() {
    if (!this.account) return;
    await this.reloadList();
    if (this.selected) await this.open(this.selected.conv.convId, { keepScroll: true });
  }

  /** The current page again, latest activity first (the mock sorts: ``order=activity``). */
  async reloadList() {
    if (!this.account) return;
    const state = $("#conv-state").value;
    const query = new URLSearchParams({ order: "activity", offset: String(this.offset), limit: String(PAGE) });
    if (state) query.set("state", state);
    // what is pushed while the page is fetched may be newer than its answer: kept, applied to it after
    const listing = { pushed: [], overflow: false };
    this.listing = listing;
    let answer;
    try {
      answer = await api("GET", `${this.base()}?${query}`);
    } finally {
      if (this.listing === listing) this.listing = null;
    }
    this.rows = answer.data;
    this.total = Number(answer.headers.get("X-Total-Count") || answer.data.length);
    this.newer.clear();
    for (const apply of listing.pushed) apply();
    if (listing.overflow) this.refreshList();
    this.renderList();
  }

  /** Keep a list change that arrived during a page fetch, to apply it again to the fetched page. */
  keepForList(apply) {
    const listing = this.listing;
    if (!listing) return;
    if (listing.pushed.length < FETCH_BUFFER) listing.pushed.push(apply); else listing.overflow = true;
  }

  /** Keep the page in activity order after a row changed (a stable sort: ties keep their place). */
  resort() {
    this.rows.sort((a, b) => (b.lastActivityTs || 0) - (a.lastActivityTs || 0));
  }

  /** A conversation not on this page became active: page 1 fetches itself again, others count it. */
  activeElsewhere(convId) {
    if (this.offset === 0) this.refreshList();
    else { this.newer.add(convId); this.redrawList(); }
  }

  matches(conv) {
    const state = $("#conv-state").value;
    return !state || details(conv).state === state;
  }

  onConversation({ accountId, conversation }) {
    if (accountId !== this.account) return;
    this.keepForList(() => this.listConversation(conversation));
    this.listConversation(conversation);
    if (this.selected && this.selected.conv.convId === conversation.convId) {
      this.selected.conv = { ...this.selected.conv, ...conversation };
      this.renderHeader();
    }
  }

  /** A pushed conversation on the list: updated in place, new at the top of page 1, or counted. */
  listConversation(conversation) {
    const i = this.rows.findIndex((c) => c.convId === conversation.convId);
    if (i >= 0) {
      if (this.matches(conversation)) { this.rows[i] = { ...this.rows[i], ...conversation }; this.resort(); }
      else { this.rows.splice(i, 1); this.total -= 1; }
    } else if (this.matches(conversation) && details(conversation).stage !== "CLOSE" && details(conversation).startTs >= details(conversation).metaDataLastUpdateTs) {
      // a conversation just opened: the latest activity, so page 1 shows it at the top, other pages say so
      this.total += 1;
      if (this.offset === 0) { this.rows.unshift(conversation); this.rows.length = Math.min(this.rows.length, PAGE); }
      else this.newer.add(conversation.convId);
    } else if (this.matches(conversation)) this.activeElsewhere(conversation.convId);
    this.redrawList();
  }

  onEvent({ accountId, convId, change, at }) {
    if (accountId !== this.account) return;
    this.keepForList(() => this.listEvent(convId, change, at));
    this.listEvent(convId, change, at);
    const fetching = this.fetching;
    if (fetching && fetching.convId === convId) {
      if (fetching.changes.length < FETCH_BUFFER) fetching.changes.push(change); else fetching.overflow = true;
    }
    const sel = this.selected;
    if (!sel || sel.conv.convId !== convId) return;
    this.absorb(sel, change);
    this.redrawTranscript();
  }

  /** A pushed event on the list: the row's last activity and the consumer's typing. */
  listEvent(convId, change, at) {
    const row = this.rows.find((c) => c.convId === convId);
    const type = change.event.type;
    if (row) {
      if (type !== "ChatStateEvent") {  // typing is not activity (the mock keeps no event for it)
        row.lastActivityTs = Math.max(row.lastActivityTs || 0, change.serverTimestamp || at);
        this.resort();
      }
      const consumer = change.originatorMetadata && change.originatorMetadata.role === "CONSUMER";
      if (consumer && type === "ChatStateEvent") row.typing = change.event.chatState === "COMPOSING" ? Date.now() : 0;
      else if (consumer && type !== "AcceptStatusEvent") row.typing = 0;  // the list shows the consumer typing
      this.redrawList();
    } else if (type !== "ChatStateEvent") this.activeElsewhere(convId);
  }

  /** Fold one change into the open conversation: typing, receipts, or a message. */
  absorb(sel, change) {
    const event = change.event;
    const role = change.originatorMetadata ? change.originatorMetadata.role : "?";
    const side = role === "CONSUMER" ? "consumer" : "agent";
    if (event.type === "ChatStateEvent") {
      sel.typing[side] = event.chatState === "COMPOSING" ? Date.now() : 0;
      return;
    }
    const key = `${change.dialogId}:${change.sequence}`;
    if (sel.seen.has(key)) return;
    sel.seen.add(key);
    if (event.type === "AcceptStatusEvent") {
      for (const seq of event.sequenceList || []) {
        const k = `${change.dialogId}:${seq}`;
        const prev = sel.receipts.get(k);
        if (!prev || (RECEIPT_RANK[event.status] ?? 0) > (RECEIPT_RANK[prev] ?? 0)) sel.receipts.set(k, event.status);
      }
      return;
    }
    sel.typing[side] = 0;
    sel.events.push(change);
    if (sel.events.length > SHOWN) { sel.hidden += sel.events.length - SHOWN; sel.events.splice(0, sel.events.length - SHOWN); }
  }

  tick() {
    if (this.rows.some((r) => r.typing)) this.redrawList();
    if (this.selected) this.renderTyping();
  }

  renderList() {
    const now = this.ctx.mockNowMs();
    $("#conv-count").textContent = `${this.total} conversation${this.total === 1 ? "" : "s"}`;
    const newer = $("#conv-newer");
    const n = this.newer.size;
    newer.hidden = n === 0;
    newer.textContent = `${n} conversation${n === 1 ? "" : "s"} with newer activity — show`;
    const pages = Math.max(1, Math.ceil(this.total / PAGE));
    $("#conv-page").textContent = `page ${Math.floor(this.offset / PAGE) + 1} of ${pages}`;
    $("#conv-prev").disabled = this.offset === 0;
    $("#conv-next").disabled = this.offset + PAGE >= this.total;
    const selected = this.selected ? this.selected.conv.convId : null;
    $("#conv-rows").replaceChildren(...this.rows.map((conv) => {
      const d = details(conv);
      const agent = agentOf(conv);
      const typing = conv.typing && Date.now() - conv.typing < TYPING_MS;
      return h("li", {
        class: `conv${conv.convId === selected ? " selected" : ""}`,
        dataset: { conv: conv.convId },
        onclick: () => this.open(conv.convId),
      },
      h("div", { class: "line1" },
        h("span", { class: "consumer", text: conv.extConsumerId || short(conv.consumerId, 12) }),
        h("span", { class: `pill ${d.stage === "CLOSE" ? "closed" : d.state === "CLOSE" ? "survey" : "open"}`, text: d.stage === "CLOSE" ? "closed" : d.state === "CLOSE" ? "survey" : "open" })),
      h("div", { class: "line2" },
        h("span", { title: "skill", text: `skill ${d.skillId}` }),
        h("span", { title: agent ? agent.id : "no agent yet", text: agent ? `agent ${short(agent.id, 6)}` : "unassigned" }),
        typing ? h("span", { class: "typing-dot", text: "typing…" }) : h("span", { class: "ago", title: time(conv.lastActivityTs), text: ago(conv.lastActivityTs, now) })));
    }));
  }

  async open(convId, { keepScroll = false } = {}) {
    let conv;
    let view = null;
    // events pushed while the conversation is fetched may be newer than what it answers: kept, folded in after
    const fetching = { convId, changes: [], overflow: false };
    this.fetching = fetching;
    try {
      const path = `${this.base()}/${encodeURIComponent(convId)}`;
      [conv, view] = await Promise.all([get(path), get(`${path}/agent-view`).catch(() => null)]);
    } catch (error) {
      $("#conversation").replaceChildren(explain(error));
      this.selected = null;
      return;
    } finally {
      if (this.fetching === fetching) this.fetching = null;
    }
    const previous = this.selected && this.selected.conv.convId === convId ? this.selected : null;
    const sel = { conv, events: [], receipts: new Map(), typing: previous ? previous.typing : {}, seen: new Set(), hidden: 0 };
    for (const change of [...conv.events, ...fetching.changes]) this.absorb(sel, change);  // seen: no doubles
    if (fetching.overflow) {  // too many to keep: fetch it once more, unless another one was opened meanwhile
      setTimeout(() => { if (this.selected && this.selected.conv.convId === convId) this.open(convId, { keepScroll: true }); }, 0);
    }
    if (view && view.consumer && view.consumer.typing) sel.typing.consumer = Date.now();  // typing before we looked
    this.selected = sel;
    if (!previous) this.build();
    this.renderHeader();
    this.renderTranscript(keepScroll);
    this.renderList();
  }

  /** The conversation pane's skeleton: header, info, transcript, composer. */
  build() {
    const pane = $("#conversation");
    pane.replaceChildren(
      h("div", { class: "conv-head", id: "conv-head" }),
      h("div", { class: "conv-body" },
        h("div", { class: "transcript-wrap" },
          h("div", { class: "transcript", id: "transcript" }),
          h("div", { class: "typing", id: "typing" })),
        h("aside", { class: "info", id: "conv-info" })),
      this.composer());
  }

  renderHeader() {
    const conv = this.selected.conv;
    const d = details(conv);
    const agent = agentOf(conv);
    const ttr = conv.effectiveTTR > 0 ? `TTR ${d.ttr.ttrType} · due ${time(conv.effectiveTTR)}` : `TTR ${d.ttr ? d.ttr.ttrType : ""}`;
    $("#conv-head").replaceChildren(
      h("div", { class: "title" },
        h("span", { class: "consumer", text: conv.extConsumerId || conv.consumerId }),
        h("span", { class: `pill ${d.stage === "CLOSE" ? "closed" : "open"}`, text: `${d.state} / stage ${d.stage}` }),
        d.closeReason ? h("span", { class: "muted", text: `closed by ${d.closeReason}` }) : null),
      h("div", { class: "meta" },
        h("code", { title: "conversation id", text: conv.convId }),
        h("span", { text: `skill ${d.skillId}` }),
        h("span", { title: agent ? agent.id : "", text: agent ? `agent ${short(agent.id, 8)}` : "no agent" }),
        h("span", { text: ttr }),
        h("span", { text: `started ${time(d.startTs)}` }),
        conv.resumedFrom ? h("span", { title: "resumed from", text: `resumed from ${short(conv.resumedFrom)}` }) : null));
    const dialogs = (d.dialogs || []).map((dl) => h("li", {}, `${dl.dialogType} `, h("code", { text: short(dl.dialogId, 10) }), ` ${dl.state}${dl.closedBy ? ` · closed by ${dl.closedBy}` : ""}`));
    const block = (title, value) => h("details", { open: true }, h("summary", { text: title }), h("pre", { text: JSON.stringify(value, null, 2) }));
    fill($("#conv-info"),
      h("h4", { text: "Dialogs" }), h("ul", { class: "plain" }, dialogs),
      h("h4", { text: "Participants" }),
      h("ul", { class: "plain" }, (d.participants || []).map((p) => h("li", {}, `${p.role} `, h("code", { text: short(p.id, 12) })))),
      h("h4", { text: "Consumer profile (SDEs)" }),
      conv.profile && Object.keys(conv.profile).length ? block("profile", conv.profile) : h("div", { class: "muted", text: "none sent" }),
      h("h4", { text: "Conversation request" }), block("request", conv.request || {}),
      ...(d.csat ? [h("h4", { text: "CSAT" }), block("csat", d.csat)] : []));
  }

  renderTyping() {
    const typing = this.selected.typing;
    const who = ["consumer", "agent"].filter((side) => typing[side] && Date.now() - typing[side] < TYPING_MS);
    const el = $("#typing");
    if (el) el.textContent = who.length ? `${who.join(" and ")} ${who.length > 1 ? "are" : "is"} typing…` : "";
  }

  renderTranscript(keepScroll = true) {
    const sel = this.selected;
    const box = $("#transcript");
    if (!sel || !box) return;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const items = [];
    if (sel.hidden) items.push(h("div", { class: "system", text: `${sel.hidden} earlier events not shown` }));
    if (!sel.events.length) items.push(h("div", { class: "system", text: "no messages yet" }));
    let dialog = null;
    for (const change of sel.events) {
      if (dialog && change.dialogId !== dialog) items.push(h("div", { class: "system", text: `dialog ${short(change.dialogId, 10)} (survey)` }));
      dialog = change.dialogId;
      items.push(this.message(change, sel));
    }
    box.replaceChildren(...items);
    this.renderTyping();
    if (!keepScroll || atBottom) box.scrollTop = box.scrollHeight;
  }

  message(change, sel) {
    const role = change.originatorMetadata.role;
    const note = change.messageAudience && change.messageAudience !== "ALL";
    const side = role === "CONSUMER" ? "consumer" : "agent";
    const receipt = sel.receipts.get(`${change.dialogId}:${change.sequence}`);
    const ticks = receipt === "READ" || receipt === "ACCESS" || receipt === "ACTION" ? "✓✓ read" : receipt === "ACCEPT" ? "✓✓ accepted" : receipt === "NACK" ? "✗ nack" : "✓ sent";
    return h("div", { class: `msg ${side}${note ? " note" : ""}`, dataset: { seq: change.sequence } },
      h("div", { class: "bubble" },
        note ? h("div", { class: "note-label", text: "private note · agents and managers only" }) : null,
        content(change.event),
        change.metadata ? h("details", { class: "md" }, h("summary", { text: "metadata" }), h("pre", { text: JSON.stringify(change.metadata, null, 2) })) : null),
      h("div", { class: "stamp" },
        h("span", { text: `#${change.sequence}` }),
        h("span", { text: `${role.toLowerCase().replace("_", " ")} · ${time(change.serverTimestamp)}` }),
        h("span", { class: `receipt r-${(receipt || "sent").toLowerCase()}`, title: "the other side's receipts", text: ticks })));
  }

  /** The agent's side: one-click actions, a text composer and the JSON examples. */
  composer() {
    const act = (action, body) => this.act(action, body);
    const text = h("textarea", { id: "reply-text", rows: 2, placeholder: "Reply as the agent… (Enter sends, Shift+Enter for a new line)" });
    text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.sendText("text"); }
    });
    text.addEventListener("input", () => this.typingPulse());
    const skill = h("input", { id: "transfer-skill", placeholder: "skill id", size: 6, value: "-1" });
    const select = h("select", { id: "example" }, h("option", { value: "", text: "Examples: rich content, quick replies, files…" }),
      EXAMPLES.map((ex, i) => h("option", { value: String(i), text: `${ex.name} (${ex.action})` })));
    const action = h("input", { id: "example-action", placeholder: "action", size: 12 });
    const json = h("textarea", { id: "example-body", rows: 5, spellcheck: "false", placeholder: "JSON body of the action" });
    select.addEventListener("change", () => {
      const ex = EXAMPLES[Number(select.value)];
      if (!ex) return;
      action.value = ex.action;
      json.value = JSON.stringify(ex.body, null, 2);
    });
    const sendJson = () => {
      let body;
      try { body = json.value.trim() ? JSON.parse(json.value) : {}; } catch (e) { this.showError(new Error(`the JSON body does not parse: ${e.message}`)); return; }
      act(action.value.trim(), body);
    };
    return h("div", { class: "composer" },
      h("div", { class: "actions" },
        h("button", { id: "act-join", onclick: () => act("join", {}), title: "accept the ring as the assigned agent", text: "Join" }),
        h("button", { id: "act-typing", onclick: () => act("chat-state", { chatState: "COMPOSING" }), text: "Typing" }),
        h("button", { id: "act-read", onclick: () => this.readAll(), title: "ACCEPT and READ every consumer message", text: "Mark read" }),
        h("span", { class: "group" }, skill, h("button", { id: "act-transfer", onclick: () => act("transfer", { skillId: skill.value || "-1" }), text: "Transfer" })),
        h("button", { id: "act-close", onclick: () => act("close", { survey: false }), text: "Close" }),
        h("button", { id: "act-close-survey", onclick: () => act("close", { survey: true }), text: "Close + survey" }),
        h("button", { id: "act-system-close", class: "quiet", onclick: () => act("system-close", {}), text: "System close" }),
        h("button", { id: "act-resume", onclick: () => this.resume(), title: "a closed conversation: open a new one for this consumer with the reply text as the agent's first message", text: "Resume" })),
      h("div", { class: "reply" }, text,
        h("div", { class: "stack" },
          h("button", { id: "act-send", class: "primary", onclick: () => this.sendText("text"), text: "Send" }),
          h("button", { id: "act-note", onclick: () => this.sendText("note"), title: "visible to agents and managers only", text: "Note" }))),
      h("details", { class: "examples" }, h("summary", { text: "Rich content, quick replies, files and every other action as JSON" }),
        h("div", { class: "row" }, select, action, h("button", { id: "act-json", class: "primary", onclick: sendJson, text: "Send action" })), json),
      h("div", { id: "act-error" }));
  }

  typingPulse() {
    const now = Date.now();
    if (now - (this.lastPulse || 0) < 5000 || !this.selected) return;
    this.lastPulse = now;
    const conv = this.selected.conv;
    if (!agentOf(conv) || details(conv).state !== "OPEN") return;
    post(`${this.base()}/${encodeURIComponent(conv.convId)}/agent/chat-state`, { chatState: "COMPOSING" }).catch(() => {});
  }

  async sendText(action) {
    const box = $("#reply-text");
    const text = box.value.trim();
    if (!text) return;
    if (await this.act(action, { text })) box.value = "";
  }

  async readAll() {
    const sel = this.selected;
    const unread = sel.events.filter((c) => c.originatorMetadata.role === "CONSUMER" && sel.receipts.get(`${c.dialogId}:${c.sequence}`) !== "READ");
    if (!unread.length) { toast("nothing unread"); return; }
    const dialogId = unread[unread.length - 1].dialogId;
    const sequenceList = unread.filter((c) => c.dialogId === dialogId).map((c) => c.sequence);
    if (await this.act("receipt", { status: "ACCEPT", sequenceList, dialogId })) await this.act("receipt", { status: "READ", sequenceList, dialogId });
  }

  /** Resume a closed conversation with the reply text; the new conversation opens. */
  async resume() {
    const box = $("#reply-text");
    const conv = this.selected.conv;
    $("#act-error").replaceChildren();
    try {
      const answer = await post(`${this.base()}/${encodeURIComponent(conv.convId)}/agent/resume`, { text: box.value.trim() });
      box.value = "";
      toast("resumed: a new conversation");
      await this.open(answer.conversation.convId);
    } catch (error) {
      this.showError(error);
    }
  }

  showError(error) {
    $("#act-error").replaceChildren(explain(error));
  }

  /** POST one agent action; the mock's refusal is shown with its explanation. True when accepted. */
  async act(action, body) {
    const conv = this.selected.conv;
    $("#act-error").replaceChildren();
    try {
      const answer = await post(`${this.base()}/${encodeURIComponent(conv.convId)}/agent/${encodeURIComponent(action)}`, body);
      toast(`${action}: done${answer.sequence !== undefined && answer.sequence !== null ? ` (sequence ${answer.sequence})` : ""}`);
      return true;
    } catch (error) {
      this.showError(error);
      return false;
    }
  }
}
