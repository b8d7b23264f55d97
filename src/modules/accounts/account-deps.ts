import type { LoginThrottle } from './login-throttle.js';
import type { Keyring } from '../../lib/keyring.js';
import type { SignupLimit } from './signup-limit.js';

/** What account and project work needs beyond the database, wired once in app.ts. */
export type AccountDeps = {
  keyring: Keyring;
  /** Absent when rate limits are off. */
  loginThrottle?: LoginThrottle;
  /** Absent when rate limits are off. */
  signupLimit?: SignupLimit;
  sessionKeyTtlMs: number;
};
