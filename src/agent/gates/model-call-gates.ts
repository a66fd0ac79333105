/**
 * L22 → L21 before each model call. The breaker goes first: it decides which model is called (the fallback
 * while the primary's breaker is open), and the budget is checked for that model. Each gate leaves a
 * settlement the turn loop calls when the call is over (usage, health) or cancels when it never happens.
 */
import { auditContext, type EventBus, type GateReport, type LayerReporter, type Gate, ok } from '../../core/index.js';
import type { ModelCallItem } from '../boundaries.js';
import type { BudgetGuard } from '../budget/budget-guard.js';
import { breakerKey, type CircuitBreakers } from '../breaker/circuit-breaker.js';

export function breakerGate(
  breakers: CircuitBreakers,
  bus: EventBus,
  providerOf: (agentId: string) => string,
): Gate<ModelCallItem> {
  return {
    layer: 'L22',
    name: 'circuit breaker per provider and model; the fallback model while it is open',
    run(item, ctx) {
      const provider = providerOf(ctx.agentId);
      const primary = item.request.model;
      const audit = auditContext(ctx);
      let model = primary;
      let ticket = breakers.acquire(provider, primary, audit);
      if (!ticket.ok) {
        const fallback = ticket.error.code === 'breaker.open' ? breakers.fallbackFor(provider, primary) : undefined;
        const f = fallback !== undefined ? breakers.acquire(provider, fallback, audit) : undefined;
        // No fallback, or its breaker is open too: the primary's refusal (its details name the fallback).
        if (fallback === undefined || !f?.ok) return ticket;
        ticket = f;
        model = fallback;
        bus.emit('security:warning', {
          ...audit,
          layer: 'L22',
          outcome: 'fallback',
          breaker: breakerKey(provider, primary),
          model,
          primaryModel: primary,
          reason: `the breaker of ${breakerKey(provider, primary)} is open: this call goes to the fallback model ${model}`,
        });
      }
      const held = ticket.value;
      item.settlements.push({
        after(outcome, signal) {
          // A call the user or the turn deadline cancelled is not a provider failure.
          if (!outcome.ok && signal.aborted) {
            breakers.release(held);
            return undefined;
          }
          breakers.report(held, outcome, audit);
          if (outcome.ok) return undefined;
          // This failure opened the breaker: the turn may try once more, and this gate will pick the fallback.
          const fallback = breakers.fallbackFor(provider, model);
          const retry =
            fallback !== undefined &&
            breakers.state(provider, model) === 'open' &&
            breakers.state(provider, fallback) !== 'open';
          return retry ? { retry: true } : undefined;
        },
        cancel: () => breakers.release(held),
      });
      return ok(model === primary ? item : { ...item, request: { ...item.request, model } });
    },
  };
}

export function budgetGate(budget: BudgetGuard): Gate<ModelCallItem> {
  return {
    layer: 'L21',
    name: 'token budgets per execution, hour and day; the context-window guard',
    async run(item, ctx) {
      const r = await budget.check(item.request, ctx);
      if (!r.ok) return r;
      const reservation = r.value;
      item.settlements.push({
        after: (outcome) => budget.settle(reservation, outcome),
        cancel: () => budget.release(reservation),
      });
      return ok(item);
    },
  };
}

/** L21 and L22 as the status route and `bulwark layers` show them, live. */
export function modelCallReporter(
  breakers: CircuitBreakers,
  strangersShares: ReadonlyMap<string, number> = new Map(),
): LayerReporter {
  const shares = [...strangersShares].map(([id, share]) => `${id} ${Math.round(share * 100)} %`).join(', ');
  return {
    name: 'model-call-controls',
    layers(): GateReport[] {
      const all = breakers.status();
      const open = all.filter((b) => b.state !== 'closed');
      return [
        {
          id: 'L21',
          state: 'on',
          reason: `token budgets checked before each model call; usage counted as max(reported, estimated from bytes) and persisted in the usage store${shares ? `; strangers' share of perHour/perDay (budgets.strangersShare): ${shares}` : ''}`,
        },
        open.length > 0
          ? { id: 'L22', state: 'degraded', reason: `open: ${open.map((b) => `${b.key} (${b.state})`).join(', ')}` }
          : {
              id: 'L22',
              state: 'on',
              reason: `one circuit breaker per provider and model; ${all.length} circuit(s), all closed`,
            },
      ];
    },
  };
}
