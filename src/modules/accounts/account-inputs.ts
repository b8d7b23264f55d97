import { z } from 'zod';

export const emailField = z
  .string({ error: 'email is required' })
  .trim()
  .toLowerCase()
  .max(254, { error: 'email must be at most 254 characters' })
  .pipe(z.email({ error: 'email must be a valid email address' }));

export const newPasswordField = z
  .string({ error: 'password is required' })
  .min(8, { error: 'password must be at least 8 characters' })
  .max(256, { error: 'password must be at most 256 characters' });

/** A project's name, its messages naming the field as the caller sent it (`name`, `projectName`). */
export const projectNameField = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(100, { error: `${field} must be at most 100 characters` });
