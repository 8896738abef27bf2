/**
 * The owner is told when a webhook's circuit breaker opens or closes again
 * (webhook.circuit_opened / webhook.recovered), not left to find out days
 * later. A consumer reaction; deliveries of operational events never cause
 * further ones.
 */
import type { SettledDelivery } from "../delivery/settle";
import type { AppEnv } from "../env";
import { emitCircuitOpened, emitRecovered, isOperationalType } from "../events/operational";

export async function reportCircuitChange(env: AppEnv, settled: SettledDelivery): Promise<void> {
  const { webhook, circuit, attempt } = settled;
  if (!webhook || !circuit?.change || !attempt || isOperationalType(settled.eventType)) return;
  const ref = { id: webhook.id, name: webhook.name, url: webhook.url, format: webhook.format };
  if (circuit.change === "opened") {
    const { since, nextProbeAt, failures } = circuit.state;
    await emitCircuitOpened(env, settled.namespace, ref, { failures, openedAt: since!, nextProbeAt: nextProbeAt! });
  } else {
    await emitRecovered(env, settled.namespace, ref, { recoveredAt: circuit.state.since!, openedAt: webhook.circuit_since });
  }
}
