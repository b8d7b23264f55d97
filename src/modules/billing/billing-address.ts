// The package's main entry registers the country names of 80 languages; only the codes are read here.
import countries from 'i18n-iso-countries/index.js';
import { z } from 'zod';

const alpha2 = new Set(Object.keys(countries.getAlpha2Codes()));
const text = (field: string, max: number) => z.string().trim().min(1, `${field} is required`).max(max, `${field} has at most ${max} characters`);

/** A billing address; the country an ISO 3166-1 alpha-2 code (`US`, `DE`). */
export const billingAddress = z.strictObject({
  line1: text('line1', 200),
  line2: text('line2', 200).nullish(),
  city: text('city', 100),
  state: text('state', 100).nullish(),
  postalCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$/, 'postal_code is 1 to 15 letters, digits, spaces or hyphens'),
  country: z.string().refine((code) => alpha2.has(code), { message: 'country must be an ISO 3166-1 alpha-2 code in capitals, like US or DE' }),
});

export type BillingAddress = z.infer<typeof billingAddress>;

/** A payment processor's payment method token (Stripe's `pm_…`); the card itself never reaches the gateway. */
export const paymentMethodToken = z
  .string()
  .regex(/^pm_[A-Za-z0-9]{3,64}$/, 'payment_method must be a payment method token like pm_1Nv0…: pm_ then 3 to 64 letters or digits');
