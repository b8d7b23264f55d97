/**
 * The folder rule of src/ (STYLE.md): module folders import each other one way. It runs as a
 * second pass because dependency-cruiser finds folder cycles over every folder it cruises, and
 * src/graphql is on both sides of every module by design (the builder below the field files,
 * schema.ts above them, as in Pothos' complex-app), so this pass sees only the kernel and the
 * module folders.
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
      from: { path: '^src/(kernel|modules/[^/]+)' },
      to: { circular: true },
    },
  ],
  options: { ...base.options, includeOnly: '^src/(kernel|modules)/' },
};
