// A small bot written with LivePerson's Node Agent SDK (npm node-agent-sdk), using only its documented
// API (README: Agent, connected, setAgentState, subscribeRoutingTasks, updateRingState,
// subscribeExConversations, subscribeMessagingEvents, publishEvent, updateConversationField, getClock).
// It accepts every ring, answers each consumer text with "bot: <text>" (ignoring its own, by userPid),
// and closes the conversation when the consumer writes "bye". One JSON line per step on stdout.
// LP_SDK names the package: node-agent-sdk (npm's 1.2.0) or node-agent-sdk-1.4.11 (the repository's line).
'use strict';

const sdk = process.env.LP_SDK || 'node-agent-sdk';
const Agent = require(sdk).Agent;

const say = (what, extra) => process.stdout.write(JSON.stringify(Object.assign({step: what}, extra || {})) + '\n');
const fail = (where) => (err) => { if (err) say('error', {where, err: String(err && (err.message || JSON.stringify(err)))}); };

const agent = new Agent({
    accountId: process.env.LP_ACCOUNT,
    username: process.env.LP_USER,
    password: process.env.LP_PASSWORD,
    csdsDomain: process.env.LP_CSDS,
});
const known = {};

agent.on('connected', () => {
    say('connected', {agentId: agent.agentId, version: require(sdk + '/package.json').version});
    agent.setAgentState({availability: 'ONLINE'}, fail('setAgentState'));
    agent.subscribeExConversations({convState: ['OPEN'], agentIds: [agent.agentId]}, fail('subscribeExConversations'));
    agent.subscribeRoutingTasks({}, (err) => { fail('subscribeRoutingTasks')(err); if (!err) say('ready'); });
    agent._keepalive = setInterval(() => agent.getClock({}, fail('getClock')), 30000);
    if (typeof agent.refreshSession === 'function') {  // 1.4.x documents it (agentVep refresh, csrf + cookies)
        agent.refreshSession((err) => { fail('refreshSession')(err); if (!err) say('refreshed'); });
    }
});

agent.on('routing.RoutingTaskNotification', (body) => {
    body.changes.forEach((change) => {
        if (change.type !== 'UPSERT') return;
        change.result.ringsDetails.forEach((ring) => {
            if (ring.ringState !== 'WAITING') return;
            agent.updateRingState({ringId: ring.ringId, ringState: 'ACCEPTED'}, (err) => {
                fail('updateRingState')(err);
                if (!err) say('accepted', {conversationId: change.result.conversationId});
            });
        });
    });
});

agent.on('cqm.ExConversationChangeNotification', (body) => {
    body.changes.forEach((change) => {
        const convId = change.result.convId;
        const last = change.result.lastContentEventNotification;
        if (last) say('last-content', {conversationId: convId, type: change.type, message: last.event.message});
        if (change.type === 'UPSERT' && !known[convId]) {
            known[convId] = true;
            const consumer = change.result.conversationDetails.participants.find((p) => p.role === 'CONSUMER');
            agent.getUserProfile(consumer.id, (err, profile) => {
                fail('getUserProfile')(err);
                if (!err) say('profile', {conversationId: convId, profile});
            });
            agent.subscribeMessagingEvents({dialogId: convId, fromSeq: 0}, fail('subscribeMessagingEvents'));
        } else if (change.type === 'DELETE') {
            delete known[convId];
            say('gone', {conversationId: convId});
        }
    });
});

agent.on('ms.MessagingEventNotification', (body) => {
    body.changes.forEach((change) => {
        if (change.originatorId === agent.agentId || !change.event || change.event.type !== 'ContentEvent') return;
        const dialogId = body.dialogId || change.dialogId;
        const text = change.event.message;
        agent.publishEvent({dialogId, event: {type: 'AcceptStatusEvent', status: 'READ', sequenceList: [change.sequence]}}, fail('read'));
        if (text === 'bye') {
            agent.updateConversationField({
                conversationId: dialogId,
                conversationField: [{field: 'ConversationStateField', conversationState: 'CLOSE'}],
            }, (err) => { fail('close')(err); if (!err) say('closed', {conversationId: dialogId}); });
            return;
        }
        const answer = {dialogId, event: {type: 'ContentEvent', contentType: 'text/plain', message: 'bot: ' + text}};
        const metadata = [{type: 'BotResponse', externalConversationId: dialogId, businessCases: [], intents: []}];
        agent.publishEvent(answer, null, metadata, (err) => {
            fail('publishEvent')(err);
            if (!err) say('answered', {text});
        });
    });
});

agent.on('error', (err) => say('error', {where: 'agent', err: String(err && err.message)}));
agent.on('closed', (data) => say('socket-closed', {data}));
process.on('SIGTERM', () => { clearInterval(agent._keepalive); agent.dispose(); process.exit(0); });
