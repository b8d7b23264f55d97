import { z } from 'zod';
import { type ConfigCategory, configCategories, configSpec, type FieldSpec } from '../../../modules/configs/config-spec.js';

function shapeOf(field: FieldSpec): z.ZodType {
  // Ranges and enumerations are documented here and checked by the configs service, in the seed's words.
  const described = <T extends z.ZodType>(schema: T) => schema.meta({ description: field.description, ...field.allowed });
  switch (field.kind) {
    case 'int':
      // GraphQL's Int is 32 bits: anything wider is refused here, with the field named, before GraphQL sees it.
      return described(z.number().int().min(-2_147_483_648, { error: 'must be a 32-bit integer' }).max(2_147_483_647, { error: 'must be a 32-bit integer' }));
    case 'boolean':
      return described(z.boolean());
    case 'string':
      return described(field.default === null ? z.string().nullable() : z.string());
    case 'stringList':
      return described(z.array(z.string()));
    case 'destinations':
      return described(
        z.array(
          z
            .object({
              destination_type: z.string(),
              bucket: z.string().nullish(),
              region: z.string().nullish(),
              path: z.string().nullish(),
              credentials_id: z.string().nullish(),
            })
            .strict(),
        ),
      );
  }
}

function category(name: ConfigCategory, optional: boolean) {
  const fields = Object.entries(configSpec[name] as Record<string, FieldSpec>).map(
    ([key, field]) => [key, optional ? shapeOf(field).optional() : shapeOf(field)] as const,
  );
  return z.object(Object.fromEntries(fields)).strict();
}

const customSettings = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/**
 * The PUT body's shape: the seed's fields with their JSON types, unknown fields refused.
 * Ranges and compliance are the configs service's rules, checked after GraphQL coercion.
 */
export const configUpdateBody = z
  .object({
    ...Object.fromEntries(configCategories.map((name) => [name, category(name, true).optional()])),
    custom_settings: customSettings.optional(),
  })
  .strict();

/** The GET response, every field present. */
export const configResponse = z.object({
  tenant_id: z.string().uuid(),
  ...Object.fromEntries(configCategories.map((name) => [name, category(name, false)])),
  custom_settings: customSettings,
  updated_at: z.string().datetime(),
});
