#!/usr/bin/env node
// A starter connector between an HTTP messaging channel and LivePerson's Connector API, in plain Node 20: no dependencies,
// no build step (node:http, node:crypto, node:fs and the built-in fetch). Copy it, replace the channel side with yours,
// keep the LivePerson side. Channel protocol: schemas/channel.yaml. Judge it: mockcc contract --connector-cmd "node connector.js"
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');

// --- Settings: the variables mockcc's contract suite sets (use your own names in production). ---
const env = (name, fallback) => process.env[`MOCKCC_${name}`] ?? process.env[`CONNECTOR_${name}`] ?? fallback;
const cfg = { // CSDS's domain; the app installation (its secret also signs webhooks); the channel; our address
  csdsHost: env('CSDS_HOST', 'adminlogin.liveperson.net'), scheme: env('LP_SCHEME', 'https'), account: env('ACCOUNT_ID'),
  clientId: env('CLIENT_ID'), secret: env('CLIENT_SECRET'), channelUrl: env('CHANNEL_URL'),
  host: env('HOST', '127.0.0.1'), port: Number(env('PORT', '8090')), stateDir: env('STATE_DIR'),
};
const log = (...words) => console.log(new Date().toISOString(), ...words);
const jsonOf = (res) => res.json().catch(() => null);
const parsed = (read) => { try { return JSON.parse(read()); } catch { return null; } }; // null: missing or not JSON
const JSON_TYPE = { 'Content-Type': 'application/json' };
const failed = (what, res, body) => new Error(`${what}: HTTP ${res.status} ${JSON.stringify(body)}`);
function remember(map, key, value) { // a bounded map: past 10,000 entries (consumers, conversations) the oldest goes
  if (map.size >= 10000) map.delete(map.keys().next().value);
  return map.set(key, value).get(key);
}

