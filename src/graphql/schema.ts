import './scalars.js';
import '../modules/tenants/tenants.types.js';
import '../modules/tenants/tenants.queries.js';
import '../modules/tenants/tenants.mutations.js';
import '../modules/configs/configs.types.js';
import '../modules/configs/configs.queries.js';
import '../modules/configs/configs.mutations.js';
import '../modules/features/features.types.js';
import '../modules/features/features.queries.js';
import '../modules/features/features.mutations.js';
import '../modules/identity/identity.types.js';
import '../modules/identity/identity.queries.js';
import '../modules/identity/identity.mutations.js';
import '../modules/usage/usage.types.js';
import '../modules/usage/usage.queries.js';
import '../modules/usage/usage.mutations.js';
import { builder } from './builder.js';

export const schema = builder.toSchema();
