/** How the chat channels stand (gate L18.1), from their config: who may talk to an agent and who may approve. */
import type { GateReport, LayerReporter } from '../core/index.js';
import type { ChannelsConfig } from '../config/index.js';

export function channelLayers(channels: ChannelsConfig): LayerReporter {
  return { name: 'channels', layers: () => [channelSendersReport(channels)] };
}

function channelSendersReport(channels: ChannelsConfig): GateReport {
  const t = channels.telegram;
  if (!t) return { id: 'L18.1', state: 'off', reason: 'no chat channel configured (channels.telegram)' };
  const approvers = t.users.filter((u) => u.approver).length;
  const owners = t.users.filter((u) => u.owner).length;
  const receive =
    t.mode === 'webhook' ? 'webhook with the secret token header checked in constant time' : 'long polling';
  return {
    id: 'L18.1',
    state: 'on',
    reason: `telegram (${receive}) → agent ${t.agent}: ${t.users.length} listed user id(s) in private chats (${owners} owner, ${approvers} approver), everyone else ignored and audited; buttons from approvers only, single-use, expiring, bound to the effect hash; chat sessions and the update cursor kept across restarts`,
  };
}
