// A small bot written with LivePerson's Node Agent SDK (npm node-agent-sdk), using only its documented
// API (README: Agent, connected, setAgentState, subscribeRoutingTasks, updateRingState,
// subscribeExConversations, subscribeMessagingEvents, publishEvent, updateConversationField, getClock).
// It accepts every ring, answers each consumer text with "bot: <text>" (ignoring its own, by userPid),
// and closes the conversation when the consumer writes "bye". One JSON line per step on stdout.
'use strict';

const Agent = require('node-agent-sdk').Agent;

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
    say('connected', {agentId: agent.agentId});
    agent.setAgentState({availability: 'ONLINE'}, fail('setAgentState'));
    agent.subscribeExConversations({convState: ['OPEN'], agentIds: [agent.agentId]}, fail('subscribeExConversations'));
    agent.subscribeRoutingTasks({}, (err) => { fail('subscribeRoutingTasks')(err); if (!err) say('ready'); });
    agent._keepalive = setInterval(() => agent.getClock({}, fail('getClock')), 30000);
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
        if (change.type === 'UPSERT' && !known[convId]) {
            known[convId] = true;
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
        agent.publishEvent({dialogId, event: {type: 'ContentEvent', contentType: 'text/plain', message: 'bot: ' + text}}, (err) => {
            fail('publishEvent')(err);
            if (!err) say('answered', {text});
        });
    });
});

agent.on('error', (err) => say('error', {where: 'agent', err: String(err && err.message)}));
agent.on('closed', (data) => say('socket-closed', {data}));
process.on('SIGTERM', () => { clearInterval(agent._keepalive); agent.dispose(); process.exit(0); });
