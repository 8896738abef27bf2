/**
 * The SQL names of every table's columns, by schema key (db/columns.ts), for
 * the stores' statements: `${D.nextAttemptAt}`, `d.${D.seq}`.
 */
import { columnNames } from "../columns";
import { namespaceShards, portalLinks, revokedSessions, tokens } from "../control-schema";
import { attempts, deliveries, events, sweepMarks, webhooks } from "../schema";

export const W = columnNames(webhooks);
export const E = columnNames(events);
export const D = columnNames(deliveries);
export const A = columnNames(attempts);
export const SM = columnNames(sweepMarks);
export const T = columnNames(tokens);
export const RS = columnNames(revokedSessions);
export const NS = columnNames(namespaceShards);
export const PL = columnNames(portalLinks);