// --- HTTP with LivePerson's retry guidance: 429 -> wait >= 1 s, doubling (or Retry-After);
// 5xx or no answer -> 1, 2, 4 s, then give up; any other 4xx -> no retry (the request itself is wrong). ---
async function call(url, options = {}) {
  for (let throttled = 0, broken = 0; ; ) {
    const res = await fetch(url, { ...options, signal: AbortSignal.timeout(15000) }).catch(() => null);
    if (res && res.status !== 429 && res.status < 500) return res;
    const limited = res?.status === 429;
    const attempt = limited ? ++throttled : ++broken;
    if (attempt > (limited ? 5 : 3)) { if (res) return res; throw new Error(`${new URL(url).pathname}: no answer`); }
    const asked = limited ? 1000 * Number(res.headers.get('retry-after') || 0) : 0; // Retry-After, if any
    await res?.body?.cancel();
    const pause = Math.max(1000 * 2 ** (attempt - 1), asked) * (1 + Math.random() / 4); // jitter: no lock-step
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

// --- Discovery: every LivePerson host comes from CSDS (never hard-code them: they differ per account). ---
let hosts = null;
async function host(service) {
  hosts ??= (async () => {
    const res = await call(`${cfg.scheme}://${cfg.csdsHost}/api/account/${cfg.account}/service/baseURI.json?version=1.0`);
    if (!res.ok) throw failed('CSDS', res, await jsonOf(res));
    return Object.fromEntries((await res.json()).baseURIs.map((u) => [u.service, `${cfg.scheme}://${u.baseURI}`]));
  })().catch((err) => { hosts = null; throw err; });
  return (await hosts)[service] ?? Promise.reject(new Error(`CSDS lists no ${service}`));
}

// --- AppJWT from Sentinel: one for every call, renewed before it expires and when a call answers 401. ---
const jwt = { token: null, renewAt: 0, pending: null };
async function appJwt(refused = null) {
  if (jwt.token && jwt.token !== refused && Date.now() < jwt.renewAt) return jwt.token;
  jwt.pending ??= (async () => { // one renewal, however many calls were refused
    const url = `${await host('sentinel')}/sentinel/api/account/${cfg.account}/app/token?v=1.0&grant_type=client_credentials`;
    const res = await call(url, { method: 'POST', body: new URLSearchParams({ client_id: cfg.clientId, client_secret: cfg.secret }) });
    const body = await jsonOf(res);
    if (!res.ok || !body?.access_token) throw failed('Sentinel', res, body);
    log('Sentinel: new AppJWT');
    jwt.renewAt = Date.now() + Math.max(60, (body.expires_in ?? 3600) - 300) * 1000; // 5 minutes early
    return (jwt.token = body.access_token);
  })().finally(() => { jwt.pending = null; });
  return jwt.pending;
}

// --- ConsumerJWS from the IdP: one per consumer, kept (it does not expire), fetched again if refused. ---
const jwsCache = new Map(); // consumerId -> Promise<token>; a failed fetch is forgotten, so the next message tries again
const consumerJws = (id) => jwsCache.get(id) ?? remember(jwsCache, id, post('idp', 'consumer?v=1.0', { ext_consumer_id: id })
  .then((answer) => answer?.token ?? Promise.reject(new Error(`IdP: no token in ${JSON.stringify(answer)}`)))
  .catch((err) => { jwsCache.delete(id); throw err; }));

// --- The Send API: CONVERSATION and SEND with AppJWT + ConsumerJWS; after a 401, a fresh token, once. ---
async function post(service, path, payload, consumerId = null, retried = false) { // also the IdP's (AppJWT only: no consumerId)
  const token = await appJwt();
  const onBehalf = consumerId ? { 'X-LP-ON-BEHALF': await consumerJws(consumerId) } : {};
  const url = `${await host(service)}/api/account/${cfg.account}/${path}`;
  const res = await call(url, { method: 'POST', headers: { Authorization: token, ...onBehalf, ...JSON_TYPE }, body: JSON.stringify(payload) });
  const body = await jsonOf(res);
  if (res.ok) return body;
  if (res.status !== 401 || retried) throw failed(`${service} ${path}`, res, body);
  if (consumerId && [40103, 40104].includes(Number(body?.body?.errorCode))) jwsCache.delete(consumerId); // ConsumerJWS refused
  else await appJwt(token); // the AppJWT expired or was revoked
  return post(service, path, payload, consumerId, true);
}
const sendApi = (consumerId, path, payload) => post('asyncMessagingEnt', `messaging/consumer/${path}?v=3`, payload, consumerId);
const req = (type, body) => ({ kind: 'req', id: crypto.randomUUID(), type, body });
async function publish(consumerId, conversationId, dialogId, event) { // SEND ms.PublishEvent: its sequence
  const answer = await sendApi(consumerId, 'conversation/send', req('ms.PublishEvent', { dialogId, conversationId, event }));
  const sequence = answer?.body?.sequence ?? null;
  if (sequence !== null) offer(conversations.get(conversationId), dialogId, sequence, null); // no message will have it
  return sequence;
}

// --- What the connector remembers: consumers (by the channel's id) and their conversations. The open ones are kept in a file
// too, as a restart must not lose them: LivePerson allows one per consumer and has no lookup (use your database in production). ---
const consumers = new Map();
const conversations = new Map();
const consumer = (id) => consumers.get(id) ?? remember(consumers, id,
  { id, conversationId: null, dialogId: null, lpId: null, inbox: Promise.resolve(), outbox: Promise.resolve(), messageIds: new Map() });
const own = (id, consumerId) => conversations.get(id) ?? remember(conversations, id,
  { consumerId, agentId: null, updatedTs: 0, finished: false, lane: Promise.resolve(), order: new Map() });
const stateFile = cfg.stateDir && `${cfg.stateDir}/node-connector.json`;
function setConversation(c, conversationId) { // the consumer's open one (null: none), a new one seen from its start
  c.conversationId = c.dialogId = conversationId;
  if (conversationId) own(conversationId, c.id).order.set(conversationId, { next: 0, held: new Map() });
  if (!stateFile) return;
  const open = [...consumers.values()].filter((k) => k.conversationId).map((k) => [k.id, k.conversationId, k.dialogId, k.lpId]);
  fs.writeFileSync(`${stateFile}.tmp`, JSON.stringify(open)); // renamed over the old: whole or not at all, even if we die mid-write
  fs.renameSync(`${stateFile}.tmp`, stateFile);
}
function finish(c, conversationId, by) { // closed: later webhooks about it are ignored, the consumer is told
  own(conversationId, c.id).finished = true;
  if (c.conversationId === conversationId) setConversation(c, null);
  return tell(c, { type: 'closed', by }, conversationId);
}
for (const [id, conversationId, dialogId, lpId] of parsed(() => fs.readFileSync(stateFile)) ?? []) { // none yet: []
  Object.assign(consumer(id), { conversationId, dialogId, lpId });
  own(conversationId, id);
}

// --- To the channel: one consumer's events in order; true once the channel took it (else logged). ---
function tell(c, event, conversationId = c.conversationId) {
  const body = JSON.stringify({ consumerId: c.id, conversationId, ...event });
  return (c.outbox = c.outbox.then(async () => { // your channel's own retries go here
    const res = await fetch(cfg.channelUrl, { method: 'POST', headers: JSON_TYPE, body, signal: AbortSignal.timeout(10000) }).catch((err) => err);
    return res.ok || log(`channel did not take ${event.type} for ${c.id}: ${res.status ?? res.message}`) || false;
  }));
}

// --- Consumer side: the channel's actions, each consumer's in order. ---
async function ensureConversation(c, profile = {}) {
  if (c.conversationId) return;
  const jws = await consumerJws(c.id);
  c.lpId = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url')).lp_consumer_id; // how webhooks name them
  const batch = [req('userprofile.SetUserProfile', { firstName: profile.firstName ?? '', lastName: profile.lastName ?? '' }),
    req('cm.ConsumerRequestConversation', { brandId: cfg.account, channelType: 'MESSAGING', skillId: '-1' })];
  setConversation(c, (await sendApi(c.id, 'conversation', batch))[1].body.conversationId);
}
function pieces(text, limit = 4600) { // LivePerson takes 5000 characters (UTF-16, as JSON) per request
  const out = [];
  let size = limit;
  for (const ch of text) { // by code point, so an emoji is never cut in half; JSON escapes count too
    const width = JSON.stringify(ch).length - 2;
    if ((size += width) > limit) [out[out.length], size] = ['', width];
    out[out.length - 1] += ch;
  }
  return out;
}
async function consumerText(c, { text, profile }, messageId) {
  let sequence = null;
  for (const piece of pieces(text)) {
    const event = { type: 'ContentEvent', contentType: 'text/plain', message: piece };
    const send = () => ensureConversation(c, profile).then(() => publish(c.id, c.conversationId, c.dialogId, event));
    sequence = await send().catch((err) => { // closed under us, its webhook still on the way: a new conversation, once
      if (!/Conversation is close/.test(err.message)) throw err;
      setConversation(c, null);
      return send();
    });
    if (sequence !== null) remember(c.messageIds, sequence, messageId); // receipts name messages by sequence
  }
  await tell(c, { type: 'sent', messageId, sequence });
}
async function act(c, action, messageId) { // never throws: the consumer's next action still runs
  try {
    if (action.type === 'text') return await consumerText(c, action, messageId);
    if (!c.conversationId) return; // typing, reading or closing with no conversation: nothing to do
    const event = action.type === 'typing' ? { type: 'ChatStateEvent', chatState: action.chatState ?? 'COMPOSING' }
      : action.type === 'read' ? { type: 'AcceptStatusEvent', status: 'READ', sequenceList: action.sequences } : null;
    if (event) return await publish(c.id, c.conversationId, c.dialogId, event);
    const field = { field: 'ConversationStateField', conversationState: 'CLOSE' }; // type close
    await sendApi(c.id, 'conversation/send', req('cm.UpdateConversationField', { conversationId: c.conversationId, conversationField: field }));
    await finish(c, c.conversationId, 'CONSUMER');
  } catch (err) {
    log(`consumer ${c.id}: ${action.type} not delivered: ${err.message}`);
    if (action.type === 'text') await tell(c, { type: 'error', messageId, text: 'your message could not be delivered' });
  }
}

// --- Agent side: webhooks, verified, answered 200 at once, then worked per conversation, in order. ---
function signed(raw, header) { // "sha1=" + base64(HMAC-SHA1(secret, raw body)); sha256 and hex also occur
  const [algorithm, value] = String(header ?? '').split(/=(.*)/s);
  if (!['sha1', 'sha256'].includes(algorithm) || !value) return false;
  const digest = crypto.createHmac(algorithm, cfg.secret).update(raw).digest();
  const given = Buffer.from(value, /^[0-9a-f]+$/i.test(value) && value.length === 2 * digest.length ? 'hex' : 'base64');
  return given.length === digest.length && crypto.timingSafeEqual(given, digest);
}
function offer(conv, dialogId, sequence, change) { // webhooks repeat and overtake: per dialog, each sequence once, in order
  const order = conv?.order.get(dialogId);
  if (!order || sequence < order.next || order.held.has(sequence)) return; // a duplicate
  order.held.set(sequence, change);
  while (order.held.has(order.next)) release(conv, order, order.next);
  order.timer ??= order.held.size ? setTimeout(() => { // a gap: wait a moment for the overtaken message, then go on
    order.timer = null;
    for (const s of [...order.held.keys()].sort((a, b) => a - b)) release(conv, order, s);
  }, 2000) : null;
}
function release(conv, order, sequence) { // shown (a message), or only passed (our own event)
  const change = order.held.get(sequence);
  order.held.delete(sequence);
  order.next = Math.max(order.next, sequence + 1);
  if (change) deliver(conv, change);
}
function messaging(change, again = false) { // again: a second look, 1 s later (a resume's change may still be on the way)
  const [conv, seq] = [conversations.get(change.conversationId ?? change.dialogId), change.sequence];
  if (!conv && !again) setTimeout(() => messaging(change, true), 1000).unref();
  if (!conv || conv.finished) return;
  if (!Number.isInteger(seq)) return deliver(conv, change); // chat states carry no sequence
  if (!conv.order.has(change.dialogId)) conv.order.set(change.dialogId, { next: seq, held: new Map() }); // from here
  offer(conv, change.dialogId, seq, change);
}
function deliver(conv, change) { // one event to the consumer; its own echoes and private notes stop here
  const [c, role, event] = [consumer(conv.consumerId), change.originatorMetadata?.role, change.event ?? {}];
  if (role === 'CONSUMER' || change.messageAudience === 'AGENTS_AND_MANAGERS') return;
  const out = (e) => tell(c, e, change.conversationId);
  if (event.type === 'ChatStateEvent') return out({ type: 'typing', typing: event.chatState === 'COMPOSING' });
  const sequences = event.sequenceList ?? []; // a receipt's: the consumer's messages it is about
  const messageIds = sequences.map((s) => c.messageIds.get(s)).filter(Boolean);
  if (event.type === 'AcceptStatusEvent') return out({ type: 'receipt', status: event.status, sequences, messageIds });
  if (event.type !== 'ContentEvent' && event.type !== 'RichContentEvent') return; // a type we do not show
  const plain = event.type === 'ContentEvent' && typeof event.message === 'string' && !event.quickReplies;
  const content = event.content ?? event.message; // rich content, or a file: shown as its words
  const text = plain ? event.message : [...words(content), ...words(event.quickReplies).map((w) => `[${w}]`)].join('\n');
  out({ type: 'text', text: text || '[attachment]', sequence: change.sequence, role: role ?? null, fallback: !plain, ...(plain ? {} : { content }) })
    .then((ok) => ok && !conv.finished && publish(c.id, change.conversationId, change.dialogId, { type: 'AcceptStatusEvent', status: 'ACCEPT', sequenceList: [change.sequence] }))
    .catch((err) => log(`ACCEPT receipt not sent: ${err.message}`)); // tells the agent it was delivered
}
const words = (node) => (typeof node === 'string' ? [node] : !node || typeof node !== 'object' ? []
  : Array.isArray(node) ? node.flatMap(words) : ['text', 'title', 'caption', 'elements', 'replies'].flatMap((k) => words(node[k])));
function conversationChange(change) {
  const { convId, conversationDetails: details = {} } = change.result ?? {};
  const person = (role) => details.participants?.find((p) => p.role === role)?.id ?? null;
  const owner = conversations.get(convId)?.consumerId ?? [...consumers.values()].find((c) => c.lpId && c.lpId === person('CONSUMER'))?.id;
  const adopted = !conversations.has(convId); // one of our consumer's we did not open: ours only if open (a resume)
  if (!owner || (adopted && details.state !== 'OPEN')) return; // not ours
  const [conv, c, agentId] = [own(convId, owner), consumer(owner), person('ASSIGNED_AGENT')];
  if ((details.metaDataLastUpdateTs ?? 0) < conv.updatedTs || conv.finished) return; // stale, or over
  conv.updatedTs = details.metaDataLastUpdateTs ?? conv.updatedTs;
  if (details.stage === 'CLOSE') return finish(c, convId, details.closeReason ?? 'AGENT');
  if (adopted && agentId && c.conversationId !== convId) { // an agent resumed a closed conversation
    setConversation(c, convId);
    tell(c, { type: 'resumed' }, convId);
  }
  if (agentId !== conv.agentId) tell(c, agentId ? { type: 'agent_joined', agentId } : { type: 'agent_left' }, convId);
  conv.agentId = agentId;
}
function notification(doc) { // an unknown notification type is acknowledged and ignored: LivePerson adds types
  const work = { 'cqm.ExConversationChangeNotification': conversationChange, 'ms.MessagingEventNotification': messaging }[doc?.type];
  for (const change of work && Array.isArray(doc.body?.changes) ? doc.body.changes : []) {
    const conv = conversations.get(change?.result?.convId ?? change?.conversationId);
    const run = () => Promise.resolve(change).then(work).catch((err) => log(`webhook change failed: ${err.stack}`));
    if (conv) conv.lane = conv.lane.then(run); else run();
  }
}

// --- The HTTP server: /webhooks (LivePerson) and /channel/messages (the channel). ---
const answer = (res, status, body) => res.writeHead(status, JSON_TYPE).end(JSON.stringify(body));
function inbound(doc, res) { // a consumer action: check it, answer 202 at once, act in the consumer's order
  const type = doc?.type ?? 'text';
  const bad = typeof doc?.consumerId !== 'string' || !doc.consumerId ? 'consumerId must be a non-empty string'
    : !['text', 'typing', 'read', 'close'].includes(type) ? 'type must be text, typing, read or close'
      : type === 'text' && !(typeof doc.text === 'string' && doc.text.trim()) ? 'text must be a non-empty string'
        : type === 'read' && !(Array.isArray(doc.sequences) && doc.sequences.every(Number.isInteger)) ? 'sequences must be integers' : null;
  if (bad) return answer(res, 400, { error: bad });
  const messageId = typeof doc.messageId === 'string' ? doc.messageId : crypto.randomUUID();
  const c = consumer(doc.consumerId);
  c.inbox = c.inbox.then(() => act(c, { ...doc, type }, messageId));
  answer(res, 202, { accepted: true, messageId });
}
const server = http.createServer(async (request, res) => {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) { // at most 1 MiB is read
    if ((size += chunk.length) > 1 << 20) return answer(res, 413, { error: 'at most 1 MiB' }) && request.destroy();
    chunks.push(chunk);
  }
  const [raw, path] = [Buffer.concat(chunks), new URL(request.url, 'http://x').pathname];
  if (request.method !== 'POST') return answer(res, 405, { error: 'POST only' });
  const doc = parsed(() => raw.toString('utf8')); // judged below
  if (path === '/channel/messages') return inbound(doc, res);
  if (path !== '/webhooks') return answer(res, 404, { error: 'not found' });
  if (!signed(raw, request.headers['x-liveperson-signature'])) return answer(res, 401, { error: 'bad signature' });
  answer(res, 200, { ok: true }); // acknowledge first (LivePerson waits 5 s at most), work after
  notification(doc);
});
server.listen(cfg.port, cfg.host, () => {
  log(`listening on http://${cfg.host}:${cfg.port} (webhooks: /webhooks, channel: /channel/messages)`);
  appJwt().catch((err) => log(`warm-up failed, will retry on first use: ${err.message}`)); // CSDS + AppJWT now
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 2000).unref();
process.on('SIGTERM', stop).on('SIGINT', stop); // stop taking work; give answers in flight a moment
