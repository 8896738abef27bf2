/** A destination's credentials: one JSON object sealed bound to its webhook's destination_sealed column (secret-box.ts). */
import { destinationCredentialsOf, seal, unseal, type SecretsKeys } from "../../security/secret-box";

export type Credentials = Record<string, string>;

export function sealCredentials(secretsKey: string, webhookId: string, credentials: Credentials): Promise<string> {
  return seal(secretsKey, JSON.stringify(credentials), destinationCredentialsOf(webhookId));
}

export async function openCredentials(keys: SecretsKeys, webhookId: string, sealed: string): Promise<Credentials> {
  return JSON.parse(await unseal(keys, sealed, destinationCredentialsOf(webhookId))) as Credentials;
}
