/**
 * The folder rule of src/ (STYLE.md): module folders, and the folders below them (kernel, jobs,
 * lib, gateway-db, data-plane, rate-limit), import each other one way. It runs as a second pass because
 * dependency-cruiser finds folder cycles over every folder it cruises, and src/graphql is on both
 * sides of every module by design (the builder below the field files, schema.ts and the
 * context's dependency types above them, as in Pothos' complex-app); graphql, rest, http and the
 * composition root (app.ts) sit above everything this pass sees.
 */
const base = require('./.dependency-cruiser.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      severity: 'error',
      scope: 'folder',
      comment:
        'Two module folders import each other (maybe through others): what both use belongs one folder down (src/kernel or a helper of the lower module), or the lower one contributes a handler instead of being called.',
      from: { path: '^src/(kernel|modules/[^/]+|jobs|lib|gateway-db|data-plane|rate-limit)' },
      to: { circular: true },
    },
  ],
  options: { ...base.options, includeOnly: '^src/(kernel|modules|jobs|lib|gateway-db|data-plane|rate-limit)/' },
};
