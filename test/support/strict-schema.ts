/**
 * An OpenAPI response schema made self-contained and strict for checking an
 * answer: `$ref`s inlined, `allOf` merged into one object, and every object
 * that lists `properties` without saying otherwise refuses other properties
 * (`additionalProperties: false`). Objects the document leaves open on
 * purpose (event data: open maps) say `additionalProperties` and stay open.
 */
type Schema = Record<string, unknown>;

export function strictSchema(schema: unknown, components: Record<string, unknown>, depth = 0): unknown {
  if (depth > 40) throw new Error("schema nests too deeply (a recursive $ref?)");
  if (Array.isArray(schema)) return schema.map((s) => strictSchema(s, components, depth + 1));
  if (!schema || typeof schema !== "object") return schema;
  const s = schema as Schema;
  if (typeof s.$ref === "string") {
    const name = s.$ref.replace("#/components/schemas/", "");
    if (!(name in components)) throw new Error(`unresolved $ref ${s.$ref}`);
    const { $ref: _ref, ...rest } = s;
    return strictSchema({ ...(components[name] as Schema), ...rest }, components, depth + 1);
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "properties" && v && typeof v === "object") {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, strictSchema(ps, components, depth + 1)]));
    } else if (k === "example" || k === "examples") {
      out[k] = v;
    } else {
      out[k] = strictSchema(v, components, depth + 1);
    }
  }
  if (Array.isArray(out.allOf)) {
    const { allOf, ...own } = out;
    const merged: Schema = { ...own };
    const properties: Schema = {};
    const required = new Set<string>();
    for (const part of allOf as Schema[]) {
      for (const [k, v] of Object.entries(part)) {
        if (k === "properties") Object.assign(properties, v);
        else if (k === "required") for (const r of v as string[]) required.add(r);
        else if (k !== "additionalProperties") merged[k] = v;
      }
    }
    if (Object.keys(properties).length) merged.properties = properties;
    if (required.size) merged.required = [...required];
    if (merged.properties && !("additionalProperties" in merged)) merged.additionalProperties = false;
    return merged;
  }
  if (out.properties && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}
