/**
 * The API's answers as the dashboard reads them: inferred from the routes
 * through the typed client (api-client.ts), so a page's props follow the API.
 */
import type { InferResponseType } from "hono/client";
import type { ApiClient } from "./api-client";

type Namespace = ApiClient["v1"]["namespaces"][":ns"];
type Hook = Namespace["webhooks"][":id"];

export type Webhook = InferResponseType<Hook["$get"], 200>;
export type Health = InferResponseType<Hook["stats"]["$get"], 200>;
export type Activity = InferResponseType<Hook["stats"]["hourly"]["$get"], 200>;
export type DeliverySummary = InferResponseType<Hook["deliveries"]["$get"], 200>["data"][number];
export type DeliveryDetail = InferResponseType<Namespace["deliveries"][":id"]["$get"], 200>;
export type Attempt = DeliveryDetail["attempts"][number];
export type EventType = InferResponseType<ApiClient["v1"]["event-types"]["$get"], 200>["data"][number];
