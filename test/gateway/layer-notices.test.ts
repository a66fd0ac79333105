/** Which audited decisions become a streamed turn's layer notices, and that only the turn's own are told. */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import '../../src/secrets/events.js';
import '../../src/gateway/app.js';
import { layerNotices } from '../../src/gateway/openai/layer-notices.js';

describe('layer notices of a turn', () => {
  it('tell refusals, redactions and flags of this trace; not routine key reads nor other turns', () => {
    const bus = new EventBus();
    const notices = layerNotices(bus, 'trace-a');
    bus.emit('secret:accessed', { layer: 'L07', traceId: 'trace-a', secretName: 'KEY', outcome: 'success' });
    bus.emit('secret:accessed', { layer: 'L07', traceId: 'trace-a', secretName: 'OTHER', outcome: 'denied' });
    bus.emit('security:request_rejected', { layer: 'L18', traceId: 'trace-b', outcome: 'rejected' });
    bus.emit('security:request_rejected', { layer: 'L18', traceId: 'trace-a', outcome: 'rejected', reason: 'why' });
    const told = notices.take();
    expect(told.map((n) => [n.layer, n.event, n.outcome])).toEqual([
      ['L07', 'secret:accessed', 'denied'],
      ['L18', 'security:request_rejected', 'rejected'],
    ]);
    expect(told[1]?.reason).toBe('why');
    expect(notices.take()).toEqual([]);
    notices.close();
  });
});
